package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} as a real process: SIGTERM lets the request in flight finish, then the process
 * exits 0 and says nothing was left running; a second SIGTERM during the grace period forces the
 * exit, says so, and still answers the request it cuts.
 */
class ServeProcessTest {
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");

    /** A {@code ./run serve} process and its output lines. */
    private static final class Serve implements AutoCloseable {
        final Process process;
        final Queue<String> lines = new ConcurrentLinkedQueue<>();
        final Thread reader;
        final int port;

        Serve(String... options) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    "dev.weft.examples.Main", "serve", "--port", "0"));
            cmd.addAll(List.of(options));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (Exception e) {
                    lines.add("reader: " + e);
                }
            });
            ServerTesting.await("the server prints its address", Duration.ofSeconds(30),
                    () -> lines.stream().anyMatch(l -> l.contains("lists the endpoints")));
            Matcher m = URL.matcher(lines.stream().filter(l -> l.contains("lists the endpoints")).findFirst().orElseThrow());
            assertTrue(m.find());
            port = Integer.parseInt(m.group(1));
        }

        void awaitLine(String what, String text) throws InterruptedException {
            ServerTesting.await(what, Duration.ofSeconds(15), () -> lines.stream().anyMatch(l -> l.contains(text)));
        }

        /** SIGTERM; Process.destroy() would also close our end of its output. */
        void sigterm() {
            process.toHandle().destroy();
        }

        String output() {
            return String.join("\n", List.copyOf(lines));
        }

        int awaitExit() throws InterruptedException {
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the process did not exit:\n" + output());
            reader.join(Duration.ofSeconds(5));
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

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
        try (Serve p = new Serve("--grace-ms", "5000", "--max-in-flight", "7", "--max-subtasks", "70")) {
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
        try (Serve p = new Serve("--grace-ms", "60000")) {
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
