package dev.weft.examples;

import dev.weft.DeadlineExceededException;
import dev.weft.Timeout;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs every {@link Story} in order and prints, for each, its story number and title, what
 * Python does, what weft does, and the evidence; then a summary. The exit code is 0 only if every
 * story passed.
 *
 * <p>Each story runs under a {@link Timeout#failAfter} of {@link #STORY_BUDGET}: weft itself is
 * the watchdog, so a story that hangs is cut, reported as failed, and the tour goes on.
 */
public final class Tour {
    /** The longest a story may take before the tour cuts it. */
    static final Duration STORY_BUDGET = Duration.ofSeconds(20);
    private static final int WIDTH = 100;
    private static final String INDENT = " ".repeat(10);

    private final PrintStream out;
    private final boolean ansi;
    private final Duration budget;

    /**
     * Creates a tour that prints to {@code out}.
     *
     * @param out where to print
     * @param ansi whether to use terminal colours (only when {@code out} is a terminal)
     */
    public Tour(PrintStream out, boolean ansi) {
        this(out, ansi, STORY_BUDGET);
    }

    /** A tour with another time budget per story (tests). */
    Tour(PrintStream out, boolean ansi, Duration budget) {
        this.out = Objects.requireNonNull(out, "out");
        this.ansi = ansi;
        this.budget = Objects.requireNonNull(budget, "budget");
    }

    /**
     * Runs the stories of {@link Stories#all()}.
     *
     * @return the exit code: 0 if every story passed, 1 otherwise
     */
    public int run() {
        return run(Stories.all());
    }

    /**
     * Runs {@code stories} in order.
     *
     * @param stories the stories
     * @return the exit code: 0 if every story passed, 1 otherwise
     */
    public int run(List<Story> stories) {
        long tourStart = System.nanoTime();
        out.println(bold("weft tour") + ": the stories of docs/stories.md as small programs on real parts"
                + " (JDK " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores)");
        List<String> summary = new ArrayList<>();
        int failed = 0;
        for (Story s : stories) {
            out.println();
            out.println(bold("━━ " + s.number() + "  " + s.title()));
            wrap("Python:", s.python());
            wrap("weft:", s.weft());
            long start = System.nanoTime();
            Story.Result r;
            try {
                r = Timeout.failAfter(budget, s::run);
            } catch (DeadlineExceededException e) {
                r = new Story.Result(false, List.of("FAILED  the story did not finish within " + budget.toMillis()
                        + " ms and was cut"));
            } catch (Exception e) {
                r = new Story.Result(false, describe(e));
            }
            long millis = Evidence.millisSince(start);
            boolean first = true;
            for (String line : r.evidence()) {
                wrap(first ? "evidence:" : "", line);
                first = false;
            }
            String verdict = r.passed() ? green("PASS") : red("FAIL");
            out.printf("%s  %s in %.1f s%n", verdict, s.number(), millis / 1000.0);
            summary.add(String.format("  %s  %s  %s", s.number(), verdict, s.title()));
            if (!r.passed()) {
                failed++;
            }
        }
        out.println();
        out.printf("%s: %d stories, %d passed, %d failed, %.1f s%n", bold("summary"), stories.size(),
                stories.size() - failed, failed, Evidence.millisSince(tourStart) / 1000.0);
        summary.forEach(out::println);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private static List<String> describe(Throwable e) {
        List<String> lines = new ArrayList<>();
        lines.add("FAILED  the story threw " + e);
        for (Throwable c = e.getCause(); c != null && lines.size() < 5; c = c.getCause()) {
            lines.add("        caused by " + c);
        }
        for (Throwable s : e.getSuppressed()) {
            lines.add("        with " + s);
        }
        if (e instanceof dev.weft.ExceptionGroup g) {
            g.exceptions().forEach(x -> lines.add("        member " + x));
        }
        return lines;
    }

    /** Prints {@code text} after a label, wrapped at {@link #WIDTH} with a hanging indent. */
    private void wrap(String label, String text) {
        StringBuilder line = new StringBuilder(label.isEmpty() ? INDENT : bold(pad(label)));
        int col = INDENT.length();
        // Lines of a check ("ok      ...", "FAILED  ...") continue under their text, not under the verdict.
        String hanging = INDENT + (text.startsWith("ok ") || text.startsWith("FAILED ") ? " ".repeat(8) : "");
        boolean lineHasWords = false;
        for (String word : text.split(" ")) {
            if (lineHasWords && col + 1 + word.length() > WIDTH) {
                out.println(line);
                line = new StringBuilder(hanging);
                col = hanging.length();
                lineHasWords = false;
            }
            if (lineHasWords) {
                line.append(' ');
                col++;
            }
            line.append(colourVerdict(word));
            col += word.length();
            lineHasWords = true;
        }
        out.println(line);
    }

    private static String pad(String label) {
        return label + " ".repeat(Math.max(1, INDENT.length() - label.length()));
    }

    private String colourVerdict(String word) {
        return switch (word) {
            case "ok" -> green(word);
            case "FAILED" -> red(word);
            default -> word;
        };
    }

    private String bold(String s) {
        return ansi ? "\u001b[1m" + s + "\u001b[0m" : s;
    }

    private String green(String s) {
        return ansi ? "\u001b[32m" + s + "\u001b[0m" : s;
    }

    private String red(String s) {
        return ansi ? "\u001b[31m" + s + "\u001b[0m" : s;
    }
}
