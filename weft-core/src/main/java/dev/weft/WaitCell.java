package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The exactly-once decision of one parked wait: a thread waits until another thread decides its
 * outcome, or its own cancellation does. The cell under {@link Suspension} (public) and
 * {@link ChannelWaiter}; {@link Parking#awaitDecision} is its wait loop. See
 * {@code docs/design.md}, section "Parking".
 *
 * <pre>
 *   WAITING ──decide(RESUMED) by a waker──────────────────▶ RESUMED     the wait returns {@link #item}
 *      │    ──decide(FAILED)  by a waker──────────────────▶ FAILED      the wait throws {@link #item}
 *      │    ──claim() by a waker ──▶ CLAIMED ──publish()──▶ RESUMED / FAILED
 *      └────abort() by the waiter, cancelled──────────────▶ CANCELLED   the wait throws the cancellation
 * </pre>
 * Invariant: {@link #decision} leaves WAITING exactly once, by a CAS; whoever wins decides for
 * both sides. Two ways to hand over {@link #item}:
 * <ul>
 * <li>{@link #decide}: the decider writes {@link #item} before its CAS. Only for primitives where
 *     every decider, and the waiter's {@link #abort}, run under one lock (channels), so no one
 *     else writes {@link #item} meanwhile.
 * <li>{@link #claim} then {@link #publish}: lock-free wakers ({@link Suspension}) first win the
 *     cell (CLAIMED, not yet visible as decided), then write {@link #item}, then publish the
 *     decision with a volatile write. A waiter's abort fails against CLAIMED and it waits for
 *     the publication, which comes a few instructions later.
 * </ul>
 * Either way the waiter reads {@link #item} after it has seen the final decision (volatile), so
 * it needs no lock.
 */
abstract class WaitCell {
    static final int WAITING = 0;
    static final int RESUMED = 1;
    static final int FAILED = 2;
    static final int CANCELLED = 3;
    /** Won by a waker that has not yet published its item; not a decision the waiter can see. */
    static final int CLAIMED = 4;

    private static final VarHandle DECISION;

    static {
        try {
            DECISION = MethodHandles.lookup().findVarHandle(WaitCell.class, "decision", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The waiting thread. */
    final Thread thread;
    /** The value handed over (a resumption, a channel element) or the failure to throw. */
    Object item;
    volatile int decision;

    WaitCell(Thread thread, Object item) {
        this.thread = thread;
        this.item = item;
    }

    /** Whether the outcome is decided; the waiter's wake-up condition. Any thread. */
    final boolean decided() {
        int d = decision;
        return d != WAITING && d != CLAIMED;
    }

    /** Moves WAITING to {@code d}; true if this call decided. Does not wake the waiter. */
    final boolean decide(int d) {
        return DECISION.compareAndSet(this, WAITING, d);
    }

    /** Wins the cell for a lock-free waker, who then writes {@link #item} and {@link #publish}es. */
    final boolean claim() {
        return DECISION.compareAndSet(this, WAITING, CLAIMED);
    }

    /** Makes a claimed cell's decision visible (after {@link #item} is written). */
    final void publish(int d) {
        assert decision == CLAIMED;
        decision = d;
    }

    /**
     * Called by the waiter when its wait is cancelled: tries to decide CANCELLED. A primitive that
     * keeps waiters in a structure guarded by a lock overrides this to unlink the cell in the same
     * critical section.
     *
     * @return true if the wait is aborted; false if a waker decided first
     */
    boolean abort() {
        return decide(CANCELLED);
    }
}
