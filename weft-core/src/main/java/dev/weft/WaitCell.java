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
 *     every decider, and the waiter's {@link #abort}, run under one lock (a channel's
 *     {@code close()}), so no one else writes {@link #item} meanwhile.
 * <li>{@link #claim} then {@link #publish}: lock-free wakers ({@link Suspension}) first win the
 *     cell (CLAIMED, not yet visible as decided), then write {@link #item}, then publish the
 *     decision with a volatile write; a channel's partner claims and writes {@link #item} under
 *     the channel's lock and publishes right after unlocking. A waiter's abort fails against
 *     CLAIMED and it waits for the publication, which comes a few instructions later.
 * </ul>
 * Either way the waiter reads {@link #item} after it has seen the final decision (volatile), so
 * it needs no lock.
 *
 * <p>Wake-up: {@link Parking#awaitDecision} sets {@link #parked} before the waiter's last check
 * of the decision and its first park. A waker that reads {@link #parked} after publishing the
 * decision (both volatile, so the two sides cannot both miss each other) may skip the unpark
 * when it is false: the waiter will see the decision without parking. Channels do so;
 * {@link Suspension} unparks always.
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
    /**
     * Set by the waiter before it first parks (then it checks {@link #decision} once more): a
     * waker that publishes the decision and then reads false here may skip its unpark, since
     * the waiter will see the decision before it parks. Both accesses are volatile, so at least
     * one side sees the other's write (Dekker). Written only by the waiter, never reset.
     */
    volatile boolean parked;

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
