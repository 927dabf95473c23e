package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    /** What outlives the grace period is cancelled: the shutdown ends soon after the grace, with no task left. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void requestsOutlivingTheGraceAreCancelled(boolean plain) throws Exception {
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(60), Duration.ofSeconds(1), log);
        int port = s.port();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<RawHttp.Reply> sleeper = CompletableFuture.supplyAsync(() -> slow(port, 30_000), clients);
            CompletableFuture<RawHttp.Reply> fanout = CompletableFuture.supplyAsync(
                    () -> request(port, "/fanout?n=20&ms=30000"), clients);
            ServerTesting.await("both requests are in flight", Duration.ofSeconds(10), () -> s.inFlight() == 2);
            long start = System.nanoTime();
            DemoServer.Stats stats = s.shutdown();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900 && ms < 8000, "shutdown took " + ms + " ms for a grace of 1 s");
            assertTrue(stats.clean(), stats.toString());
            assertTrue(stats.runningAfterGrace() >= 2, stats.toString());
            assertNull(sleeper.get(10, TimeUnit.SECONDS), "the sleeper got an answer");
            assertNull(fanout.get(10, TimeUnit.SECONDS), "the fan-out got an answer");
        }
        if (!plain) {
            assertEquals(2, ServerTesting.linesWith(log, "stopped by the server's shutdown").size(), String.join("\n", log));
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
