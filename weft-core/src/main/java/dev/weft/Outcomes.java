package dev.weft;

/**
 * How the kernel classifies the way a body ended: a cancellation or a failure, and what a
 * cleanup failure does to it. Every scope, task and group end asks here, so each rule is written
 * once. See {@code docs/design.md}, section "Outcomes".
 *
 * <ul>
 * <li>A <em>cancellation</em> is a {@link CancelledException}, or an exception that a weft
 *     interrupt caused in a JDK call (InterruptedException, ClosedByInterruptException, an
 *     interrupted socket or I/O call) while the thread is cancelled. Anything else is a failure,
 *     even during a cancellation.
 * <li><em>A failure outranks the cancellation that carries it</em>: when a try-with-resources
 *     {@code close()} throws while a cancellation propagates, Java suppresses the failure into
 *     the cancellation; the kernel reports the failure instead of absorbing it with the
 *     cancellation ({@link #outranking}).
 * <li><em>Cleanup merge</em>: a failure of the cleanup that weft runs at a scope's end (closing
 *     the generators the scope owns) becomes the outcome if the body succeeded, and is suppressed
 *     into the body's exception otherwise ({@link #merge}).
 * </ul>
 */
final class Outcomes {
    private Outcomes() {
    }

    /** Whether {@code t}, thrown out of code running on {@code r}'s thread, is a cancellation. */
    static boolean isCancellation(ThreadRecord r, Throwable t) {
        return t instanceof CancelledException || (causedByInterrupt(t) && r.isCancelled());
    }

    /** Whether {@code t} (or one of its first causes) is what an interrupt makes a JDK call throw. */
    static boolean causedByInterrupt(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof InterruptedException
                    || t instanceof java.nio.channels.ClosedByInterruptException
                    || (t instanceof java.io.InterruptedIOException && !(t instanceof java.net.SocketTimeoutException))
                    || (t instanceof java.net.SocketException && String.valueOf(t.getMessage()).contains("by interrupt"))) {
                return true;
            }
        }
        return false;
    }

    /** The first failure suppressed into cancellation {@code t}, or null. */
    static Throwable suppressedFailure(ThreadRecord r, Throwable t) {
        for (Throwable s : t.getSuppressed()) {
            if (!isCancellation(r, s)) {
                return s;
            }
        }
        return null;
    }

    /**
     * What a body's exception {@code t} counts as: a cancellation that carries a failure counts
     * as that failure; anything else as itself. Null stays null.
     */
    static Throwable outranking(ThreadRecord r, Throwable t) {
        if (t != null && isCancellation(r, t)) {
            Throwable failed = suppressedFailure(r, t);
            if (failed != null) {
                return failed;
            }
        }
        return t;
    }

    /** The body's exception with the cleanup's failure merged in (either may be null). */
    /**
     * Whether {@code t} only carries failures already in {@code held}, so that recording it
     * would report one failure twice: {@code t} is one of them (rethrown by hand), or a
     * {@link TaskFailedException} (or a chain of them, through joins across tasks) around one of
     * them, or an {@link ExceptionGroup} whose every leaf is such. A member of a held group counts
     * as held. Anything else, including a new exception made from a failure, is a failure of its
     * own. A group's list is written by its tasks and body while others read it; a failure is
     * listed before anyone can see its task failed, so whoever rethrows it finds it.
     */
    static boolean alreadyReported(Throwable t, Iterable<Throwable> held) {
        if (t instanceof ExceptionGroup g && !holds(held, g)) {
            for (Throwable m : g.exceptions()) {
                if (!alreadyReported(m, held)) {
                    return false;
                }
            }
            return true;
        }
        for (Throwable x = t; x != null; x = x instanceof TaskFailedException ? x.getCause() : null) {
            if (holds(held, x)) {
                return true;
            }
        }
        return false;
    }

    private static boolean holds(Iterable<Throwable> held, Throwable x) {
        for (Throwable h : held) {
            if (h == x || (h instanceof ExceptionGroup g && holds(g.exceptions(), x))) {
                return true;
            }
        }
        return false;
    }

    static Throwable merge(Throwable body, Throwable cleanup) {
        if (cleanup == null) {
            return body;
        }
        if (body == null) {
            return cleanup;
        }
        body.addSuppressed(cleanup);
        return body;
    }

    /**
     * Collects {@code next} into {@code first}: the first failure, later ones suppressed in it.
     *
     * @return the first failure
     */
    static Throwable collect(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
