package dev.weft.examples.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serial;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The demo server's endpoints, written once against a {@link RequestRuntime}.
 *
 * <p>Per request: the id comes from {@code X-Request-Id} when the client sends a valid one, else
 * the server makes one; the id and the client address are set for the whole exchange, so every
 * log line shows them; the deadline is the server's default, shortened (never lengthened) by
 * {@code X-Deadline-Ms}. Bad input gets a 4xx with a sentence saying what is wrong.
 */
final class DemoHandler implements HttpHandler {
    static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern MILLIS = Pattern.compile("[0-9]{1,9}");
    static final long MAX_MILLIS = 60_000;
    static final int MAX_FANOUT = 1000;

    static final String INDEX = """
            weft demo server: every request is a weft task in the server's root TaskGroup, with its own
            request id, client address and deadline (default %d ms; a shorter X-Deadline-Ms header wins).

            GET /                   this page
            GET /hello              a greeting
            GET /whoami             your request id and address, read from ContextVars, also by a sub-task
            GET /slow?ms=N          sleeps N ms (0..60000); 504 if the deadline comes first
            GET /fanout?n=K&ms=M    K sub-requests (1..1000) of M ms each, at once, in a TaskGroup;
                                    504 if the deadline cuts them
            Headers: X-Request-Id (1-64 of A-Z a-z 0-9 . _ -), X-Deadline-Ms (whole milliseconds)
            """;

    private final RequestRuntime runtime;
    private final RequestLog log;
    private final Duration deadline;
    private final AtomicLong ids = new AtomicLong();
    final LongAdder answered = new LongAdder();
    final LongAdder clientGone = new LongAdder();

    DemoHandler(RequestRuntime runtime, RequestLog log, Duration deadline) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.log = Objects.requireNonNull(log, "log");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
    }

    /** A request the server refuses, with the sentence that says why. */
    private static final class BadRequest extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
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

    private void exchange(HttpExchange ex, long start, Response refused) throws Exception {
        log.info("%s %s", ex.getRequestMethod(), ex.getRequestURI());
        Response r;
        try {
            r = refused != null ? refused : respond(ex);
        } catch (CancellationException | InterruptedException e) {
            log.info("stopped by the server's shutdown after %d ms", millisSince(start));
            throw e; // the JDK server closes the connection

        } catch (Exception e) {
            r = Response.of(500, "internal error: " + e);
        }
        if (send(ex, r)) {
            answered.increment();
            log.info("%d in %d ms", r.status(), millisSince(start));
        }
    }

    /** Sends {@code r}; returns false if the client had gone. */
    private boolean send(HttpExchange ex, Response r) {
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/plain; charset=utf-8");
        h.set("X-Request-Id", runtime.requestId());
        r.headers().forEach(h::set);
        try (ex) {
            ex.sendResponseHeaders(r.status(), body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body);
            return true;
        } catch (IOException e) {
            clientGone.increment();
            log.info("the client went away before the %d response was sent (%s)", r.status(), e.getMessage());
            return false;
        }
    }

    private Response respond(HttpExchange ex) throws Exception {
        String method = ex.getRequestMethod();
        if (!"GET".equals(method)) {
            return new Response(405, "method " + method + " is not allowed: this server answers GET only\n",
                    Map.of("Allow", "GET"));
        }
        try {
            Duration budget = budget(ex.getRequestHeaders().getFirst("X-Deadline-Ms"));
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String path = ex.getRequestURI().getPath();
            return switch (path) {
                case "/" -> Response.of(200, String.format(INDEX, deadline.toMillis()));
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
                    yield runtime.withDeadline(budget, () -> fanout(n, ms));
                }
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

    /** The request's budget: the server's deadline, or the header's if it is shorter. */
    private Duration budget(String header) throws BadRequest {
        if (header == null) {
            return deadline;
        }
        String h = header.strip();
        if (!MILLIS.matcher(h).matches()) {
            throw new BadRequest("bad X-Deadline-Ms: '" + header + "' is not a whole number of milliseconds"
                    + " (0 to 999999999)");
        }
        long ms = Long.parseLong(h);
        return ms < deadline.toMillis() ? Duration.ofMillis(ms) : deadline;
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
