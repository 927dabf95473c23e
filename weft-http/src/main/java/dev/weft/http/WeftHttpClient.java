package dev.weft.http;

import dev.weft.CancelScope;
import dev.weft.Timeout;
import dev.weft.Weft;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that carries weft's deadline, cancellation and trace context onto each
 * request it sends, around any {@code HttpClient}.
 *
 * <pre>{@code
 * HttpClient http = WeftHttpClient.wrap(HttpClient.newHttpClient());
 * Timeout.failAfter(Duration.ofMillis(300), () ->
 *         http.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()));
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Deadline: with a weft deadline in effect ({@link Timeout#remaining()}), each request gets
 *     the budget left in the deadline header ({@value DeadlineHeaders#DEFAULT_HEADER} unless
 *     configured; whole milliseconds rounded down) and a request timeout of the earlier of its own
 *     and the budget. A budget already spent fails before sending, with the scope's
 *     {@code CancelledException}.
 * <li>Outcome: when weft's deadline was the shorter one and the JDK's request timeout fires
 *     ({@link HttpTimeoutException}), {@code send} throws the scope's {@code CancelledException}
 *     instead, so that {@code Timeout.failAfter} throws {@code DeadlineExceededException} whichever
 *     timer noticed first; if the JDK's timer fires a few milliseconds before weft's clock reads
 *     the deadline as passed, {@code send} waits for it. (When weft's timer is first, it interrupts
 *     {@code send}, which weft also counts as the cancellation.)
 * <li>Cancellation: {@code send} is interrupted by weft like any blocking JDK call. A
 *     {@code sendAsync} future is cancelled (which aborts the exchange) when the scope that called
 *     it is cancelled while the request runs.
 * <li>Trace context: the {@link TracePropagation} in use ({@link TracePropagation#discover()}
 *     unless configured) writes {@code traceparent}, {@code tracestate} and {@code baggage}.
 * </ul>
 * Headers this client sets replace those of the same name in the request; everything else about
 * the request is kept.
 */
public final class WeftHttpClient extends HttpClient {
    private final HttpClient delegate;
    private final String header;
    private final TracePropagation propagation;

    private WeftHttpClient(HttpClient delegate, String header, TracePropagation propagation) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.header = header;
        this.propagation = propagation;
    }

    /**
     * Wraps {@code client} with the default deadline header and the discovered trace propagation.
     *
     * @param client the client that sends the requests
     * @return the decorated client
     */
    public static WeftHttpClient wrap(HttpClient client) {
        return builder(client).build();
    }

    /**
     * Returns a builder around {@code client}.
     *
     * @param client the client that sends the requests
     * @return a new builder
     */
    public static Builder builder(HttpClient client) {
        return new Builder(client);
    }

    /** Builds a {@link WeftHttpClient}. */
    public static final class Builder {
        private final HttpClient client;
        private String header = DeadlineHeaders.DEFAULT_HEADER;
        private TracePropagation propagation;

        private Builder(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /**
         * Sets the header that carries the budget in whole milliseconds.
         *
         * @param name a header name, e.g. {@code "X-Deadline-Ms"} or {@code "Connect-Timeout-Ms"}
         * @return this builder
         */
        public Builder deadlineHeader(String name) {
            this.header = WeftHttpFilter.checkHeaderName(name);
            return this;
        }

        /**
         * Sets how trace context is written.
         *
         * @param p the propagation, e.g. {@link TracePropagation#w3c()}
         * @return this builder
         */
        public Builder propagation(TracePropagation p) {
            this.propagation = Objects.requireNonNull(p, "propagation");
            return this;
        }

        /**
         * Builds the client.
         *
         * @return the decorated client
         */
        public WeftHttpClient build() {
            return new WeftHttpClient(client, header, propagation == null ? TracePropagation.discover() : propagation);
        }
    }

    /** A request with weft's headers and timeout, and the weft deadline if it is the binding one. */
    private record Prepared(HttpRequest request, boolean weftBinds) {
    }

    private Prepared prepare(HttpRequest request) {
        Objects.requireNonNull(request, "request");
        Optional<Duration> left = Timeout.remaining();
        Set<String> replaced = new HashSet<>();
        java.util.List<String[]> add = new java.util.ArrayList<>();
        boolean weftBinds = false;
        Duration timeout = request.timeout().orElse(null);
        if (left.isPresent()) {
            Duration budget = left.get();
            if (budget.isNegative() || budget.isZero()) {
                Weft.checkpoint(); // the budget is spent: the scope's own cancellation
                budget = Duration.ofNanos(1); // (only reached by a shielded caller)
            }
            add.add(new String[] {header, DeadlineHeaders.formatMillis(budget)});
            if (timeout == null || budget.compareTo(timeout) < 0) {
                timeout = budget;
                weftBinds = true;
            }
        }
        propagation.inject((k, v) -> add.add(new String[] {k, v}));
        if (add.isEmpty()) {
            return new Prepared(request, false);
        }
        for (String[] kv : add) {
            replaced.add(kv[0].toLowerCase(Locale.ROOT));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(request, (k, v) -> !replaced.contains(k.toLowerCase(Locale.ROOT)));
        for (String[] kv : add) {
            b.setHeader(kv[0], kv[1]);
        }
        if (timeout != null) {
            b.timeout(timeout);
        }
        return new Prepared(b.build(), weftBinds);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Prepared p = prepare(request);
        try {
            return delegate.send(p.request(), handler);
        } catch (HttpTimeoutException e) {
            if (p.weftBinds()) {
                awaitWeftDeadline();
            }
            throw e;
        }
    }

    /**
     * How far before weft's deadline the JDK's request timeout may fire and still be that
     * deadline: the JDK's timer counts from a moment after the budget was read, but it keeps its
     * own clock and wakes in whole milliseconds, so it can fire a hair before weft's clock reads
     * the deadline as passed (seen under load, WeftHttpTest). A timeout further ahead is another
     * one (a connect timeout), reported as it is.
     */
    private static final Duration TIMER_SKEW = Duration.ofMillis(20);

    /**
     * The JDK's timeout fired while weft's deadline binds: throws the scope's cancellation, after
     * waiting out the timers' skew ({@link #TIMER_SKEW}) if weft's clock does not read the
     * deadline as passed yet. Returns if the deadline is further away than that.
     */
    private static void awaitWeftDeadline() {
        Optional<Duration> left = Timeout.remaining();
        if (left.isPresent() && left.get().isPositive() && left.get().compareTo(TIMER_SKEW) <= 0) {
            Weft.sleep(left.get()); // ends with the scope's cancellation as the deadline passes
        }
        Weft.checkpoint();
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return link(delegate.sendAsync(prepare(request).request(), handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> push) {
        return link(delegate.sendAsync(prepare(request).request(), handler, push));
    }

    private static <T> CompletableFuture<T> link(CompletableFuture<T> f) {
        CancelScope.Registration r = CancelScope.current().onCancel(() -> f.cancel(true));
        f.whenComplete((v, e) -> r.close());
        return f;
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public java.net.http.WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration duration) throws InterruptedException {
        return delegate.awaitTermination(duration);
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public void shutdownNow() {
        delegate.shutdownNow();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "WeftHttpClient[" + delegate + ", " + header + "]";
    }
}
