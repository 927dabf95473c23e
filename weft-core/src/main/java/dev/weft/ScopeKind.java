package dev.weft;

/**
 * What a scope node is: the word that names it in messages, and the roles it plays in the
 * kernel. See {@code docs/design.md}, section "Scope tree".
 */
enum ScopeKind {
    /** The root of a thread weft did not start; never ends. */
    THREAD("thread"),
    /** {@link CancelScope#run}. */
    CANCEL_SCOPE("CancelScope"),
    /** {@link CancelScope#shield}: hides enclosing cancellation. */
    SHIELD("shield"),
    /** {@link Timeout}: a scope entered with a deadline. */
    TIMEOUT("timeout"),
    /** The scope of a {@link TaskGroup}: its tasks' roots are its children on other threads. */
    TASK_GROUP("TaskGroup"),
    /** The root scope of a {@link Task}'s thread; its parent is its group's scope. */
    TASK("task"),
    /** The root of one {@link Generator} step on the generator's thread; its parent is the consumer's scope. */
    GENERATOR_STEP("generator");

    /** The word used in messages. */
    final String word;

    ScopeKind(String word) {
        this.word = word;
    }
}
