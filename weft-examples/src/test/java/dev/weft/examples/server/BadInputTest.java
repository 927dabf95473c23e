package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input gets a clear response or a clean close, and the server keeps serving: after every
 * test, a fresh connection still gets its {@code /hello}, and no request task is left running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private final Queue<String> log = ServerTesting.newLog();
    private DemoServer server;

    @BeforeAll
    void start() throws Exception {
        server = ServerTesting.start(false, Duration.ofSeconds(2), Duration.ofSeconds(1), log);
    }

    @AfterAll
    void stop() throws Exception {
        DemoServer.Stats s = server.shutdown();
        assertTrue(s.clean(), "tasks left: " + s);
    }

    /** Checked after every test: the server still answers and nothing is left running. */
    @AfterEach
    void serverKeepsServing() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.get("/hello").status());
        }
        ServerTesting.await("no request task runs", Duration.ofSeconds(10), () -> server.inFlight() == 0);
    }

    /**
     * A deadline header that is not a whole number of milliseconds gets a 400 that names the header
     * (weft-http's wording: "bad X-Deadline-Ms header '...': expected ...").
     */
    @ParameterizedTest(name = "X-Deadline-Ms: {0}")
    @CsvSource({"soon", "-5", "1.5", "2s", "' '"})
    void badDeadlineHeaderGets400WithAMessage(String value) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/slow?ms=10", "X-Deadline-Ms: " + value);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().startsWith("bad X-Deadline-Ms"), r.body());
            assertEquals(200, c.get("/hello").status(), "the connection stays usable");
        }
    }

    /**
     * A well-formed but absurd deadline (years of milliseconds) is cut to the server's deadline, as
     * weft-http reads it: a bounded budget, not an error.
     */
    @Test
    void absurdDeadlineHeaderIsCutToTheServersDeadline() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/slow?ms=10", "X-Deadline-Ms: 99999999999999999999");
            assertEquals(200, r.status(), r.body());
        }
    }

    /** X-Deadline-Ms sent twice, or as a list, is a 400 naming the header: one of the two would be ignored. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "X-Deadline-Ms: 100|X-Deadline-Ms: 50|conflicting values '100', '50'",
            "X-Deadline-Ms: 50|X-Deadline-Ms: 50|the same value '50', '50'",
            "X-Deadline-Ms: 100, 50|X-Request-Id: dup-3|conflicting values '100', '50'",
            "X-Deadline-Ms: 5000|x-deadline-ms: 20|conflicting values '5000', '20'"})
    void repeatedOrConflictingDeadlineHeaderGets400(String first, String second, String detail) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/slow?ms=10", first, second);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().startsWith("bad X-Deadline-Ms") && r.body().contains(detail), r.body());
            assertTrue(r.body().contains("send the header once"), r.body());
        }
    }

    /** Missing, non-numeric or out-of-range query parameters get a 400 that names the parameter. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"/slow, missing query parameter ms", "/slow?ms=abc, bad query parameter ms='abc'",
            "/slow?ms=60001, bad query parameter ms='60001'", "/fanout?n=0&ms=1, bad query parameter n='0'",
            "/fanout?n=5000&ms=1, bad query parameter n='5000'", "/fanout?ms=1, missing query parameter n",
            "/slow?ms=1&ms=2000000, bad query parameter ms='2000000'"})
    void badQueryGets400NamingTheParameter(String path, String message) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get(path);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().startsWith(message), r.body());
        }
    }

    /** An X-Request-Id that is too long or has odd characters gets a 400. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"'has space'", "'semi;colon'", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"})
    void badRequestIdGets400(String id) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/whoami", "X-Request-Id: " + id);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().startsWith("bad X-Request-Id"), r.body());
        }
    }

    /** Unknown paths get 404; other methods than GET get 405 with an Allow header. */
    @Test
    void unknownPathGets404AndOtherMethodsGet405() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/nope");
            assertEquals(404, r.status());
            assertTrue(r.body().contains("GET / lists them"), r.body());
            c.send("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            RawHttp.Reply post = c.read();
            assertNotNull(post);
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.headers().get("allow"));
        }
    }

    /** A malformed request line or URI gets a 400 from the HTTP layer, then the connection is closed. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"NONSENSE", "'GET /hello'", "'GET /slow?ms=%ZZ HTTP/1.1'", "'GET /a\\b HTTP/1.1'"})
    void malformedRequestLineGets400ThenClose(String requestLine) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(requestLine + "\r\nHost: x\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertNotNull(r, "the server closed without a response");
            assertEquals(400, r.status());
            assertEquals("", c.readToEnd(), "the connection is closed after the 400");
        }
    }

    /** Headers over the server's 64 KiB limit (below the JDK's default): the connection is closed without a success. */
    @Test
    void oversizedHeadersCloseTheConnection() throws Exception {
        String big = "X-Big: " + "a".repeat(100 * 1024);
        assertClosedWithoutSuccess("GET /hello HTTP/1.1\r\nHost: x\r\n" + big + "\r\n\r\n");
    }

    /** More headers than the server's limit of 100 (below the JDK's default): the connection is closed. */
    @Test
    void tooManyHeadersCloseTheConnection() throws Exception {
        StringBuilder sb = new StringBuilder("GET /hello HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 150; i++) {
            sb.append("X-H").append(i).append(": v\r\n");
        }
        assertClosedWithoutSuccess(sb.append("\r\n").toString());
    }

    private void assertClosedWithoutSuccess(String request) throws IOException {
        try (RawHttp c = new RawHttp(server.port())) {
            String reply;
            try {
                c.send(request);
                reply = c.readToEnd();
            } catch (IOException reset) {
                reply = ""; // the server closed while we were still writing: a reset
            }
            assertTrue(reply.isEmpty() || reply.startsWith("HTTP/1.1 4"), "got: " + reply);
        }
    }

    /** A client that leaves in the middle of its headers leaves no task behind. */
    @Test
    void clientLeavingMidHeadersLeavesNoTask() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Half");
            }
        }
    }

    /** A client that leaves while its request sleeps: no task is left (the request is cancelled, see DisconnectTest). */
    @Test
    void clientLeavingDuringASlowRequestLeavesNoTask() throws Exception {
        long before = server.tasksStarted();
        for (int i = 0; i < 10; i++) {
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n");
            }
        }
        ServerTesting.await("the ten requests started", Duration.ofSeconds(10),
                () -> server.tasksStarted() >= before + 10);
    }

    /** Bytes that are not HTTP at all get a 400 or a close. */
    @Test
    void binaryGarbageGetsA400OrAClose() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("\u0000\u0001\u0002\u00ff\u00fe garbage\r\n\r\n");
            String reply;
            try {
                reply = c.readToEnd();
            } catch (IOException reset) {
                reply = "";
            }
            assertTrue(reply.isEmpty() || reply.startsWith("HTTP/1.1 400"), "got: " + reply);
        }
    }
}
