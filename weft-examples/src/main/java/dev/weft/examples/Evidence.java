package dev.weft.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a story's evidence lines and its checks: each {@link #check} adds a line saying what
 * was expected and whether it held, and the story passes only if all of them held.
 */
final class Evidence {
    private final List<String> lines = new ArrayList<>();
    private boolean passed = true;

    /** Adds a line of plain evidence. */
    Evidence line(String format, Object... args) {
        lines.add(args.length == 0 ? format : String.format(format, args));
        return this;
    }

    /** Records a check: the line is printed with "ok" or "FAILED" in front. */
    Evidence check(boolean holds, String format, Object... args) {
        lines.add((holds ? "ok      " : "FAILED  ") + (args.length == 0 ? format : String.format(format, args)));
        passed &= holds;
        return this;
    }

    Story.Result result() {
        return new Story.Result(passed, lines);
    }

    /** Milliseconds since {@code startNanos}, for evidence lines. */
    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
