package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.examples.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a running server is doing, from outside: {@code ./run tasks PID} attaches to a real
 * {@code serve} process with requests blocked in their handlers and prints its task tree, as text
 * and as JSON; the server's own {@code GET /debug/tasks} returns the same tree as JSON.
 */
class TasksProcessTest {
    /** Strict: trailing tokens after the document are an error too. */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final int SLOW = 3;

    /** A {@code serve} process with {@link #SLOW} requests sleeping in their handlers. */
    private static final class BusyServer implements AutoCloseable {
        final ServeProcess serve;
        final int port;

        BusyServer() throws Exception {
            serve = new ServeProcess("--deadline-ms", "120000", "--grace-ms", "0");
            port = serve.port;
            for (int i = 0; i < SLOW; i++) {
                Thread.ofVirtual().start(() -> { // one thread each: the common pool may have a single worker
                    try (RawHttp c = new RawHttp(port)) {
                        c.get("/slow?ms=60000");
                    } catch (Exception e) {
                        // the process is killed under it at the end
                    }
                });
            }
        }

        String pid() {
            return serve.pid();
        }

        @Override
        public void close() {
            serve.close();
        }
    }

    private static String tasks(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "./run tasks failed:\n" + err.toString(StandardCharsets.UTF_8) + o);
        return o;
    }

    private static long sleepingRequests(String text) {
        // A request task's line, then its frames: the first frame is weft's sleep.
        return Pattern.compile("task 'request-\\d+' RUNNING\\n[| `]*at dev\\.weft\\.Weft\\.sleep\\(").matcher(text).results().count();
    }

    @SuppressWarnings("unchecked")
    private static Stream<Map<String, Object>> nodes(Object json) {
        if (json instanceof List<?> l) {
            return l.stream().flatMap(TasksProcessTest::nodes);
        }
        Map<String, Object> m = (Map<String, Object>) json;
        return Stream.concat(Stream.of(m), nodes(m.get("children")));
    }

    @SuppressWarnings("unchecked")
    private static long sleepingRequestsIn(String json) {
        Map<String, Object> tree;
        try {
            tree = JSON.readValue(json, Map.class);
        } catch (java.io.IOException e) {
            throw new AssertionError("the task tree is not valid JSON: " + e.getMessage() + "\n" + json, e);
        }
        return nodes(tree.get("roots"))
                .filter(n -> "task".equals(n.get("kind")) && ((String) n.get("name")).startsWith("request-"))
                .filter(n -> n.get("frames") instanceof List<?> f && !f.isEmpty()
                        && ((String) f.getFirst()).startsWith("dev.weft.Weft.sleep("))
                .count();
    }

    /** Asks {@code get} until {@code ok} holds (at most 30 s); fails showing the last answer. */
    private static <T> T until(String what, java.util.function.Supplier<T> get, java.util.function.Predicate<T> ok)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (;;) {
            T last = get.get();
            if (ok.test(last)) {
                return last;
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting until " + what + "; the last answer:\n" + last);
            }
            Thread.sleep(100);
        }
    }

    /** {@code tasks PID} prints the server's root group with the sleeping requests, their deadlines and frames. */
    @Test
    void tasksCommandPrintsTheRequestsInFlight() throws Exception {
        try (BusyServer s = new BusyServer()) {
            String text = until("the tree shows the " + SLOW + " requests sleeping", () -> tasks("tasks", s.pid()),
                    t -> sleepingRequests(t) == SLOW);
            assertTrue(text.startsWith("weft task tree at "), text);
            assertTrue(text.contains("thread 'weft-demo-root'"), text);
            assertTrue(text.contains("group 'request'"), text);
            assertTrue(text.contains("task 'disconnect-watch' RUNNING"), text);
            assertTrue(Pattern.compile("timeout( of PT2M)? deadline in 1[01]\\d s").matcher(text).find(), text);
            String json = tasks("tasks", "--json", s.pid());
            assertEquals(SLOW, sleepingRequestsIn(json), json);
        }
    }

    /** {@code GET /debug/tasks} answers the tree as JSON that shows the requests in flight (and itself). */
    @Test
    void debugTasksServesTheTreeAsJson() throws Exception {
        try (BusyServer s = new BusyServer()) {
            RawHttp.Reply r = until("/debug/tasks shows the " + SLOW + " requests sleeping", () -> {
                try (RawHttp c = new RawHttp(s.port)) {
                    return c.get("/debug/tasks");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, reply -> reply.status() == 200 && sleepingRequestsIn(reply.body()) == SLOW);
            assertEquals("application/json; charset=utf-8", r.headers().get("content-type"));
            assertTrue(r.body().contains("\"name\":\"request\""), r.body());
        }
    }

    /** Without a process id, or with a bad option, the command says what it needs and exits 2. */
    @Test
    void tasksCommandNeedsAProcessId() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(new String[] {"tasks"}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("tasks needs the process id"), err::toString);
        assertEquals(2, Main.run(new String[] {"tasks", "--yaml", "1"}, System.out, e));
    }
}
