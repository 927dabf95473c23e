package dev.weft.examples;

import java.util.List;
import java.util.Objects;

/**
 * One story of {@code docs/stories.md} as a small program on real parts: what goes wrong in Python, what weft does
 * instead, and a run that shows it with evidence (values seen, time taken, things leaked).
 *
 * <p>A story's {@link #run()} is self-contained: it starts what it needs (sockets, servers, a
 * connection pool) on loopback, bounds every wait, and stops everything before returning, so the
 * {@link Tour} can run the stories one after another in one process.
 */
public interface Story {
    /**
     * Returns the story number, "000" to "004".
     *
     * @return the story number
     */
    String number();

    /**
     * Returns a short title.
     *
     * @return the title
     */
    String title();

    /**
     * Returns what the Python program of the story does, in a sentence or two.
     *
     * @return the Python side
     */
    String python();

    /**
     * Returns what weft does instead, in a sentence or two.
     *
     * @return the weft side
     */
    String weft();

    /**
     * Runs the story.
     *
     * @return whether weft behaved as the story says, with the evidence
     * @throws Exception if the story could not run; the tour reports it as a failure
     */
    Result run() throws Exception;

    /**
     * The outcome of a story.
     *
     * @param passed whether every check of the story held
     * @param evidence what was seen, one line each, ready to print
     */
    record Result(boolean passed, List<String> evidence) {
        /**
         * Checks and copies the evidence.
         *
         * @param passed whether every check held
         * @param evidence the lines
         */
        public Result {
            evidence = List.copyOf(Objects.requireNonNull(evidence, "evidence"));
        }
    }
}
