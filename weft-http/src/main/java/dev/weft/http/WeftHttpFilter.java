package dev.weft.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.weft.CancelScope;
import dev.weft.Context;
import dev.weft.Deadline;
import dev.weft.DeadlineExceededException;
import dev.weft.Timeout;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@link Filter} for the JDK's {@code com.sun.net.httpserver} that runs each exchange in a weft
 * deadline scope taken from the request, in the request's own context and trace.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
 * server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
 * server.createContext("/", handler).getFilters().add(WeftHttpFilter.create());
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Deadline: the shortest of the request's {@value DeadlineHeaders#DEFAULT_HEADER} (or the
 *     configured header), {@code Connect-Timeout-Ms} and {@code grpc-timeout}, clamped to
 *     {@link Builder#maxDeadline} (30 s unless set); a request without one gets the maximum. The
 *     rest of the chain runs inside {@code Timeout.failAt} on it, so {@code Timeout.remaining()}
 *     in the handler tells the budget, and a {@link WeftHttpClient} called there passes it on.
 * <li>Answers: a malformed deadline header gets {@code 400} with a message naming the header
 *     and the format, before the handler runs; a budget of zero gets {@code 504} at once; a
 *     deadline that passes in the handler gets {@code 504} if no response has been started
 *     (otherwise the exchange is closed, cutting the response short).
 * <li>Client gone: the JDK server tells nothing about a client that disconnects while the handler
 *     runs; it shows when reading the request body or writing the response fails. The filter
 *     watches both streams: such an {@code IOException} cancels the request's scope, so every
 *     task the handler spawned stops, and the exception goes on to the handler. Work that
 *     neither reads nor writes is bounded by the deadline, which a weft client always sends.
 * <li>Context and trace: each exchange runs in a copy of the server thread's weft context, in
 *     which the {@link TracePropagation} in use has made the request's trace context current
 *     (with {@link TracePropagation#w3c()}: a child span of {@code traceparent}, or a new trace,
 *     and the {@code baggage}); it is restored afterwards.
 * </ul>
 */
public final class WeftHttpFilter extends Filter {
    /** The default maximum budget of a request, and the budget of a request without a deadline header. */
    public static final Duration DEFAULT_MAX_DEADLINE = Duration.ofSeconds(30);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,64}");

    private final String header;
    private final Duration max;
    private final TracePropagation propagation;

    private WeftHttpFilter(String header, Duration max, TracePropagation propagation) {
        this.header = header;
        this.max = max;
        this.propagation = propagation;
    }

    /**
     * Returns a filter with the default header, a 30 s maximum and the discovered propagation.
     *
     * @return the filter
     */
    public static WeftHttpFilter create() {
        return builder().build();
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link WeftHttpFilter}. */
    public static final class Builder {
        private String header = DeadlineHeaders.DEFAULT_HEADER;
        private Duration max = DEFAULT_MAX_DEADLINE;
        private TracePropagation propagation;

        private Builder() {
        }

        /**
         * Sets the milliseconds header read besides {@code Connect-Timeout-Ms} and {@code grpc-timeout}.
         *
         * @param name the header name
         * @return this builder
         */
        public Builder deadlineHeader(String name) {
            this.header = checkHeaderName(name);
            return this;
        }

        /**
         * Sets the longest budget a request gets, and the budget of a request without a header.
         *
         * @param max positive, at most a day
         * @return this builder
         * @throws IllegalArgumentException if not positive or longer than a day
         */
        public Builder maxDeadline(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.isNegative() || max.isZero() || max.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxDeadline must be positive and at most a day, got " + max
                        + ": it bounds every request, e.g. Duration.ofSeconds(30)");
            }
            this.max = max;
            return this;
        }

        /**
         * Sets how the trace context of requests is read.
         *
         * @param p the propagation
         * @return this builder
         */
        public Builder propagation(TracePropagation p) {
            this.propagation = Objects.requireNonNull(p, "propagation");
            return this;
        }

        /**
         * Builds the filter.
         *
         * @return the filter
         */
        public WeftHttpFilter build() {
            return new WeftHttpFilter(header, max, propagation == null ? TracePropagation.discover() : propagation);
        }
    }

    static String checkHeaderName(String name) {
        Objects.requireNonNull(name, "header name");
        if (!TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("bad header name '" + name + "': use 1-64 HTTP token characters,"
                    + " e.g. \"X-Deadline-Ms\"");
        }
        return name;
    }

    @Override
    public String description() {
        return "weft deadline (" + header + ", max " + max + "), cancellation and trace context";
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Duration budget;
        try {
            budget = DeadlineHeaders.parse(exchange.getRequestHeaders()::get, header).orElse(max);
        } catch (IllegalArgumentException e) {
            answer(exchange, 400, e.getMessage());
            return;
        }
        if (budget.compareTo(max) > 0) {
            budget = max;
        }
        if (budget.isZero()) {
            answer(exchange, 504, "the request arrived with no time left (" + header + ": 0)");
            return;
        }
        Deadline deadline = Deadline.after(budget);
        Watch watch = new Watch();
        exchange.setStreams(new WatchedInput(exchange.getRequestBody(), watch),
                new WatchedOutput(exchange.getResponseBody(), watch));
        Duration given = budget;
        CancelScope[] ran = new CancelScope[1];
        try {
            Context.copyCurrent().call(() -> {
                try (TracePropagation.Scope trace = propagation.attach(exchange.getRequestHeaders()::getFirst)) {
                    return CancelScope.run(scope -> {
                        ran[0] = scope;
                        watch.enter(scope);
                        try {
                            return Timeout.failAt(deadline, () -> {
                                chain.doFilter(exchange);
                                return null;
                            });
                        } finally {
                            watch.exit();
                        }
                    });
                }
            });
            if (ran[0] != null && ran[0].cancelledCaught()) {
                exchange.close(); // the client is gone: nobody reads an answer, free the connection
            }
        } catch (DeadlineExceededException e) {
            if (exchange.getResponseCode() == -1) {
                answer(exchange, 504, "the request's deadline of " + given.toMillis() + " ms passed before a response");
            } else {
                exchange.close();
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * The request's cancel scope, published while the chain runs, for the stream wrappers.
     * {@link #scope} is written by the handler thread and read by whichever thread does I/O on
     * the exchange (the handler's, or a task's).
     */
    static final class Watch {
        private volatile CancelScope scope;

        void enter(CancelScope s) {
            scope = s;
        }

        void exit() {
            scope = null;
        }

        /** The client is gone: cancel the request's scope, if it still runs. */
        void gone() {
            CancelScope s = scope;
            if (s != null) {
                s.cancel();
            }
        }

        IOException failed(IOException e) {
            if (!Thread.currentThread().isInterrupted() && !(e instanceof java.io.InterruptedIOException)) {
                gone();
            }
            return e;
        }
    }

    private static final class WatchedInput extends FilterInputStream {
        private final Watch watch;

        WatchedInput(InputStream in, Watch watch) {
            super(in);
            this.watch = watch;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }
    }

    private static final class WatchedOutput extends FilterOutputStream {
        private final Watch watch;

        WatchedOutput(OutputStream out, Watch watch) {
            super(out);
            this.watch = watch;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                throw watch.failed(e);
            }
        }
    }
}
