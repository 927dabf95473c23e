package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Weft;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tour and the launcher, run in-process. */
class TourTest {

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return code + "\n" + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    /** The whole tour exits 0, prints every story's header, the three kinds of lines, and the summary. */
    @Test
    void tourRunsEveryStoryAndExitsZero() {
        long start = System.nanoTime();
        String result = run("tour");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(result.startsWith("0\n"), result);
        for (String story : List.of("000", "001", "002", "003", "004", "MDC")) {
            assertTrue(result.contains("━━ " + story + "  "), "no header for " + story + "\n" + result);
            assertTrue(result.contains("PASS  " + story + " in "), "no verdict for " + story + "\n" + result);
        }
        assertEquals(8, result.lines().filter(l -> l.startsWith("Python:")).count(), result);
        assertEquals(8, result.lines().filter(l -> l.startsWith("weft:")).count(), result);
        assertEquals(8, result.lines().filter(l -> l.startsWith("evidence:")).count(), result);
        assertTrue(result.contains("summary: 8 stories, 8 passed, 0 failed"), result);
        assertFalse(result.contains("\u001b["), "colours when not on a terminal");
        assertTrue(ms < 30_000, "the tour took " + ms + " ms");
    }

    /** A story that fails or throws makes the tour exit 1 and the others still run. */
    @Test
    void failingOrThrowingStoryMakesTheTourExitOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = new Tour(new PrintStream(out, true, StandardCharsets.UTF_8), false).run(List.of(
                story("901", () -> new Story.Result(false, List.of("FAILED  on purpose"))),
                story("902", () -> {
                    throw new IllegalStateException("thrown on purpose");
                }),
                story("903", () -> new Story.Result(true, List.of("ok      fine")))));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("FAIL  901"), text);
        assertTrue(text.contains("FAIL  902") && text.contains("thrown on purpose"), text);
        assertTrue(text.contains("PASS  903"), text);
        assertTrue(text.contains("summary: 3 stories, 1 passed, 2 failed"), text);
    }

    /** A story that hangs is cut by the tour's deadline, reported as failed, and the tour goes on. */
    @Test
    void hangingStoryIsCutByTheTourDeadline() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = new Tour(new PrintStream(out, true, StandardCharsets.UTF_8), false, Duration.ofMillis(300)).run(
                List.of(story("911", () -> {
                    Weft.sleep(Duration.ofDays(1));
                    return new Story.Result(true, List.of());
                }), story("912", () -> new Story.Result(true, List.of("ok      after the hang")))));
        long ms = (System.nanoTime() - start) / 1_000_000;
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("did not finish within 300 ms"), text);
        assertTrue(text.contains("PASS  912"), text);
        assertTrue(ms < 10_000, "took " + ms + " ms");
    }

    /** --help prints the usage and exits 0; a bad command line exits 2 with a message. */
    @Test
    void helpExitsZeroAndBadCommandLinesExitTwo() {
        String help = run("--help");
        assertTrue(help.startsWith("0\n") && help.contains("serve") && help.contains("--port"), help);
        String unknown = run("fly");
        assertTrue(unknown.startsWith("2\n") && unknown.contains("unknown command 'fly'"), unknown);
        String badPort = run("serve", "--port", "eighty");
        assertTrue(badPort.startsWith("2\n") && badPort.contains("--port needs a whole number"), badPort);
        String noValue = run("serve", "--port");
        assertTrue(noValue.startsWith("2\n") && noValue.contains("--port needs a value"), noValue);
        String extra = run("tour", "--fast");
        assertTrue(extra.startsWith("2\n"), extra);
    }

    private interface Body {
        Story.Result run() throws Exception;
    }

    private static Story story(String number, Body body) {
        return new Story() {
            @Override
            public String number() {
                return number;
            }

            @Override
            public String title() {
                return "test story " + number;
            }

            @Override
            public String python() {
                return "python side";
            }

            @Override
            public String weft() {
                return "weft side";
            }

            @Override
            public Story.Result run() throws Exception {
                return body.run();
            }
        };
    }
}
