package dev.weft;

/**
 * The old name of {@link TestSupport.ThreadKind}, kept only because {@code DeadlineTest} still uses
 * it; it delegates to {@link TestSupport}. New tests use {@link TestSupport.ThreadKind}. Remove this
 * file once {@code DeadlineTest} imports {@code dev.weft.TestSupport.ThreadKind} and
 * {@code TestSupport.runOn}.
 */
enum ThreadKind {
    PLATFORM, VIRTUAL;

    /** Runs {@code body} on a new thread of {@code kind}, waits (bounded) and rethrows its failure. */
    static void runOn(ThreadKind kind, TestSupport.Body body) throws Exception {
        TestSupport.runOn(TestSupport.ThreadKind.valueOf(kind.name()), body);
    }
}
