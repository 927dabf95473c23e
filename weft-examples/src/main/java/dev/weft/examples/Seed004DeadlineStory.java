package dev.weft.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.DeadlineExceededException;
import dev.weft.Timeout;
import dev.weft.examples.server.JdkHttpServerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Story 004 of {@code docs/stories.md}, the deadline: one time budget for a block of two HTTP calls, not one timeout per
 * call.
 *
 * <p>Real parts: a slow HTTP service ({@code com.sun.net.httpserver}) on loopback whose
 * {@code /slow?ms=N} trickles its body for N ms and notes when its client goes away, and the
 * JDK's {@link HttpClient}. One {@link Timeout#failAfter} of {@value #BUDGET_MILLIS} ms covers a
 * call of {@value #FIRST_MILLIS} ms and a call of {@value #SECOND_MILLIS} ms: the first completes,
 * the second is cut when the shared budget runs out: the read of its body, on the calling thread,
 * is interrupted, closing the unfinished body makes the client drop the connection, and the
 * server sees its client leave. (With {@code BodyHandlers.ofString()} the interrupted
 * {@code send} cancels the exchange too, but the JDK's client does not always close the HTTP/1.1
 * connection at once; reading the body as a stream makes the close deterministic.)
 *
 * <p>(Story 004's second half, a producer and consumers in a {@code TaskGroup}, becomes its own
 * story once weft has {@code Channel}.)
 */
public final class Seed004DeadlineStory implements Story {
    static final long BUDGET_MILLIS = 1000;
    static final long FIRST_MILLIS = 500;
    static final long SECOND_MILLIS = 3000;

    @Override
    public String number() {
        return "004";
    }

    @Override
    public String title() {
        return "One deadline for a block of calls";
    }

    @Override
    public String python() {
        return "httpx.get(url, timeout=9) twice: each call gets its own 9 s, so the pair may take 18 s. Sharing"
                + " one budget means computing the time left before each call by hand, until asyncio.timeout()"
                + " (3.11) gives a block one deadline.";
    }

    @Override
    public String weft() {
        return "Timeout.failAfter(budget, () -> { first(); second(); }) gives the block one deadline; the"
                + " HttpClient call blocked inside is interrupted when it passes, its connection is dropped, and the"
                + " block ends with DeadlineExceededException.";
    }

    /** What the slow service saw of each request, by its {@code ms}. */
    private static final class Service implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        final ConcurrentHashMap<Long, String> outcome = new ConcurrentHashMap<>();
        final CountDownLatch secondEnded = new CountDownLatch(1);

        Service() throws IOException {
            JdkHttpServerSettings.apply();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.setExecutor(executor);
            server.createContext("/slow", this::slow);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        /** Sends the headers at once, then one byte every 50 ms for {@code ms} ms. */
        private void slow(HttpExchange ex) throws IOException {
            long ms = Long.parseLong(ex.getRequestURI().getQuery().substring(3));
            long start = System.nanoTime();
            try (ex) {
                ex.sendResponseHeaders(200, 0); // chunked: the body trickles
                OutputStream body = ex.getResponseBody();
                while (Evidence.millisSince(start) < ms) {
                    body.write('.');
                    body.flush();
                    Thread.sleep(50);
                }
                body.write('\n');
                body.flush();
                outcome.put(ms, "answered in full after " + Evidence.millisSince(start) + " ms");
            } catch (IOException e) {
                outcome.put(ms, "saw the client close the connection " + Evidence.millisSince(start)
                        + " ms into the response (" + e.getMessage() + ")");
            } catch (InterruptedException e) {
                outcome.put(ms, "was stopped");
                Thread.currentThread().interrupt();
            } finally {
                if (ms == SECOND_MILLIS) {
                    secondEnded.countDown();
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();
        try (Service service = new Service();
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String base = "http://127.0.0.1:" + service.port() + "/slow?ms=";
            int[] firstStatus = new int[1];
            long[] leftBeforeSecond = new long[1];
            boolean cut = false;
            // Warm-up, not measured: the first request of a cold JVM loads the HTTP client's classes.
            client.send(get(base + 0), HttpResponse.BodyHandlers.discarding());
            long start = System.nanoTime();
            try {
                Timeout.failAfter(Duration.ofMillis(BUDGET_MILLIS), () -> {
                    firstStatus[0] = fetch(client, base + FIRST_MILLIS);
                    leftBeforeSecond[0] = Timeout.remaining().orElseThrow().toMillis();
                    fetch(client, base + SECOND_MILLIS);
                    return null;
                });
            } catch (DeadlineExceededException e) {
                cut = true;
            }
            long elapsed = Evidence.millisSince(start);
            boolean serverSawClose = service.secondEnded.await(5, TimeUnit.SECONDS);

            ev.line("budget %d ms for two calls to a slow local service: /slow?ms=%d, then /slow?ms=%d",
                    BUDGET_MILLIS, FIRST_MILLIS, SECOND_MILLIS);
            ev.check(firstStatus[0] == 200, "first call: HTTP %d; the server %s", firstStatus[0],
                    service.outcome.getOrDefault(FIRST_MILLIS, "saw nothing"));
            ev.line("time left for the second call: %d ms (Timeout.remaining(), e.g. for a socket timeout)",
                    leftBeforeSecond[0]);
            ev.check(cut, "second call: cut by the shared deadline (DeadlineExceededException)");
            ev.check(elapsed >= BUDGET_MILLIS - 50 && elapsed < BUDGET_MILLIS + 1500,
                    "the block took %d ms in all, for a budget of %d ms (per-call timeouts of %d ms would allow %d ms)",
                    elapsed, BUDGET_MILLIS, BUDGET_MILLIS, 2 * BUDGET_MILLIS);
            String second = service.outcome.getOrDefault(SECOND_MILLIS, "saw nothing");
            ev.check(serverSawClose && second.startsWith("saw the client close"), "the server %s", second);
        }
        return ev.result();
    }

    /**
     * One call: the body is read on the calling thread, so a cancellation interrupts the read, and
     * closing the unfinished body stream makes the client drop the connection.
     */
    private static int fetch(HttpClient client, String uri) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client.send(get(uri), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            body.transferTo(OutputStream.nullOutputStream());
        }
        return r.statusCode();
    }

    private static HttpRequest get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).GET().build();
    }
}
