package dev.weft.examples.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * The demo server's endpoints, written once against a {@link RequestRuntime}.
 *
 * <p>Per request: the id comes from {@code X-Request-Id} when the client sends a valid one, else
 * the server makes one; the id and the client address are set for the whole exchange, so every
 * log line shows them; the deadline comes from the request's deadline headers as weft-http reads
 * them ({@link RequestDeadline}; with weft, {@link dev.weft.http.WeftHttpFilter} in front of this
 * handler runs the whole exchange under it). Then, in order:
 * <ol>
 * <li>bad input gets a 4xx with a sentence saying what is wrong;
 * <li>while the server drains, {@code 503} with {@code Connection: close};
 * <li>past the {@link Admission} limits, {@code 503} with {@code Retry-After};
 * <li>otherwise the response is computed in a cancellable region ({@link RequestRuntime#cancellable}):
 *     a client that goes away ({@link DisconnectWatch}) cancels it, and nothing is sent; the end
 *     of the shutdown's grace period cancels it, and it is answered {@code 503} with
 *     {@code Connection: close}. The response is sent outside that region, so a late
 *     cancellation can never cut the response's own write.
 * </ol>
 * {@code HEAD} is answered as {@code GET} without the body, with the {@code Content-Length} the
 * body would have.
 */
final class DemoHandler implements HttpHandler {
    static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern MILLIS = Pattern.compile("[0-9]{1,9}");
    static final long MAX_MILLIS = 60_000;
    static final int MAX_FANOUT = 1000;
    /** Seconds a client refused for load should wait: the time a typical slow request takes to end. */
    static final int RETRY_AFTER_SECONDS = 1;

    static final String INDEX = """
            weft demo server: every request is a weft task in the server's root TaskGroup, with its own
            request id, client address and deadline (default %d ms; a shorter X-Deadline-Ms header wins).

            GET /                   this page
            GET /hello              a greeting
            GET /whoami             your request id and address, read from ContextVars, also by a sub-task
            GET /slow?ms=N          sleeps N ms (0..60000); 504 if the deadline comes first
            GET /fanout?n=K&ms=M    K sub-requests (1..1000) of M ms each, at once, in a TaskGroup;
                                    504 if the deadline cuts them
            GET /debug/tasks        what is running: weft's task tree as JSON (./run tasks PID prints it as text)
            HEAD works on every endpoint. Headers: X-Request-Id (1-64 of A-Z a-z 0-9 . _ -),
            X-Deadline-Ms (whole milliseconds, once; Connect-Timeout-Ms and grpc-timeout too). A client that disconnects cancels its request.
            Busy (over %d requests or %d fan-out sub-tasks in flight): 503 with Retry-After.
            """;

    private final RequestRuntime runtime;
    private final RequestLog log;
    private final Duration deadline;
    private final Admission admission;
    private final BooleanSupplier draining;
    private final AtomicLong ids = new AtomicLong();
    final LongAdder answered = new LongAdder();
    final LongAdder clientGone = new LongAdder();
    final LongAdder cutByShutdown = new LongAdder();
    final LongAdder refusedBusy = new LongAdder();
    private final AtomicInteger handling = new AtomicInteger();

    DemoHandler(RequestRuntime runtime, RequestLog log, Duration deadline, Admission admission,
                BooleanSupplier draining) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.log = Objects.requireNonNull(log, "log");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.admission = Objects.requireNonNull(admission, "admission");
        this.draining = Objects.requireNonNull(draining, "draining");
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        String given = ex.getRequestHeaders().getFirst("X-Request-Id");
        boolean validId = given == null || VALID_ID.matcher(given).matches();
        String id = given != null && validId ? given : "r-" + ids.incrementAndGet();
        Response refused = validId ? null : Response.of(400,
                "bad X-Request-Id: use 1 to 64 characters of A-Z a-z 0-9 . _ -");
        try {
            runtime.as(id, address(ex.getRemoteAddress()), () -> {
                exchange(ex, start, refused);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** How many exchanges are in the handler now (computing or sending). */
    int handling() {
        return handling.get();
    }

    private void exchange(HttpExchange ex, long start, Response refused) throws Exception {
        handling.incrementAndGet();
        try {
            answer(ex, start, refused);
        } finally {
            handling.decrementAndGet();
        }
    }

    private void answer(HttpExchange ex, long start, Response refused) throws Exception {
        log.info("%s %s", ex.getRequestMethod(), ex.getRequestURI());
        Response r;
        if (refused != null) {
            r = refused;
        } else if (draining.getAsBoolean()) {
            r = new Response(503, "the server is shutting down: this request was not started; send it to another"
                    + " server\n", Map.of("Connection", "close"));
        } else {
            RequestHandle h = admission.tryAdmit(ex.getLocalAddress(), ex.getRemoteAddress());
            if (h == null) {
                refusedBusy.increment();
                r = busy("server busy: " + admission.maxRequests + " requests in flight, the server's limit"
                        + " (--max-in-flight)");
            } else {
                try {
                    r = compute(ex, h, start);
                } finally {
                    admission.release(h);
                }
                if (r == null) {
                    clientGone.increment();
                    log.info("the client went away after %d ms: request cancelled, with every task it started",
                            millisSince(start));
                    ex.close(); // nobody to answer: just close the connection
                    return;
                }
            }
        }
        Response answer = r;
        runtime.uninterrupted(() -> {
            if (send(ex, answer)) {
                answered.increment();
                log.info("%d in %d ms", answer.status(), millisSince(start));
            }
            return null;
        });
    }

    /** Computes the response in the request's cancellable region; null if the client went away. */
    private Response compute(HttpExchange ex, RequestHandle h, long start) throws Exception {
        Response r;
        try {
            r = runtime.cancellable(h, () -> respond(ex));
        } catch (CancellationException | InterruptedException e) {
            // Not our handle's cancellation: the root group's, after the shutdown gave up waiting.
            log.info("stopped by the server's shutdown after %d ms", millisSince(start));
            throw e; // the JDK server closes the connection
        } catch (Exception e) {
            return Response.of(500, "internal error: " + e);
        }
        if (r != null) {
            return r;
        }
        RequestHandle.Reason why = h.reason();
        assert why != null : "cancellable returned null without a cancellation";
        if (why == RequestHandle.Reason.CLIENT_GONE) {
            return null;
        }
        cutByShutdown.increment();
        long ms = millisSince(start);
        log.info("cut by the server's shutdown after %d ms: answering 503", ms);
        return new Response(503, "the server is shutting down: this request was cut after " + ms
                + " ms, at the end of the shutdown's grace period; send it again to another server\n",
                Map.of("Connection", "close"));
    }

    private static Response busy(String why) {
        return new Response(503, why + "; retry after " + RETRY_AFTER_SECONDS + " s\n",
                Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
    }

    /** Sends {@code r} (headers only for HEAD); returns false if the client had gone. */
    private boolean send(HttpExchange ex, Response r) {
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/plain; charset=utf-8");
        h.set("X-Request-Id", runtime.requestId());
        r.headers().forEach(h::set);
        try (ex) {
            if (head) {
                // The JDK server wants -1 for HEAD (a length would log a warning) and leaves
                // Content-Length to us: the length the GET body would have.
                h.set("Content-Length", Integer.toString(body.length));
                ex.sendResponseHeaders(r.status(), -1);
            } else {
                ex.sendResponseHeaders(r.status(), body.length);
                OutputStream out = ex.getResponseBody();
                out.write(body);
            }
            return true;
        } catch (IOException e) {
            clientGone.increment();
            log.info("the client went away before the %d response was sent (%s)", r.status(), e.getMessage());
            return false;
        }
    }

    private Response respond(HttpExchange ex) throws Exception {
        String method = ex.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return new Response(405, "method " + method + " is not allowed: this server answers GET and HEAD only\n",
                    Map.of("Allow", "GET, HEAD"));
        }
        try {
            Duration budget = RequestDeadline.budget(ex.getRequestHeaders()::get, deadline);
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String path = ex.getRequestURI().getPath();
            return switch (path) {
                case "/" -> Response.of(200, String.format(INDEX, deadline.toMillis(), admission.maxRequests,
                        admission.maxSubtasks));
                case "/hello" -> runtime.withDeadline(budget, () -> Response.of(200,
                        "hello, " + runtime.client() + " (request " + runtime.requestId() + ")"));
                case "/whoami" -> runtime.withDeadline(budget, this::whoami);
                case "/slow" -> {
                    long ms = number(q, "ms", 0, MAX_MILLIS);
                    yield runtime.withDeadline(budget, () -> {
                        runtime.sleep(Duration.ofMillis(ms));
                        return Response.of(200, "slept " + ms + " ms");
                    });
                }
                case "/fanout" -> {
                    int n = (int) number(q, "n", 1, MAX_FANOUT);
                    long ms = number(q, "ms", 0, MAX_MILLIS);
                    if (!admission.tryReserveSubtasks(n)) {
                        refusedBusy.increment();
                        yield busy("server busy: a fan-out of " + n + " sub-tasks would pass the server's budget of "
                                + admission.maxSubtasks + " fan-out sub-tasks in flight (--max-subtasks)");
                    }
                    try {
                        yield runtime.withDeadline(budget, () -> fanout(n, ms));
                    } finally {
                        admission.releaseSubtasks(n);
                    }
                }
                case "/debug/tasks" -> new Response(200, dev.weft.Weft.taskTree().toJson() + "\n",
                        Map.of("Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store"));
                default -> Response.of(404, "no endpoint " + path + ": GET / lists them");
            };
        } catch (BadRequest e) {
            return Response.of(400, e.getMessage());
        }
    }

    private Response whoami() throws Exception {
        String id = runtime.requestId();
        String client = runtime.client();
        String seenBySubTask = runtime.fanout(1, () -> runtime.requestId() + " " + runtime.client()).getFirst();
        return Response.of(200, "request-id: " + id + "\nclient: " + client + "\nseen by a sub-task: "
                + seenBySubTask);
    }

    private Response fanout(int n, long ms) throws Exception {
        long start = System.nanoTime();
        String id = runtime.requestId();
        List<String> seen = runtime.fanout(n, () -> {
            runtime.sleep(Duration.ofMillis(ms));
            return runtime.requestId();
        });
        long same = seen.stream().filter(id::equals).count();
        return Response.of(200, n + " sub-requests of " + ms + " ms done in " + millisSince(start) + " ms; "
                + same + " of " + n + " saw request id " + id);
    }

    private static long number(Map<String, String> q, String name, long min, long max) throws BadRequest {
        String v = q.get(name);
        if (v == null) {
            throw new BadRequest("missing query parameter " + name + " (a whole number from " + min + " to " + max + ")");
        }
        if (!MILLIS.matcher(v).matches() || Long.parseLong(v) < min || Long.parseLong(v) > max) {
            throw new BadRequest("bad query parameter " + name + "='" + v + "': use a whole number from " + min
                    + " to " + max);
        }
        return Long.parseLong(v);
    }

    private static Map<String, String> query(String raw) throws BadRequest {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v); // the last value of a repeated parameter wins
            } catch (IllegalArgumentException e) {
                throw new BadRequest("bad query string: " + e.getMessage());
            }
        }
        return q;
    }

    static String address(InetSocketAddress a) {
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
