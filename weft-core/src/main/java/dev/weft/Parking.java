package dev.weft;

import dev.weft.internal.Time;
import dev.weft.spi.Clock;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Every wait loop of weft, the abort protocol, and the spin/yield policy; every park and every
 * wake-up of a weft wait passes here, so a {@link Clock} can observe them. See
 * {@code docs/design.md}, section "Parking".
 *
 * <h2>The loops</h2>
 * <table class="striped">
 * <caption>Wait loops</caption>
 * <tr><th>loop</th><th>used by</th><th>cancellation</th></tr>
 * <tr><td>{@link #awaitCancellable}</td><td>{@code Task.join}, {@code Weft.sleep}</td>
 *     <td>throws; nothing to undo</td></tr>
 * <tr><td>{@link #awaitDecision}</td><td>channels, {@link Suspension}</td>
 *     <td>aborts the {@link WaitCell}; throws only if the abort won</td></tr>
 * <tr><td>{@link #awaitUninterruptibly}</td><td>a task group's exit, a generator's consumer</td>
 *     <td>none: the work waited for is cancelled instead; a foreign interrupt cancels it
 *     (ABORT) and is restored by the caller</td></tr>
 * <tr><td>{@link #awaitHandBack}</td><td>a generator's body at a yield</td><td>none (an interrupt
 *     meanwhile is kept for the next step, not spun on)</td></tr>
 * </table>
 *
 * <h2>Protocol</h2>
 * A waiter publishes itself where its waker will find it, then loops: check the condition,
 * check for cancellation, park. A waker makes the condition true, then {@link #unpark}s. The
 * condition is volatile and the waiter is published before its first check, so the wake-up is
 * never lost: either the waiter's check sees the condition, or the waker's read finds the waiter
 * and its unpark makes the next park return. {@link #awaitDecision} also announces the park
 * itself ({@link WaitCell#parked}, set before one more check), so that a channel's waker can
 * skip the unpark of a waiter that is still spinning or yielding. Cancellation wakes a parked
 * weft call by weft's interrupt ({@link ThreadInterrupts#deliver}), which makes
 * {@link LockSupport#park} return; a timed wait (a sleep) parks untimed and is woken by the
 * {@link DeadlineTimer} at its {@link ThreadDeadlines#wakeAt} (a timed park would enter the
 * JDK's timer queue, whose cancellation made waking 1 000 000 cancelled sleepers take seconds
 * longer).
 *
 * <h2>Spin/yield policy</h2>
 * Before parking, a waiter whose partner usually comes within microseconds (a generator
 * hand-off, a rendezvous channel) waits actively for a few rounds ({@link #pause}): a virtual
 * thread yields its carrier ({@link Thread#yield()}) so the partner can run on it; spinning with
 * {@link Thread#onSpinWait()} for long would hold the carrier the partner needs (5 to 50 times
 * slower, measured for channels); a platform thread spins a few microseconds. Before this
 * policy, a generator's sides and a rendezvous channel's waiters spin at most 32 rounds for a
 * partner that runs on another carrier, and stop spinning for a while after spins that fail
 * ({@link #SPIN}).
 */
final class Parking {
    /** Rounds a virtual thread yields before it parks (QueueBaselineBenchmark.generatorWeft). */
    static final int VIRTUAL_YIELDS = 8;
    /** Rounds a platform thread spins before it parks. */
    static final int PLATFORM_SPINS = 128;
    /**
     * Rounds a waiter on a rendezvous channel yields before it parks. QueueBaselineBenchmark,
     * 1 producer + 1 consumer, ns per item (bounded(16) / rendezvous): 8 yields 234 / 278,
     * 2 yields 155 / 300, none 112 / 486; so buffered channels do not yield at all.
     */
    static final int RENDEZVOUS_YIELDS = 8;
    /**
     * Rounds of {@link Thread#onSpinWait} (about 40 ns each on the 2-core benchmark machine) that
     * a generator's side or a rendezvous channel's waiter spins for its partner before the
     * policy above, while spinning pays: a partner on another carrier comes within a few rounds;
     * one that waits for a carrier (a busy machine, one carrier) does not, so a spin that fails
     * makes the spinner skip spinning for its next {@link #nextSkip} waits, and one that succeeds
     * spins again at once (QueueBaselineBenchmark.generatorWeft, generatorFloorSpin32Yield8 and
     * handOff with WEFT_RENDEZVOUS).
     */
    static final int SPIN = 32;
    /**
     * Rounds a blocking call on a rendezvous channel retries its contended lock before queueing
     * on it. With 16, the calls that took {@code ReentrantLock}'s queueing path at 1 producer / 1
     * consumer went from 0.3–0.4 per item to 0.004 (counters in
     * {@code weft-bench/results/2026-12-03d}; QueueBaselineBenchmark.handOff WEFT_RENDEZVOUS and
     * {@code weft-bench/ab/run.sh chan}); other values were not measured.
     */
    static final int LOCK_SPIN = 16;
    /** The most waits a spinner skips spinning after failed spins. */
    static final int MAX_SKIP = 256;

    /** The next skip length after a failed spin: 1, then doubling up to {@link #MAX_SKIP}. */
    static short nextSkip(short skip) {
        return (short) (skip == 0 ? 1 : Math.min(MAX_SKIP, skip << 1));
    }

    private Parking() {
    }

    /** Waits actively once; returns false once the budget is spent and the caller should park. */
    static boolean pause(int round, boolean virtual) {
        if (virtual) {
            if (round >= VIRTUAL_YIELDS) {
                return false;
            }
            Thread.yield();
        } else {
            if (round >= PLATFORM_SPINS) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    // ---- the choke points ----

    /** Wakes {@code thread}, parked (or about to park) in a weft wait. Any thread. */
    static void unpark(Thread thread) {
        Clock c = Time.hooks();
        if (c != null) {
            c.unparking(thread);
        }
        LockSupport.unpark(thread);
    }

    /** Announces a wake-up that is not an unpark (weft's interrupt). */
    static void announceWake(Thread thread) {
        Clock c = Time.hooks();
        if (c != null) {
            c.unparking(thread);
        }
    }

    /**
     * Parks the current thread in a weft wait. Small enough to be inlined into every loop (under
     * 35 bytes of bytecode, what C1 and a C2 without profiles inline), so a parked thread's stack
     * has no frame for it; the observed park is out of line.
     */
    private static void park(Object blocker) {
        Clock c = Time.hooks();
        if (c == null) {
            LockSupport.park(blocker);
        } else {
            parkObserved(c, blocker);
        }
    }

    private static void parkObserved(Clock c, Object blocker) {
        Thread me = Thread.currentThread();
        c.parking(me);
        try {
            LockSupport.park(blocker);
        } finally {
            c.resumed(me);
        }
    }

    static void threadStarted(Thread thread) {
        Clock c = Time.hooks();
        if (c != null) {
            c.threadStarted(thread);
        }
    }

    static void threadEnded(Thread thread) {
        Clock c = Time.hooks();
        if (c != null) {
            c.threadEnded(thread);
        }
    }

    // ---- the loops ----

    /** {@link #beforePark}: park and check again. */
    private static final int WAIT = 0;
    /** {@link #beforePark}: {@code done} is true. */
    private static final int DONE = 1;
    /** {@link #beforePark}: {@code until} has passed and {@code done} is false. */
    private static final int PASSED = 2;

    /**
     * Blocks until {@code done} is true or {@code until} (a clock time, or NO_DEADLINE) passes,
     * throwing {@link CancelledException} when the thread is cancelled. Whoever makes
     * {@code done} true must {@link #unpark} this thread.
     *
     * @implNote Under 35 bytes of bytecode, as {@link #park} is, so that C1 and a C2 without
     * profiles (as well as a warmed-up C2) inline both into the caller ({@code Weft.sleep},
     * {@code Task.join}): a sleeping task's stack then has no frame of its own for the wait
     * (ScaleRun's histogram: the stack chunk is most of a sleeping task's heap). The checks of a
     * round are {@link #beforePark}, a frame only while they run.
     *
     * @return true when done, false when {@code until} passed first
     */
    static boolean awaitCancellable(ThreadRecord r, BooleanSupplier done, long until, Object blocker) {
        int round;
        while ((round = beforePark(r, done, until)) == WAIT) {
            park(blocker);
        }
        return round == DONE;
    }

    /**
     * One round of {@link #awaitCancellable} before it parks: the condition, the checkpoint,
     * the deadline (arming the timer for it). Clears {@link ThreadDeadlines#wakeAt} on every way
     * out of the wait (done, passed, cancelled).
     *
     * @return {@link #WAIT}, {@link #DONE} or {@link #PASSED}
     */
    private static int beforePark(ThreadRecord r, BooleanSupplier done, long until) {
        try {
            if (done.getAsBoolean()) {
                endWait(r, until);
                return DONE;
            }
            r.checkpoint();
            if (until != ScopeNode.NO_DEADLINE) {
                if (until - Time.now() <= 0) {
                    boolean d = done.getAsBoolean();
                    r.wakeAt = ScopeNode.NO_DEADLINE;
                    return d ? DONE : PASSED;
                }
                r.wakeAt = until;
                r.arm(until);
            }
            return WAIT;
        } catch (Throwable t) {
            endWait(r, until);
            throw t;
        }
    }

    private static void endWait(ThreadRecord r, long until) {
        if (until != ScopeNode.NO_DEADLINE) {
            r.wakeAt = ScopeNode.NO_DEADLINE;
        }
    }

    /**
     * Waits until {@code cell} is decided, yielding up to {@code yields} times first. If the
     * caller is cancelled meanwhile it aborts the cell: if the abort wins, the cancellation is
     * thrown; if a waker decided first, the wait returns that decision and the cancellation,
     * level-triggered, surfaces at the caller's next weft call.
     *
     * @return {@link WaitCell#RESUMED} or {@link WaitCell#FAILED} (never CANCELLED: that throws)
     */
    static int awaitDecision(ThreadRecord r, WaitCell cell, int yields, Object blocker) {
        for (int i = 0; i < yields && !cell.decided(); i++) {
            Thread.yield();
        }
        for (;;) {
            int d = cell.decision;
            if (d != WaitCell.WAITING && d != WaitCell.CLAIMED) {
                assert d != WaitCell.CANCELLED : "only the waiter aborts, and it throws";
                return d;
            }
            try {
                r.checkpoint();
            } catch (CancelledException e) {
                if (cell.abort()) {
                    throw e;
                }
                r.undeliver(e); // the operation happened: the caller's code never saw this cancellation
                // A waker decided first: the operation happened. It may still be publishing its
                // item (CLAIMED), a few instructions away.
                if (!cell.decided()) {
                    Thread.yield();
                }
                continue;
            }
            if (!cell.parked) {
                cell.parked = true; // then check the decision once more before parking
                continue;
            }
            park(blocker);
        }
    }

    /**
     * Waits until {@code done}, without being interruptible: a cancellation of the caller is
     * carried by the work waited for, which ends soon after. A foreign interrupt cancels
     * {@code abortScope} with ABORT (so that the work ends) and is reported to the caller to
     * restore. Spins by the {@linkplain #pause policy} first when {@code spin} is set.
     *
     * @return true if a foreign interrupt arrived meanwhile (the caller restores it)
     */
    static boolean awaitUninterruptibly(ThreadRecord r, BooleanSupplier done, CancelScope abortScope,
                                        boolean spin, Object blocker) {
        boolean foreignInterrupt = false;
        boolean virtual = spin && Thread.currentThread().isVirtual();
        for (int round = 0; !done.getAsBoolean(); round++) {
            if (spin && pause(round, virtual)) {
                continue;
            }
            park(blocker);
            if (Thread.interrupted() && !r.consumeInterrupt()) {
                foreignInterrupt = true;
                abortScope.cancel(ScopeOutcome.ABORT);
            }
        }
        return foreignInterrupt;
    }

    /**
     * Waits, spinning then parking, until {@code done}; for a generator's body at a yield. An
     * interrupt that arrives meanwhile (weft's, from a delivery that raced the step's end, or a
     * foreign one) would make every park return at once: the flag is cleared while the thread
     * waits and set again when the wait ends, so the thread parks instead of spinning on it and
     * the next step starts with the flag as it was (the interrupt state machine is untouched).
     */
    static void awaitHandBack(BooleanSupplier done, Object blocker) {
        boolean interrupted = false;
        for (int round = 0; !done.getAsBoolean(); round++) {
            if (!pause(round, true)) {
                park(blocker);
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
