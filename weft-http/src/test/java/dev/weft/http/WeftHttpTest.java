package dev.weft.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.DeadlineExceededException;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The client decorator and the filter against a loopback JDK HttpServer. */
class WeftHttpTest {
    static final HttpClient PLAIN = HttpClient.newHttpClient();
    static final WeftHttpClient CLIENT = WeftHttpClient.wrap(PLAIN);

    @AfterAll
    static void closeClient() {
        PLAIN.close();
    }

    static HttpResponse<String> get(HttpClient c, java.net.URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The handler's budget is never more than the client's when it sent, and the header says it. */
    @Test
    void budgetSentIsBudgetSeenAndOnlyShrinks() throws Exception {
        AtomicLong seenNanos = new AtomicLong();
        AtomicReference<String> header = new AtomicReference<>();
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            header.set(ex.getRequestHeaders().getFirst("X-Deadline-Ms"));
            seenNanos.set(Timeout.remaining().orElseThrow().toNanos());
            return "ok";
        })) {
            get(CLIENT, f.uri("/")); // connect and load classes outside the budget
            for (int i = 0; i < 20; i++) {
                long before = Timeout.failAfter(Duration.ofSeconds(3), () -> {
                    long b = Timeout.remaining().orElseThrow().toNanos();
                    assertEquals(200, get(CLIENT, f.uri("/")).statusCode());
                    return b;
                });
                assertTrue(seenNanos.get() > 0 && seenNanos.get() <= before, seenNanos.get() + " > " + before);
                assertTrue(Long.parseLong(header.get()) * 1_000_000 <= before, header.get());
            }
        }
    }

    /** weft's budget replaces a larger deadline header set on the request; a configured header name is used. */
    @Test
    void clientReplacesHeaderAndHonoursConfiguredName() throws Exception {
        AtomicReference<String> weftHeader = new AtomicReference<>();
        AtomicReference<String> connectHeader = new AtomicReference<>();
        AtomicLong seenMs = new AtomicLong();
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            weftHeader.set(ex.getRequestHeaders().getFirst("X-Deadline-Ms"));
            connectHeader.set(ex.getRequestHeaders().getFirst("Connect-Timeout-Ms"));
            seenMs.set(Timeout.remaining().orElseThrow().toMillis());
            return "ok";
        })) {
            Timeout.failAfter(Duration.ofSeconds(2), () -> get(CLIENT, f.uri("/"), "X-Deadline-Ms", "999999"));
            assertTrue(Long.parseLong(weftHeader.get()) <= 2000, weftHeader.get());
            assertTrue(seenMs.get() <= 2000, "the server saw " + seenMs.get() + " ms");
            WeftHttpClient connect = WeftHttpClient.builder(PLAIN).deadlineHeader("Connect-Timeout-Ms").build();
            Timeout.failAfter(Duration.ofSeconds(2), () -> get(connect, f.uri("/")));
            assertTrue(Long.parseLong(connectHeader.get()) <= 2000, connectHeader.get());
            assertTrue(seenMs.get() <= 2000, "the server read Connect-Timeout-Ms: " + seenMs.get() + " ms");
            assertThrows(IllegalArgumentException.class, () -> WeftHttpClient.builder(PLAIN).deadlineHeader("bad header"));
        }
    }

    /** Bad deadline headers get 400 naming the header; zero gets 504; absurd and missing get the maximum. */
    @Test
    void badAndAbsurdDeadlineHeadersGetClearAnswers() throws Exception {
        AtomicLong seenMs = new AtomicLong();
        AtomicLong handled = new AtomicLong();
        WeftHttpFilter filter = WeftHttpFilter.builder().maxDeadline(Duration.ofSeconds(2)).build();
        try (HttpFixture f = new HttpFixture(filter, ex -> {
            handled.incrementAndGet();
            seenMs.set(Timeout.remaining().orElseThrow().toMillis());
            return "ok";
        })) {
            for (String[] h : new String[][] {{"X-Deadline-Ms", "-1"}, {"X-Deadline-Ms", "12ms"},
                    {"Connect-Timeout-Ms", "soon"}, {"grpc-timeout", "1x"}, {"X-Deadline-Ms", "1e3"}}) {
                HttpResponse<String> r = get(PLAIN, f.uri("/"), h);
                assertEquals(400, r.statusCode(), h[0] + ": " + h[1]);
                assertTrue(r.body().contains(h[0]) && r.body().contains("e.g."), r.body());
            }
            assertEquals(0, handled.get(), "no handler ran for a bad header");
            HttpResponse<String> zero = get(PLAIN, f.uri("/"), "X-Deadline-Ms", "0");
            assertEquals(504, zero.statusCode(), zero.body());
            for (String[] h : new String[][] {{"X-Deadline-Ms", "999999999999999999999"}, {"grpc-timeout", "99999999H"}, {}}) {
                assertEquals(200, get(PLAIN, f.uri("/"), h).statusCode());
                assertTrue(seenMs.get() > 0 && seenMs.get() <= 2000, "clamped to the maximum: " + seenMs.get());
            }
        }
    }

    /** A handler slower than the request's deadline is cancelled and the client gets 504. */
    @Test
    void slowHandlerGets504AndIsCancelled() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            try {
                Weft.sleep(Duration.ofSeconds(5));
                return "late";
            } catch (CancelledException e) {
                cancelled.countDown();
                throw e;
            }
        })) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = get(PLAIN, f.uri("/"), "X-Deadline-Ms", "150");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, r.statusCode());
            assertTrue(r.body().contains("150 ms"), r.body());
            assertTrue(ms < 2000, ms + " ms");
            assertTrue(cancelled.await(5, TimeUnit.SECONDS));
        }
    }

    /** weft's deadline ends a send with DeadlineExceededException; the handler is cancelled by the budget it got. */
    @Test
    void weftClientDeadlineGivesDeadlineExceededException() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            if (ex.getRequestURI().getPath().equals("/warm")) {
                return "warm";
            }
            try {
                Weft.sleep(Duration.ofSeconds(2));
                return "late";
            } catch (CancelledException e) {
                cancelled.countDown();
                throw e;
            }
        })) {
            get(CLIENT, f.uri("/warm"));
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                assertThrows(DeadlineExceededException.class,
                        () -> Timeout.failAfter(Duration.ofMillis(200), () -> get(CLIENT, f.uri("/"))));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 199 && ms < 1500, ms + " ms");
                assertFalse(Thread.currentThread().isInterrupted(), "no interrupt leaked");
            }
            assertTrue(cancelled.await(5, TimeUnit.SECONDS), "the handler was cancelled");
        }
    }

    /** A sendAsync future is cancelled when the scope that sent it is cancelled. */
    @Test
    void cancellingScopeCancelsSendAsync() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            entered.countDown();
            Weft.sleep(Duration.ofSeconds(1)); // the JDK server cannot see the client cancel: this runs out
            return "late";
        })) {
            AtomicReference<CompletableFuture<HttpResponse<String>>> fut = new AtomicReference<>();
            CancelScope.run(s -> {
                fut.set(CLIENT.sendAsync(HttpRequest.newBuilder(f.uri("/")).build(), HttpResponse.BodyHandlers.ofString()));
                assertTrue(entered.await(5, TimeUnit.SECONDS));
                s.cancel();
                return null;
            });
            // The JDK's future either reports the cancel itself or completes with the exchange's
            // CancellationException ("Request cancelled"), depending on which side wins a race.
            CompletableFuture<HttpResponse<String>> cf = fut.get();
            assertTrue(cf.isDone(), "the future ended when the scope was cancelled");
            Throwable e = assertThrows(Throwable.class, cf::join);
            assertTrue(e instanceof java.util.concurrent.CancellationException
                    || e.getCause() instanceof java.util.concurrent.CancellationException, e.toString());
        }
    }

    /** The trace id travels; the server continues it in a new span; baggage arrives; no header starts a trace. */
    @Test
    void traceContextTravels() throws Exception {
        AtomicReference<TraceContext> seen = new AtomicReference<>();
        AtomicReference<Baggage> seenBaggage = new AtomicReference<>();
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            seen.set(W3cTrace.current().orElseThrow());
            seenBaggage.set(W3cTrace.baggage());
            return "ok";
        })) {
            TraceContext root = TraceContext.newTrace();
            try (var t = W3cTrace.set(root); var b = W3cTrace.setBaggage(new Baggage(Map.of("user", "ada")))) {
                get(CLIENT, f.uri("/"));
            }
            assertEquals(root.traceId(), seen.get().traceId());
            assertNotEquals(root.spanId(), seen.get().spanId());
            assertEquals("ada", seenBaggage.get().entries().get("user"));
            get(PLAIN, f.uri("/"));
            assertNotEquals(root.traceId(), seen.get().traceId(), "no traceparent: a new trace");
            assertTrue(W3cTrace.current().isEmpty(), "the caller's trace was restored");
        }
    }

    /** A client that disconnects while the handler streams its response cancels the handler's tasks. */
    @Test
    void clientDisconnectCancelsTheRequestsTasks() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch taskCancelled = new CountDownLatch(1);
        try (HttpFixture f = new HttpFixture(WeftHttpFilter.create(), ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            TaskGroup.run(g -> {
                g.spawn(() -> {
                    try {
                        Weft.sleep(Duration.ofSeconds(30));
                    } catch (CancelledException e) {
                        taskCancelled.countDown();
                        throw e;
                    }
                    return null;
                });
                byte[] chunk = new byte[16 * 1024];
                for (int i = 0; i < 2000; i++) {
                    out.write(chunk);
                    out.flush();
                    streaming.countDown();
                    Weft.sleep(Duration.ofMillis(5));
                }
                return null;
            });
            return null;
        })) {
            try (Socket s = new Socket("127.0.0.1", f.server.getAddress().getPort())) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                in.readNBytes(1024);
                assertTrue(streaming.await(5, TimeUnit.SECONDS));
                s.setSoLinger(true, 0); // close with a reset: the server's next write fails
            }
            assertTrue(taskCancelled.await(5, TimeUnit.SECONDS), "the request's task was cancelled");
        }
    }
}
