package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code serve} process started from this test class path on a free port: its output lines are
 * collected as they come, and it is killed on close.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");

    final Process process;
    final Queue<String> lines = new ConcurrentLinkedQueue<>();
    final Thread reader;
    final int port;

    ServeProcess(String... options) throws Exception {
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

    String pid() {
        return Long.toString(process.pid());
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
