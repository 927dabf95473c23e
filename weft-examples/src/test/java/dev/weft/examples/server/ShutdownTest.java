package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Structured shutdown: a grace period for requests in flight, then cancellation, then nothing left. */
class ShutdownTest {

    /** A request in flight finishes within the grace period and gets its answer; then new connections are refused. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void requestInFlightFinishesWithinTheGrace(boolean plain) throws Exception {
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(5), Duration.ofSeconds(3), log);
        int port = s.port();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<RawHttp.Reply> reply = CompletableFuture.supplyAsync(() -> slow(port, 400), clients);
            ServerTesting.await("the request is in flight", Duration.ofSeconds(10), () -> s.inFlight() == 1);
            DemoServer.Stats stats = s.shutdown();
            RawHttp.Reply r = reply.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.body());
            assertEquals("slept 400 ms\n", r.body());
            assertTrue(stats.clean(), stats.toString());
            assertEquals(1, stats.answered(), stats.toString());
        }
        assertThrows(ConnectException.class, () -> new RawHttp(port).close(), "the port still accepts");
        assertTrue(log.stream().anyMatch(l -> l.contains("[- -] stopped: ")), String.join("\n", log));
        assertEquals(List.of(), ServerTesting.linesWith(log, "stopped by the server's shutdown"));
    }

    /**
     * What outlives the grace period is cut: each such request is cancelled through its own scope
     * (its sleep or fan-out ends at once) and answered 503 with Connection: close; the shutdown
     * ends soon after the grace, with no task left.
     */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void requestsOutlivingTheGraceAreCutWith503AndConnectionClose(boolean plain) throws Exception {
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(60), Duration.ofSeconds(1), log);
        int port = s.port();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<RawHttp.Reply> sleeper = CompletableFuture.supplyAsync(() -> slow(port, 30_000), clients);
            CompletableFuture<RawHttp.Reply> fanout = CompletableFuture.supplyAsync(
                    () -> request(port, "/fanout?n=20&ms=30000"), clients);
            ServerTesting.await("both requests are admitted", Duration.ofSeconds(10),
                    () -> s.admission().requestsInFlight() == 2);
            long start = System.nanoTime();
            DemoServer.Stats stats = s.shutdown();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900 && ms < 8000, "shutdown took " + ms + " ms for a grace of 1 s:\n" + String.join("\n", log));
            assertTrue(stats.clean(), stats.toString());
            assertTrue(stats.runningAfterGrace() >= 2, stats.toString());
            assertEquals(2, stats.cutByShutdown(), stats.toString());
            for (CompletableFuture<RawHttp.Reply> f : List.of(sleeper, fanout)) {
                RawHttp.Reply r = f.get(10, TimeUnit.SECONDS);
                assertNotNull(r, "a request cut by the shutdown got no answer");
                assertEquals(503, r.status(), r.body());
                assertEquals("close", r.headers().get("connection"), r.headers().toString());
                assertTrue(r.body().startsWith("the server is shutting down: this request was cut after "), r.body());
            }
        }
        assertEquals(2, ServerTesting.linesWith(log, "cut by the server's shutdown").size(), String.join("\n", log));
        assertEquals(List.of(), ServerTesting.linesWith(log, "stopped by the server's shutdown"));
    }

    /** During the grace period, a new request (here on a kept-alive connection) gets 503 with Connection: close. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void newRequestsDuringTheGraceGet503AndConnectionClose(boolean plain) throws Exception {
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(60), Duration.ofSeconds(10), log);
        int port = s.port();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
             RawHttp idle = new RawHttp(port)) {
            assertEquals(200, idle.get("/hello").status());
            CompletableFuture<RawHttp.Reply> slow = CompletableFuture.supplyAsync(() -> slow(port, 30_000), clients);
            ServerTesting.await("the slow request is admitted", Duration.ofSeconds(10),
                    () -> s.admission().requestsInFlight() == 1);
            CompletableFuture<DemoServer.Stats> stopping = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.shutdown();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, clients);
            ServerTesting.await("the server drains", Duration.ofSeconds(10), () -> s.isDraining());
            RawHttp.Reply r = idle.get("/hello");
            assertNotNull(r, "no answer during the grace:\n" + String.join("\n", log));
            assertEquals(503, r.status(), r.body());
            assertEquals("close", r.headers().get("connection"));
            assertTrue(r.body().startsWith("the server is shutting down: this request was not started"), r.body());
            assertEquals("", idle.readToEnd(), "the connection is closed after the 503");
            s.force(); // end the 10 s grace now
            DemoServer.Stats stats = stopping.get(10, TimeUnit.SECONDS);
            assertTrue(stats.clean(), stats.toString());
            assertEquals(503, slow.get(10, TimeUnit.SECONDS).status());
        }
    }

    /** force() ends the grace period at once: a shutdown with a 60 s grace ends in seconds, its request cut with a 503. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void forceEndsTheGraceAtOnce(boolean plain) throws Exception {
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(120), Duration.ofSeconds(60), ServerTesting.newLog());
        int port = s.port();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<RawHttp.Reply> slow = CompletableFuture.supplyAsync(() -> slow(port, 50_000), clients);
            ServerTesting.await("the slow request is admitted", Duration.ofSeconds(10),
                    () -> s.admission().requestsInFlight() == 1);
            s.force();
            long start = System.nanoTime();
            DemoServer.Stats stats = s.shutdown();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5000, "a forced shutdown took " + ms + " ms");
            assertTrue(stats.clean(), stats.toString());
            assertEquals(1, stats.cutByShutdown(), stats.toString());
            assertEquals(503, slow.get(10, TimeUnit.SECONDS).status());
        }
    }

    /** Shutting down twice is harmless; the second call returns the first's result. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void shutdownIsIdempotent(boolean plain) throws Exception {
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(1), Duration.ZERO, ServerTesting.newLog());
        DemoServer.Stats first = s.shutdown();
        assertEquals(first, s.shutdown());
        assertTrue(first.clean());
    }

    private static RawHttp.Reply slow(int port, int ms) {
        return request(port, "/slow?ms=" + ms);
    }

    /** Sends a request; returns the reply, or null if the server closed the connection without one. */
    private static RawHttp.Reply request(int port, String path) {
        try (RawHttp c = new RawHttp(port)) {
            return c.get(path);
        } catch (IOException e) {
            return null; // a reset counts as "closed without an answer"
        }
    }
}
