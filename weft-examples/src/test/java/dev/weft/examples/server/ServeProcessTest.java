package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 * exits 0 and says nothing was left running.
 */
class ServeProcessTest {
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");

    /** SIGTERM: the request in flight is answered, the shutdown hook stops the server, the exit code is 0. */
    @Test
    void sigtermLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.weft.examples.Main",
                "serve", "--port", "0", "--grace-ms", "5000").redirectErrorStream(true).start();
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (Exception e) {
                lines.add("reader: " + e);
            }
        });
        try {
            ServerTesting.await("the server prints its address", Duration.ofSeconds(30),
                    () -> lines.stream().anyMatch(l -> l.contains("lists the endpoints")));
            Matcher m = URL.matcher(lines.stream().filter(l -> l.contains("lists the endpoints")).findFirst().orElseThrow());
            assertTrue(m.find());
            int port = Integer.parseInt(m.group(1));
            CompletableFuture<RawHttp.Reply> reply = CompletableFuture.supplyAsync(() -> {
                try (RawHttp c = new RawHttp(port)) {
                    return c.get("/slow?ms=800");
                } catch (Exception e) {
                    return null;
                }
            });
            ServerTesting.await("the request is logged", Duration.ofSeconds(10),
                    () -> lines.stream().anyMatch(l -> l.endsWith("GET /slow?ms=800")));
            p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the process did not exit:\n" + String.join("\n", lines));
            RawHttp.Reply r = reply.get(10, TimeUnit.SECONDS);
            reader.join(Duration.ofSeconds(5));
            String out = String.join("\n", List.copyOf(lines));
            assertEquals(0, p.exitValue(), out);
            assertTrue(r != null && r.status() == 200, "the request in flight was not answered:\n" + out);
            assertTrue(out.contains("nothing left running"), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
