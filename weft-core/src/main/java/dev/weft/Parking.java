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
 * and its unpark makes the next park return. Cancellation wakes a parked weft call by weft's
 * interrupt ({@link ThreadInterrupts#deliver}), which makes {@link LockSupport#park} return; a
 * timed wait (a sleep) parks untimed and is woken by the {@link DeadlineTimer} at its
 * {@link ThreadDeadlines#wakeAt} (a timed park would enter the JDK's timer queue, whose
 * cancellation made waking 1 000 000 cancelled sleepers take seconds longer).
 *
 * <h2>Spin/yield policy</h2>
 * Before parking, a waiter whose partner usually comes within microseconds (a generator
 * hand-off, a rendezvous channel) waits actively for a few rounds ({@link #pause}): a virtual
 * thread yields its carrier ({@link Thread#yield()}) so the partner can run on it; spinning with
 * {@link Thread#onSpinWait()} would hold the carrier the partner needs (5 to 50 times slower,
 * measured for channels); a platform thread spins a few microseconds.
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

    /** Parks the current thread in a weft wait. */
    private static void park(Object blocker) {
        Clock c = Time.hooks();
        if (c == null) {
            LockSupport.park(blocker);
            return;
        }
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

    /**
     * Blocks until {@code done} is true or {@code until} (a clock time, or NO_DEADLINE) passes,
     * throwing {@link CancelledException} when the thread is cancelled. Whoever makes
     * {@code done} true must {@link #unpark} this thread.
     *
     * @return true when done, false when {@code until} passed first
     */
    static boolean awaitCancellable(ThreadRecord r, BooleanSupplier done, long until, Object blocker) {
        try {
            for (;;) {
                if (done.getAsBoolean()) {
                    return true;
                }
                r.checkpoint();
                if (until != ScopeNode.NO_DEADLINE) {
                    if (until - Time.now() <= 0) {
                        return done.getAsBoolean();
                    }
                    r.wakeAt = until;
                    r.arm(until);
                }
                if (Time.hooks() == null) {
                    // park(blocker) written out: one frame less on every sleeping task's stack
                    // (64 B of its 776, ScaleRun's histogram with compiled frames).
                    LockSupport.park(blocker);
                } else {
                    park(blocker);
                }
            }
        } finally {
            if (until != ScopeNode.NO_DEADLINE) {
                r.wakeAt = ScopeNode.NO_DEADLINE;
            }
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
