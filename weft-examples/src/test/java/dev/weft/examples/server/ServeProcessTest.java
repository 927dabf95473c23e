package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} as a real process: SIGTERM lets the request in flight finish, then the process
 * exits 0 and says nothing was left running; a second SIGTERM during the grace period forces the
 * exit, says so, and still answers the request it cuts.
 */
class ServeProcessTest {
    private static CompletableFuture<RawHttp.Reply> request(int port, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try (RawHttp c = new RawHttp(port)) {
                return c.get(path);
            } catch (Exception e) {
                return null;
            }
        });
    }

    /** SIGTERM: the request in flight is answered, the server stops, the exit code is 0. The limit options reach the server. */
    @Test
    void sigtermLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
        try (ServeProcess p = new ServeProcess("--grace-ms", "5000", "--max-in-flight", "7", "--max-subtasks", "70")) {
            p.awaitLine("the limits are logged", "at most 7 requests and 70 fan-out sub-tasks in flight");
            CompletableFuture<RawHttp.Reply> reply = request(p.port, "/slow?ms=800");
            p.awaitLine("the request is logged", "GET /slow?ms=800");
            p.sigterm();
            int code = p.awaitExit();
            RawHttp.Reply r = reply.get(10, TimeUnit.SECONDS);
            String out = p.output();
            assertEquals(0, code, out);
            assertTrue(r != null && r.status() == 200, "the request in flight was not answered:\n" + out);
            assertTrue(out.contains("SIGTERM received: stopping gracefully"), out);
            assertTrue(out.contains("nothing left running"), out);
        }
    }

    /**
     * A second SIGTERM during a long grace period forces the exit at once, says so, and the request
     * it cuts still gets a 503 with Connection: close; the exit code is 128 + 15.
     */
    @Test
    void secondSigtermDuringTheGraceForcesTheExit() throws Exception {
        try (ServeProcess p = new ServeProcess("--grace-ms", "60000")) {
            CompletableFuture<RawHttp.Reply> reply = request(p.port, "/slow?ms=50000");
            p.awaitLine("the request is logged", "GET /slow?ms=50000");
            p.sigterm();
            p.awaitLine("the grace period starts", "get up to 60000 ms to finish");
            long start = System.nanoTime();
            p.sigterm();
            int code = p.awaitExit();
            long ms = (System.nanoTime() - start) / 1_000_000;
            RawHttp.Reply r = reply.get(10, TimeUnit.SECONDS);
            String out = p.output();
            assertEquals(128 + 15, code, out);
            assertTrue(ms < 10_000, "the forced exit took " + ms + " ms:\n" + out);
            assertTrue(out.contains("second signal (SIGTERM) during the grace period: forcing the exit"), out);
            assertTrue(out.contains("exit forced by a second signal"), out);
            assertTrue(r != null && r.status() == 503, "the cut request got no 503:\n" + out);
            assertEquals("close", r.headers().get("connection"));
        }
    }
}
