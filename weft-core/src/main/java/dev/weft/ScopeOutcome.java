package dev.weft;

/**
 * Why a scope was cancelled: one immutable value, published once by a compare-and-set on
 * {@link ScopeNode#outcome} (null while not cancelled), so that a reader sees the reason and,
 * for a failure, the failed task and its failure together or not at all. (Before this record the
 * reason and the task's name were two fields written one after the other, and a sibling could
 * read "... because null failed"; {@code ScopeOutcomeRaceTest} hammers that window.)
 *
 * <p>The constant outcomes are shared, so cancelling allocates nothing except for a failure.
 * See {@code docs/design.md}, sections "Fields" and "Memory-ordering arguments".
 *
 * @param why the kind of cancellation
 * @param failedTask for {@link Why#FAILURE}, "task 'name'" or "its body"; else null
 * @param failure for {@link Why#FAILURE}, the failure that cancelled the scope; else null
 */
record ScopeOutcome(Why why, String failedTask, Throwable failure) {
    /** The kinds of cancellation. */
    enum Why {
        /** {@code cancel()} was called. */
        EXPLICIT,
        /** The scope's deadline passed. */
        DEADLINE,
        /** A task of the scope's group (or the group's body) failed. */
        FAILURE,
        /** The group's body was stopped by an enclosing cancellation or a foreign interrupt. */
        ABORT
    }

    static final ScopeOutcome EXPLICIT = new ScopeOutcome(Why.EXPLICIT, null, null);
    static final ScopeOutcome DEADLINE = new ScopeOutcome(Why.DEADLINE, null, null);
    static final ScopeOutcome ABORT = new ScopeOutcome(Why.ABORT, null, null);

    ScopeOutcome {
        assert (why == Why.FAILURE) == (failedTask != null) : "a failure names what failed, nothing else does";
    }

    static ScopeOutcome failure(String failedTask, Throwable failure) {
        return new ScopeOutcome(Why.FAILURE, failedTask, failure);
    }

    /** The message of the {@link CancelledException} thrown inside a scope labelled {@code label}. */
    String message(String label) {
        return switch (why) {
            case DEADLINE -> "deadline of " + label + " passed";
            case FAILURE -> label + " was cancelled because " + failedTask + " failed";
            case ABORT -> label + " was cancelled from outside";
            case EXPLICIT -> label + " was cancelled";
        };
    }
}
