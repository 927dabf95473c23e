package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded load test on loopback: {@value #CONNECTIONS} connections open at once, each sending
 * {@value #REQUESTS_PER_CONNECTION} requests on keep-alive, each request with its own id. Checks
 * isolation (every response, and every log line, carries its own request's id and client port),
 * completeness (every request answered) and that no task is left afterwards.
 */
@Tag("stress")
class LoadTest {
    static final int CONNECTIONS = 200;
    static final int REQUESTS_PER_CONNECTION = 25;
    private static final Pattern LOG_LINE = Pattern.compile("\\[(c\\d+-\\d+) 127\\.0\\.0\\.1:(\\d+)]");

    /** No request ever sees another request's context, all are answered, and the root group ends empty. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentRequestsEachSeeOnlyTheirOwnContext() throws Exception {
        Queue<String> log = new ConcurrentLinkedQueue<>();
        DemoServer server = ServerTesting.start(false, Duration.ofSeconds(10), Duration.ofSeconds(1), log);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        Map<String, Integer> portOfRequest = new ConcurrentHashMap<>();
        AtomicInteger ok = new AtomicInteger();
        CountDownLatch connected = new CountDownLatch(CONNECTIONS);
        CountDownLatch go = new CountDownLatch(1);
        long start = System.nanoTime();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            int client = c;
            clients.add(Thread.ofVirtual().name("client-" + c).start(() -> {
                try (RawHttp http = new RawHttp(server.port())) {
                    connected.countDown();
                    go.await();
                    String me = "127.0.0.1:" + http.localPort();
                    for (int i = 0; i < REQUESTS_PER_CONNECTION; i++) {
                        String id = "c" + client + "-" + i;
                        portOfRequest.put(id, http.localPort());
                        RawHttp.Reply r = http.get("/whoami", "X-Request-Id: " + id);
                        String expected = "request-id: " + id + "\nclient: " + me + "\nseen by a sub-task: " + id + " "
                                + me + "\n";
                        if (r == null) {
                            problems.add(id + ": connection closed without a response");
                            return;
                        } else if (r.status() != 200 || !expected.equals(r.body())
                                || !id.equals(r.headers().get("x-request-id"))) {
                            problems.add(id + " from " + me + ": got " + r.status() + " " + r.headers() + " " + r.body());
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    problems.add("client " + client + ": " + e);
                }
            }));
        }
        assertTrue(connected.await(30, TimeUnit.SECONDS), "not all clients connected");
        go.countDown();
        for (Thread t : clients) {
            assertTrue(t.join(Duration.ofSeconds(40)), t.getName() + " did not finish");
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        DemoServer.Stats stats = server.shutdown();

        assertEquals(List.of(), List.copyOf(problems).subList(0, Math.min(problems.size(), 10)));
        assertEquals(CONNECTIONS * REQUESTS_PER_CONNECTION, ok.get());
        assertTrue(stats.clean(), "tasks left after the load: " + stats);
        assertEquals(CONNECTIONS * REQUESTS_PER_CONNECTION, stats.answered(), stats.toString());
        assertTrue(millis < 30_000, "the load took " + millis + " ms");

        // Every log line of a request names that request's own client port, and each request has its lines.
        Map<String, Integer> linesPerRequest = new HashMap<>();
        for (String line : log) {
            Matcher m = LOG_LINE.matcher(line);
            if (m.find()) {
                String id = m.group(1);
                assertEquals(portOfRequest.get(id), Integer.valueOf(m.group(2)), "log line of " + id + ": " + line);
                linesPerRequest.merge(id, 1, Integer::sum);
            }
        }
        assertEquals(CONNECTIONS * REQUESTS_PER_CONNECTION, linesPerRequest.size());
        assertTrue(linesPerRequest.values().stream().allMatch(n -> n == 2), "each request logs its start and its end");
    }
}
