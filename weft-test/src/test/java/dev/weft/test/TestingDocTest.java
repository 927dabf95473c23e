package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelScope;
import dev.weft.DeadlineExceededException;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code docs/testing-weft-code.md}, run: each lies between
 * {@code // --- snippet NAME begins ---} and {@code // --- snippet NAME ends ---} below, and the
 * page's code block after {@code <!-- snippet: NAME -->} must be the same code
 * ({@link #everySnippetOfThePageIsOneOfThisTest}).
 */
@org.junit.jupiter.api.Timeout(120)
class TestingDocTest {
    /** A pool whose release is a weft call, as the page's fuzzer example uses. */
    static final class Pool {
        private final AtomicInteger borrowed = new AtomicInteger();

        Connection acquire() {
            borrowed.incrementAndGet();
            return new Connection();
        }

        void release(Connection c) {
            Weft.sleep(Duration.ofMillis(1)); // a round trip to the server
            borrowed.decrementAndGet();
        }

        int borrowed() {
            return borrowed.get();
        }
    }

    /** What the pool hands out. */
    static final class Connection {
        void query() {
            Weft.sleep(Duration.ofMillis(1));
        }
    }

    static void naiveUse(Pool pool) {
        Connection c = pool.acquire();
        try {
            c.query();
        } finally {
            pool.release(c);
        }
    }

    static void shieldedUse(Pool pool) {
        Connection c = pool.acquire();
        try {
            c.query();
        } finally {
            CancelScope.shield(() -> {
                pool.release(c);
                return null;
            });
        }
    }

    /** The virtual-time snippet: a 30-second timeout around a 60-second sleep, in milliseconds. */
    @Test
    void virtualTime() throws Exception {
        // --- snippet virtual-time begins ---
        VirtualTime.run(() -> {
            assertThrows(DeadlineExceededException.class,
                    () -> Timeout.failAfter(Duration.ofSeconds(30), () -> {
                        Weft.sleep(Duration.ofSeconds(60));
                        return null;
                    }));
            assertEquals(Duration.ofSeconds(30), VirtualTime.elapsed());
        });
        // --- snippet virtual-time ends ---
    }

    /** The fuzzer snippet: the naive release is caught, the shielded one passes. */
    @Test
    void fuzzer() {
        // --- snippet fuzzer begins ---
        Pool pool = new Pool();
        AssertionError leak = assertThrows(AssertionError.class,
                () -> CancellationFuzzer.of(() -> naiveUse(pool))
                        .invariant("no connection borrowed", () -> pool.borrowed() == 0)
                        .check());
        assertTrue(leak.getMessage().contains("cancelled at checkpoint 1"));

        Pool other = new Pool();
        CancellationFuzzer.of(() -> shieldedUse(other))
                .invariant("no connection borrowed", () -> other.borrowed() == 0)
                .randomRuns(20)
                .seed(42)
                .check();
        // --- snippet fuzzer ends ---
    }

    /** The leaks snippet. */
    @Test
    void leaks() throws Exception {
        // --- snippet leaks begins ---
        Leaks.assertNoLeaks(() -> TaskGroup.run(g -> {
            g.spawn(() -> {
                Weft.sleep(Duration.ofMillis(1));
                return null;
            });
            return null;
        }));
        // --- snippet leaks ends ---
    }

    /** The event-trail snippet. */
    @Test
    void trail() {
        // --- snippet trail begins ---
        EventTrail trail = new EventTrail();
        TaskGroup.run(g -> {
            g.spawn(() -> {
                trail.record("child ran");
                return null;
            });
            trail.record("body returned");
            return null;
        });
        trail.record("group ended");
        trail.assertBefore("child ran", "group ended");
        trail.assertInOrder("body returned", "group ended");
        // --- snippet trail ends ---
    }

    /** Each snippet of the page is, line for line, the code a test of this class runs; and each snippet here is on the page. */
    @Test
    void everySnippetOfThePageIsOneOfThisTest() throws Exception {
        Path module = Path.of(System.getProperty("user.dir"));
        String page = Files.readString(module.getParent().resolve("docs/testing-weft-code.md"));
        String me = Files.readString(module.resolve("src/test/java/dev/weft/test/TestingDocTest.java"));
        Map<String, String> mine = new LinkedHashMap<>();
        Matcher m = Pattern.compile("// --- snippet (\\S+) begins ---\\n(.*?)\\n\\s*// --- snippet \\1 ends ---", Pattern.DOTALL)
                .matcher(me);
        while (m.find()) {
            mine.put(m.group(1), normalize(m.group(2)));
        }
        Map<String, String> onPage = new LinkedHashMap<>();
        Matcher p = Pattern.compile("<!-- snippet: (\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (p.find()) {
            onPage.put(p.group(1), normalize(p.group(2)));
        }
        assertEquals(List.of("virtual-time", "fuzzer", "leaks", "trail"), new ArrayList<>(mine.keySet()));
        assertEquals(mine.keySet(), onPage.keySet(), "the page's snippets and this test's");
        for (String name : mine.keySet()) {
            assertEquals(mine.get(name), onPage.get(name), "snippet '" + name + "' of docs/testing-weft-code.md");
        }
        long unnamed = Pattern.compile("```java").matcher(page).results().count();
        assertEquals(onPage.size(), unnamed, "every java block of the page is a named, tested snippet");
    }

    private static String normalize(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
