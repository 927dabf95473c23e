package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Story 004 of {@code docs/stories.md}: per-call timeouts do not compose; one deadline for a
 * block does. Two sequential {@link HttpClient} calls to a slow local server (the first answered
 * after 300 ms, the second after 2 s) share one {@code Timeout.failAfter(1 s)}: the first
 * completes, the second is cut off at the shared deadline, and the server sees the connection go
 * away when it tries to answer (the cancelled {@code HttpClient.send} closes its connection). The
 * first call has 700 ms of slack, so that a busy machine does not make it miss the budget.
 */
@org.junit.jupiter.api.Timeout(60)
class SharedDeadlineTest {
    private static final Duration HANDLER_DELAY = Duration.ofMillis(300);
    private static final Duration SECOND_CALL_DELAY = Duration.ofSeconds(2);
    private static final Duration BUDGET = Duration.ofMillis(1000);
    private static final int CHUNK = 8192;
    private static final int CHUNKS = 32;
    private static final Duration STREAM_PAUSE = Duration.ofMillis(50);
    /** The second answer: 200 chunks at one per {@code STREAM_PAUSE}, about 10 s if nobody stops it. */
    private static final int SECOND_CALL_CHUNKS = 200;

    /** Where the client calls run: on a platform thread or in a weft task (a virtual thread). */
    enum Caller {
        PLATFORM_THREAD, WEFT_TASK
    }

    private HttpServer server;
    private ExecutorService serverThreads;
    private final AtomicInteger slowCalls = new AtomicInteger();
    /** What the server saw for each slow call, by call number: "written" or "write failed: ...". */
    private final Map<Integer, String> outcomes = new ConcurrentHashMap<>();
    private URI base;

    @BeforeEach
    void startSlowServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/fast", exchange -> {
            byte[] body = "fast".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.createContext("/slow", exchange -> {
            int n = slowCalls.incrementAndGet();
            try {
                Thread.sleep(n == 2 ? SECOND_CALL_DELAY : HANDLER_DELAY);
                // The second answer is streamed slowly and is much longer, so that however late
                // the client's connection close arrives on a busy machine (the JDK's HttpClient
                // closes it asynchronously), a write after it fails rather than fitting in the
                // socket buffers.
                int chunks = n == 2 ? SECOND_CALL_CHUNKS : CHUNKS;
                exchange.sendResponseHeaders(200, (long) CHUNK * chunks);
                OutputStream os = exchange.getResponseBody();
                byte[] chunk = new byte[CHUNK];
                for (int i = 0; i < chunks; i++) {
                    os.write(chunk);
                    os.flush();
                    if (i == 0 || n == 2) {
                        // Writing to a peer that has closed succeeds once (the data provokes a
                        // reset) and fails after; without this pause the whole body can fit in
                        // the socket buffers before the reset is seen, and "succeed".
                        Thread.sleep(STREAM_PAUSE);
                    }
                }
                os.close();
                outcomes.put(n, "written");
            } catch (IOException e) {
                outcomes.put(n, "write failed: " + e);
            } catch (InterruptedException e) {
                outcomes.put(n, "handler interrupted");
            } finally {
                exchange.close();
            }
        });
        server.start();
        base = URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.stop(0);
        serverThreads.shutdownNow();
        assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /**
     * The shared budget: the first call finishes within it, the second is stopped at the
     * deadline (not after its own 2 s), and the server fails to write the second answer.
     */
    @ParameterizedTest
    @EnumSource(Caller.class)
    void twoCallsShareOneDeadline(Caller caller) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            // Warm up classes on both sides, so that the timed part measures the calls.
            HttpResponse<String> warm = client.send(HttpRequest.newBuilder(base.resolve("/fast")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("fast", warm.body());

            List<String> record = new ArrayList<>();
            AtomicReference<Duration> leftBeforeSecond = new AtomicReference<>();
            AtomicReference<DeadlineExceededException> thrown = new AtomicReference<>();
            AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
            long[] elapsed = new long[1];
            Runnable calls = () -> {
                long t0 = System.nanoTime();
                thrown.set(assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(BUDGET, () -> {
                    HttpResponse<byte[]> first = client.send(
                            HttpRequest.newBuilder(base.resolve("/slow?call=1")).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    record.add("first: " + first.statusCode() + ", " + first.body().length + " bytes");
                    leftBeforeSecond.set(Timeout.remaining().orElseThrow());
                    HttpResponse<byte[]> second = client.send(
                            HttpRequest.newBuilder(base.resolve("/slow?call=2")).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    record.add("second: " + second.statusCode());
                    return null;
                })));
                elapsed[0] = System.nanoTime() - t0;
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            };
            if (caller == Caller.PLATFORM_THREAD) {
                calls.run();
            } else {
                TaskGroup.run(g -> g.spawn(() -> {
                    calls.run();
                    return null;
                }).join());
            }

            long ms = TimeUnit.NANOSECONDS.toMillis(elapsed[0]);
            System.out.printf("[SharedDeadlineTest] %s: cut off after %d ms; %s; %s left before the second call%n",
                    caller, ms, record, leftBeforeSecond.get());
            assertEquals(List.of("first: 200, " + CHUNK * CHUNKS + " bytes"), record);
            assertTrue(ms >= BUDGET.toMillis(), "stopped before the deadline: " + ms + " ms");
            assertTrue(ms < 2_000, "not stopped at the deadline: " + ms + " ms");
            Duration left = leftBeforeSecond.get();
            assertTrue(left.compareTo(BUDGET.minus(HANDLER_DELAY)) <= 0,
                    "the second call does not get a fresh budget: " + left);
            DeadlineExceededException e = thrown.get();
            assertNotNull(e.getCause());
            assertTrue(e.getCause() instanceof InterruptedException || e.getCause() instanceof CancelledException,
                    "cause: " + e.getCause());
            assertTrue(e.deadline().isExpired());
            assertEquals(Boolean.FALSE, interruptedAfter.get(), "weft's interrupt outlived the timeout");

            // The server answers the second call after the client gave up: it must fail to write.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (outcomes.get(2) == null && System.nanoTime() - until < 0) {
                Thread.sleep(5);
            }
            System.out.printf("[SharedDeadlineTest] %s: server saw %s%n", caller, outcomes);
            assertEquals("written", outcomes.get(1));
            assertNotNull(outcomes.get(2), "the server's second handler never finished");
            assertTrue(outcomes.get(2).startsWith("write failed"),
                    "the server wrote the whole answer to a client that gave up: " + outcomes.get(2));
            assertNull(outcomes.get(3));
        } finally {
            client.shutdownNow();
            assertTrue(client.awaitTermination(Duration.ofSeconds(10)));
        }
    }
}
