package dev.weft.test;

import dev.weft.internal.AutojumpClock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Runs a block on virtual time: {@code Weft.sleep}, deadlines, {@code Timeout.*}, cancel scopes'
 * deadlines and weft's timer read a clock that stands still while any thread of the block runs,
 * and jumps straight to the next deadline when every thread of the block is parked in a weft
 * wait. An hour-long timeout is tested in milliseconds, and the result does not depend on how
 * busy the machine is.
 *
 * <pre>{@code
 * VirtualTime.run(() -> {
 *     assertThrows(DeadlineExceededException.class,
 *             () -> Timeout.failAfter(Duration.ofSeconds(30), () -> {
 *                 Weft.sleep(Duration.ofSeconds(60));
 *                 return null;
 *             }));
 *     assertEquals(Duration.ofSeconds(30), VirtualTime.elapsed());
 * });
 * }</pre>
 *
 * <h2>What is virtual</h2>
 * The threads of the block are the calling thread and every task and generator thread weft
 * starts while the block runs. Time jumps only when each of them is parked in a weft wait:
 * {@code Weft.sleep}, {@code Task.join}, a channel's send or receive, a generator hand-off, a
 * {@code Suspension}, a task group's exit. It jumps to the earliest armed deadline, exactly, so
 * a 30-second timeout fires when {@link #elapsed()} is 30 seconds.
 *
 * <h2>What cannot be virtual</h2>
 * A thread blocked outside weft, in {@link Thread#sleep}, a socket read, a JDK lock or queue, or
 * busy computing, is running as far as the clock knows: time stands still until it comes back.
 * When nothing at all happens for the stall timeout of real time (default 5 s) the block fails
 * with an {@link AssertionError} that names each such thread, its state and its top frames, and
 * the block's threads are interrupted; a block whose threads all wait in weft with no deadline
 * armed (a deadlock) fails the same way. Threads that weft did not start (an executor's, a
 * server's) are not watched, and time may jump while they run.
 *
 * <h2>Rules</h2>
 * The virtual clock is installed for the whole JVM while the block runs, so virtual-time tests
 * must not run in parallel with other weft tests in the same JVM. When the block ends the clock
 * that was installed before is back; deadlines taken inside the block mean nothing outside it.
 */
public final class VirtualTime {
    /** A block run on virtual time. */
    @FunctionalInterface
    public interface Block {
        /**
         * Runs the block.
         *
         * @throws Exception anything; it is rethrown by {@link VirtualTime#run}
         */
        void run() throws Exception;
    }

    private final Duration stallTimeout;

    private VirtualTime(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
    }

    /**
     * Runs {@code block} on the calling thread on virtual time, with the default stall timeout of
     * 5 seconds of real time.
     *
     * @param block what to run
     * @throws Exception what the block threw
     * @throws AssertionError when the block got stuck (see the class comment)
     */
    public static void run(Block block) throws Exception {
        withStallTimeout(AutojumpClock.DEFAULT_STALL_TIMEOUT).runBlock(block);
    }

    /**
     * Runs {@code block} on virtual time and returns its result.
     *
     * @param block what to run
     * @param <T> the result type
     * @return what the block returned
     * @throws Exception what the block threw
     * @throws AssertionError when the block got stuck (see the class comment)
     */
    public static <T> T call(Callable<T> block) throws Exception {
        return withStallTimeout(AutojumpClock.DEFAULT_STALL_TIMEOUT).callBlock(block);
    }

    /**
     * Returns a runner whose blocks fail after {@code stallTimeout} of real time without progress
     * (raise it for a block that computes for long between weft calls).
     *
     * @param stallTimeout real time without progress after which a block fails; positive
     * @return a runner
     */
    public static VirtualTime withStallTimeout(Duration stallTimeout) {
        Objects.requireNonNull(stallTimeout, "stallTimeout is null: pass a positive duration, e.g. Duration.ofSeconds(5)");
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive, got " + stallTimeout);
        }
        return new VirtualTime(stallTimeout);
    }

    /**
     * Runs {@code block} on virtual time with this runner's stall timeout.
     *
     * @param block what to run
     * @throws Exception what the block threw
     * @throws AssertionError when the block got stuck
     */
    public void runBlock(Block block) throws Exception {
        Objects.requireNonNull(block, "block is null: pass the code to run on virtual time, e.g. () -> work()");
        AutojumpClock.run(stallTimeout, () -> {
            block.run();
            return null;
        });
    }

    /**
     * Runs {@code block} on virtual time with this runner's stall timeout and returns its result.
     *
     * @param block what to run
     * @param <T> the result type
     * @return what the block returned
     * @throws Exception what the block threw
     * @throws AssertionError when the block got stuck
     */
    public <T> T callBlock(Callable<T> block) throws Exception {
        Objects.requireNonNull(block, "block is null: pass the code to run on virtual time, e.g. () -> work()");
        return AutojumpClock.run(stallTimeout, block);
    }

    /**
     * Returns how much virtual time has passed since the innermost running block started.
     *
     * @return the virtual time elapsed
     * @throws IllegalStateException outside a block
     */
    public static Duration elapsed() {
        AutojumpClock c = AutojumpClock.current();
        if (c == null) {
            throw new IllegalStateException("VirtualTime.elapsed() is called outside VirtualTime.run(...)");
        }
        return c.elapsed();
    }
}
