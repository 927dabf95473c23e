package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo server's endpoints, on the weft runtime and on the plain baseline. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoServerTest {
    private static final Duration DEADLINE = Duration.ofMillis(1000);
    private final Queue<String> weftLog = ServerTesting.newLog();
    private DemoServer weft;
    private DemoServer plain;

    @BeforeAll
    void startServers() throws Exception {
        weft = ServerTesting.start(false, DEADLINE, Duration.ofSeconds(1), weftLog);
        plain = ServerTesting.start(true, DEADLINE, Duration.ofSeconds(1), ServerTesting.newLog());
    }

    @AfterAll
    void stopServers() throws Exception {
        DemoServer.Stats w = weft.shutdown();
        DemoServer.Stats p = plain.shutdown();
        assertTrue(w.clean(), "weft server left tasks: " + w);
        assertTrue(p.clean(), "plain server left tasks: " + p);
    }

    private DemoServer server(boolean isPlain) {
        return isPlain ? plain : weft;
    }

    /** GET / answers 200 with the list of endpoints. */
    @Test
    void indexListsTheEndpoints() throws Exception {
        try (RawHttp c = new RawHttp(weft.port())) {
            RawHttp.Reply r = c.get("/");
            assertEquals(200, r.status());
            for (String e : List.of("/hello", "/whoami", "/slow?ms=N", "/fanout?n=K&ms=M", "X-Deadline-Ms")) {
                assertTrue(r.body().contains(e), "index lacks " + e + ":\n" + r.body());
            }
        }
    }

    /** /hello greets the client by its own address and names the request. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void helloGreetsTheClientByItsAddress(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            RawHttp.Reply r = c.get("/hello", "X-Request-Id: hello-1");
            assertEquals(200, r.status());
            assertEquals("hello, 127.0.0.1:" + c.localPort() + " (request hello-1)\n", r.body());
            assertEquals("hello-1", r.headers().get("x-request-id"));
        }
    }

    /** /whoami echoes the request id and client address from the context, as a sub-task sees them too. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void whoamiEchoesRequestIdAndClientAlsoFromASubTask(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            RawHttp.Reply r = c.get("/whoami", "X-Request-Id: who-7");
            String me = "127.0.0.1:" + c.localPort();
            assertEquals(200, r.status());
            assertEquals("request-id: who-7\nclient: " + me + "\nseen by a sub-task: who-7 " + me + "\n", r.body());
        }
    }

    /** Without X-Request-Id the server makes a fresh id per request, and returns it in a header. */
    @Test
    void serverMakesADistinctIdPerRequestWhenNoneIsGiven() throws Exception {
        try (RawHttp c = new RawHttp(weft.port())) {
            RawHttp.Reply a = c.get("/whoami");
            RawHttp.Reply b = c.get("/whoami");
            String idA = a.headers().get("x-request-id");
            String idB = b.headers().get("x-request-id");
            assertTrue(idA.startsWith("r-") && idB.startsWith("r-"), idA + " " + idB);
            assertNotEquals(idA, idB);
            assertTrue(a.body().startsWith("request-id: " + idA + "\n"), a.body());
        }
    }

    /** One keep-alive connection serves several requests, each with its own id and the same client. */
    @Test
    void keepAliveConnectionServesManyRequests() throws Exception {
        try (RawHttp c = new RawHttp(weft.port())) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Reply r = c.get("/whoami", "X-Request-Id: ka-" + i);
                assertEquals(200, r.status());
                assertTrue(r.body().startsWith("request-id: ka-" + i + "\nclient: 127.0.0.1:" + c.localPort() + "\n"),
                        r.body());
            }
        }
    }

    /** /slow answers after sleeping when the deadline allows it. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void slowAnswersAfterItsSleep(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            long start = System.nanoTime();
            RawHttp.Reply r = c.get("/slow?ms=100");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, r.status());
            assertEquals("slept 100 ms\n", r.body());
            assertTrue(ms >= 95, "answered after " + ms + " ms");
        }
    }

    /** A sleep longer than the X-Deadline-Ms budget is cut at the deadline with a 504. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void slowPastTheDeadlineGets504AtTheDeadline(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            long start = System.nanoTime();
            RawHttp.Reply r = c.get("/slow?ms=20000", "X-Deadline-Ms: 200");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.status(), r.body());
            assertTrue(r.body().contains("budget of 200 ms"), r.body());
            assertTrue(ms >= 190 && ms < 5000, "cut after " + ms + " ms");
        }
    }

    /**
     * The deadline headers are weft-http's on both runtimes (WeftHttpFilter with weft, its
     * DeadlineHeaders with the plain baseline): Connect-Timeout-Ms and grpc-timeout shorten the
     * deadline as X-Deadline-Ms does.
     */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void otherDeadlineHeadersAreReadAsWeftHttpReadsThem(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            for (String header : List.of("Connect-Timeout-Ms: 200", "grpc-timeout: 200m")) {
                long start = System.nanoTime();
                RawHttp.Reply r = c.get("/slow?ms=20000", header);
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertEquals(504, r.status(), header + ": " + r.body());
                assertTrue(r.body().contains("budget of 200 ms"), r.body());
                assertTrue(ms >= 190 && ms < 5000, header + ": cut after " + ms + " ms");
            }
        }
    }

    /** X-Deadline-Ms may shorten the server's deadline but never lengthen it. */
    @Test
    void deadlineHeaderNeverLengthensTheServerDeadline() throws Exception {
        try (RawHttp c = new RawHttp(weft.port())) {
            long start = System.nanoTime();
            RawHttp.Reply r = c.get("/slow?ms=20000", "X-Deadline-Ms: 600000");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.status(), r.body());
            assertTrue(r.body().contains("budget of " + DEADLINE.toMillis() + " ms"), r.body());
            assertTrue(ms < 10_000, "cut after " + ms + " ms");
        }
    }

    /** /fanout runs its sub-requests concurrently, each seeing the request's id. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void fanoutRunsSubRequestsConcurrentlyWithTheRequestId(boolean isPlain) throws Exception {
        try (RawHttp c = new RawHttp(server(isPlain).port())) {
            long start = System.nanoTime();
            RawHttp.Reply r = c.get("/fanout?n=50&ms=200", "X-Request-Id: fan-1");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, r.status(), r.body());
            assertTrue(r.body().contains("50 of 50 saw request id fan-1"), r.body());
            assertTrue(ms < 900, "50 sub-requests of 200 ms took " + ms + " ms: not concurrent");
        }
    }

    /** A fan-out cut by the deadline answers 504, and no sub-task outlives the request. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void fanoutCutByTheDeadlineGets504AndLeavesNoTask(boolean isPlain) throws Exception {
        DemoServer s = server(isPlain);
        try (RawHttp c = new RawHttp(s.port())) {
            long start = System.nanoTime();
            RawHttp.Reply r = c.get("/fanout?n=100&ms=20000", "X-Deadline-Ms: 300");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.status(), r.body());
            assertTrue(ms >= 290 && ms < 5000, "cut after " + ms + " ms");
        }
        // The request task ends only after its sub-tasks (the TaskGroup waits for them).
        ServerTesting.await("no request task runs", Duration.ofSeconds(5), () -> s.inFlight() == 0);
    }

    /** Every log line of a request carries its id and its client's address. */
    @Test
    void everyLogLineOfARequestCarriesItsIdAndClient() throws Exception {
        int port;
        try (RawHttp c = new RawHttp(weft.port())) {
            port = c.localPort();
            assertEquals(200, c.get("/fanout?n=3&ms=10", "X-Request-Id: log-check-1").status());
        }
        ServerTesting.await("the request's last line is logged", Duration.ofSeconds(5),
                () -> ServerTesting.linesWith(weftLog, "log-check-1").size() >= 2);
        List<String> lines = ServerTesting.linesWith(weftLog, "log-check-1");
        for (String l : lines) {
            assertTrue(l.contains("[log-check-1 127.0.0.1:" + port + "]"), l);
        }
        assertTrue(lines.getFirst().endsWith("GET /fanout?n=3&ms=10"), lines.getFirst());
        assertTrue(lines.getLast().contains("] 200 in "), lines.getLast());
        assertFalse(weftLog.stream().anyMatch(l -> l.contains("[- -] GET")), "a request was logged without its context");
    }
}
