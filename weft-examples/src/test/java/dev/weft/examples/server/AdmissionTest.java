package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admission limits: past them a request gets 503 with Retry-After at once; below them, service resumes. */
class AdmissionTest {

    private static DemoServer start(boolean plain, int requests, int subtasks, Queue<String> log) throws Exception {
        return DemoServer.start(new DemoServer.Config(InetAddress.getLoopbackAddress(), 0, Duration.ofSeconds(30),
                Duration.ofSeconds(1), plain, log::add, requests, subtasks));
    }

    /** With --max-in-flight 3, a fourth request gets 503 + Retry-After; once one ends, requests are admitted again. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void requestsPastTheLimitGet503WithRetryAfter(boolean plain) throws Exception {
        DemoServer s = start(plain, 3, 10_000, ServerTesting.newLog());
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<RawHttp.Reply>> slow = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                slow.add(CompletableFuture.supplyAsync(() -> get(s.port(), "/slow?ms=1500"), clients));
            }
            ServerTesting.await("three requests are admitted", Duration.ofSeconds(10),
                    () -> s.admission().requestsInFlight() == 3);
            try (RawHttp c = new RawHttp(s.port())) {
                RawHttp.Reply r = c.get("/hello");
                assertEquals(503, r.status(), r.body());
                assertEquals("1", r.headers().get("retry-after"));
                assertTrue(r.body().startsWith("server busy: 3 requests in flight, the server's limit (--max-in-flight)"),
                        r.body());
                for (CompletableFuture<RawHttp.Reply> f : slow) {
                    assertEquals(200, f.get(20, TimeUnit.SECONDS).status());
                }
                assertEquals(200, c.get("/hello").status(), "admitted again once the slow ones ended");
            }
            assertEquals(1, s.stats().refusedBusy());
        } finally {
            assertTrue(s.shutdown().clean());
        }
    }

    /**
     * With --max-subtasks 100, a fan-out that would pass the budget gets 503 + Retry-After before it
     * spawns anything, while cheap requests are still served; the budget comes back when the fan-out ends.
     */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void fanoutsPastTheBudgetGet503AndCheapRequestsStillRun(boolean plain) throws Exception {
        DemoServer s = start(plain, 256, 100, ServerTesting.newLog());
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<RawHttp.Reply> big = CompletableFuture.supplyAsync(
                    () -> get(s.port(), "/fanout?n=60&ms=1500"), clients);
            ServerTesting.await("the first fan-out holds 60 of the budget", Duration.ofSeconds(10),
                    () -> s.admission().subtasksInFlight() == 60);
            try (RawHttp c = new RawHttp(s.port())) {
                RawHttp.Reply r = c.get("/fanout?n=41&ms=10");
                assertEquals(503, r.status(), r.body());
                assertEquals("1", r.headers().get("retry-after"));
                assertTrue(r.body().startsWith("server busy: a fan-out of 41 sub-tasks would pass the server's budget"
                        + " of 100 fan-out sub-tasks in flight (--max-subtasks)"), r.body());
                assertEquals(200, c.get("/fanout?n=40&ms=10").status(), "a fan-out that fits runs");
                assertEquals(200, c.get("/hello").status());
                assertEquals(200, big.get(20, TimeUnit.SECONDS).status());
                assertEquals(0, s.admission().subtasksInFlight());
                assertEquals(200, c.get("/fanout?n=100&ms=10").status(), "the whole budget is back");
            }
        } finally {
            assertTrue(s.shutdown().clean());
        }
    }

    private static RawHttp.Reply get(int port, String path) {
        try (RawHttp c = new RawHttp(port)) {
            return c.get(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
