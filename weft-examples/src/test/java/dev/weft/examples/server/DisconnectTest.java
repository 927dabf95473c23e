package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that disconnects cancels its request's whole task tree, and the log says so; a client
 * that stays is never cancelled. Linux only (the watch reads {@code /proc/net/tcp}).
 */
class DisconnectTest {
    /** Generous bound on the time from a client's close to its request's cancellation; measured: 40-120 ms. */
    static final Duration DETECTION_BOUND = Duration.ofSeconds(3);

    /** A client that closes while its request sleeps: the request is cancelled long before its 30 s sleep ends. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void closingClientCancelsItsRequest(boolean plain) throws Exception {
        assumeTrue(DisconnectWatch.available(), "no /proc/net/tcp on this system");
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(60), Duration.ofSeconds(1), log);
        try {
            for (int i = 0; i < 5; i++) {
                String id = "gone-" + i;
                RawHttp c = new RawHttp(s.port());
                c.send("GET /slow?ms=30000 HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\n\r\n");
                ServerTesting.await("the request is admitted", Duration.ofSeconds(10),
                        () -> s.admission().requestsInFlight() == 1);
                long closed = System.nanoTime();
                if (i % 2 == 0) {
                    c.close(); // FIN: the server's socket goes to CLOSE_WAIT
                } else {
                    c.reset(); // RST: the server's socket disappears from the table
                }
                ServerTesting.await("the request is cancelled", DETECTION_BOUND,
                        () -> !ServerTesting.linesWith(log, "[" + id + " ").stream()
                                .filter(l -> l.contains("the client went away after")).toList().isEmpty());
                long ms = (System.nanoTime() - closed) / 1_000_000;
                System.out.printf("disconnect (%s, plain=%b) noticed in %d ms%n", i % 2 == 0 ? "FIN" : "RST", plain, ms);
                ServerTesting.await("no request task runs", Duration.ofSeconds(5), () -> s.inFlight() == 0);
            }
            assertEquals(5, s.stats().clientGone(), s.stats().toString());
            assertEquals(List.of(), ServerTesting.linesWith(log, " 200 in "), "a cancelled request was answered");
        } finally {
            DemoServer.Stats st = s.shutdown();
            assertTrue(st.clean(), st.toString());
        }
    }

    /** A disconnected fan-out: its thousand sub-tasks all end, and its budget is given back. */
    @ParameterizedTest(name = "plain={0}")
    @ValueSource(booleans = {false, true})
    void closingClientCancelsEverySubTaskOfItsFanout(boolean plain) throws Exception {
        assumeTrue(DisconnectWatch.available(), "no /proc/net/tcp on this system");
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(plain, Duration.ofSeconds(60), Duration.ofSeconds(1), log);
        try {
            try (RawHttp c = new RawHttp(s.port())) {
                c.send("GET /fanout?n=1000&ms=30000 HTTP/1.1\r\nHost: x\r\nX-Request-Id: fan-gone\r\n\r\n");
                ServerTesting.await("the fan-out holds its budget", Duration.ofSeconds(10),
                        () -> s.admission().subtasksInFlight() == 1000);
            }
            ServerTesting.await("the fan-out is cancelled and every sub-task ended", DETECTION_BOUND.plusSeconds(5),
                    () -> s.inFlight() == 0 && s.admission().subtasksInFlight() == 0);
            assertEquals(1, ServerTesting.linesWith(log, "[fan-gone 127.0.0.1:").stream()
                    .filter(l -> l.contains("the client went away after")).count(), String.join("\n", log));
        } finally {
            DemoServer.Stats st = s.shutdown();
            assertTrue(st.clean(), st.toString());
        }
    }

    /** A client that stays connected is never taken for gone: slow requests that the watch scans many times get their 200. */
    @Test
    void connectedClientsAreNotCancelled() throws Exception {
        assumeTrue(DisconnectWatch.available(), "no /proc/net/tcp on this system");
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(false, Duration.ofSeconds(60), Duration.ofSeconds(1), log);
        try (RawHttp a = new RawHttp(s.port()); RawHttp b = new RawHttp(s.port())) {
            assertTrue(s.watchesDisconnects());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, a.get("/slow?ms=300").status());
                assertEquals(200, b.get("/fanout?n=100&ms=300").status());
            }
            assertEquals(0, s.stats().clientGone(), String.join("\n", log));
            assertTrue(s.disconnectScans() >= 3, "the watch scanned " + s.disconnectScans() + " times: the test proves nothing");
        } finally {
            assertTrue(s.shutdown().clean());
        }
    }

    /** Rows of the kernel's socket table are read right: IPv4, IPv4-mapped IPv6, other ports skipped, ESTABLISHED wins. */
    @Test
    void socketTableRowsAreParsed() throws Exception {
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        String lo4 = little ? "0100007F" : "7F000001";
        String lo6 = "0000000000000000" + (little ? "FFFF0000" : "0000FFFF") + lo4;
        Map<String, Integer> states = new HashMap<>();
        // port 8080 = 1F90; client ports D4A2 = 54434, D4A3 = 54435, D4A4 = 54436
        DisconnectWatch.parseRow("   0: " + lo4 + ":1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", 8080, states);
        DisconnectWatch.parseRow("   1: " + lo4 + ":1F90 " + lo4 + ":D4A2 08 00000000:00000000 00:00000000 00000000 0 0 2", 8080, states);
        DisconnectWatch.parseRow("   2: " + lo6 + ":1F90 " + lo6 + ":D4A3 01 00000000:00000000 00:00000000 00000000 0 0 3", 8080, states);
        DisconnectWatch.parseRow("   3: " + lo6 + ":1F91 " + lo6 + ":D4A4 08 00000000:00000000 00:00000000 00000000 0 0 4", 8080, states);
        DisconnectWatch.parseRow("   4: " + lo6 + ":1F90 " + lo6 + ":D4A3 06 00000000:00000000 00:00000000 00000000 0 0 5", 8080, states);
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        assertEquals(0x08, states.get(DisconnectWatch.key(new InetSocketAddress(lo, 54434))));
        assertEquals(0x01, states.get(DisconnectWatch.key(new InetSocketAddress(lo, 54435))), "ESTABLISHED wins");
        assertFalse(states.containsKey(DisconnectWatch.key(new InetSocketAddress(lo, 54436))), "another port");
        assertEquals(3, states.size(), states.toString()); // the listener's row (0.0.0.0:0) is one of them
    }
}
