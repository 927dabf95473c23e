/**
 * weft-test: tools for testing code written with weft, usable from any test framework (failures
 * are {@link AssertionError}s, which JUnit, TestNG and others report as test failures).
 *
 * <ul>
 * <li>{@link dev.weft.test.VirtualTime}: run a block on a virtual clock that jumps to the next
 *     deadline when every thread of the block waits in weft.
 * <li>{@link dev.weft.test.CancellationFuzzer}: cancel a block at each of its checkpoints in turn
 *     and check an invariant after each run.
 * <li>{@link dev.weft.test.Leaks}: check that a block left no task thread, interrupt or scope
 *     behind.
 * <li>{@link dev.weft.test.EventTrail}: record events from many threads and check their order.
 * </ul>
 */
module dev.weft.test {
    requires transitive dev.weft;

    exports dev.weft.test;
}
