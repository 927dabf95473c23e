package dev.weft;

import dev.weft.internal.Time;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A node of the scope tree, and the place where a cancellation <em>starts</em>: the state that
 * every {@link CancelScope} carries, apart from its public API. How a cancellation then
 * <em>travels</em> through the tree is {@link CancelStatus}; who is interrupted is
 * {@link ThreadInterrupts}. (Trio keeps the same split between {@code CancelScope} and
 * {@code CancelStatus}.) See {@code docs/design.md}, sections "Scope tree" and "Fields".
 *
 * <h2>Implementation overview</h2>
 * A node's {@link #parent} is the scope that enclosed it when it was entered; for a task's root
 * it is the task group's scope, owned by another thread, so the tree spans threads. The node is
 * immutable but for:
 * <ul>
 * <li>{@link #outcome}: null until cancelled, then one {@link ScopeOutcome}, set once by a CAS
 *     (the first reason wins) by any thread, and never changed; the CAS is what makes
 *     "cancelled" a one-way state, and is followed by {@link CancelStatus#propagate}.
 * <li>{@link #deadline}: written by any thread ({@link CancelScope#setDeadline}), read by any.
 * <li>{@link #ended}: set once by the owner thread as the scope ends ({@link #end()}); later
 *     cancels and deadline changes do nothing.
 * <li>{@link #callbacks}: the {@link CancelScope#onCancel} registrations, created on first use
 *     by a CAS.
 * <li>{@link #caught} and {@link #stoppedBy}: owner thread only, written as the scope ends.
 * </ul>
 * Invariant: {@code outcome != null} never goes back to null; a scope whose deadline has passed
 * reads as cancelled even before the timer fires ({@link #outcomeNow} publishes it then).
 *
 * <p>A sealed base of {@link CancelScope} rather than a separate object: entering a scope must
 * allocate one object (a deadline scope costs tens of nanoseconds), and the split is one of files,
 * not of objects.
 */
abstract sealed class ScopeNode permits CancelScope {
    /** The "no deadline" value of every deadline field in the kernel. */
    static final long NO_DEADLINE = Long.MIN_VALUE;

    private static final VarHandle OUTCOME;
    private static final VarHandle CALLBACKS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OUTCOME = l.findVarHandle(ScopeNode.class, "outcome", ScopeOutcome.class);
            CALLBACKS = l.findVarHandle(ScopeNode.class, "callbacks", CancelCallbacks.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final CancelScope parent;
    final ThreadRecord owner;
    final boolean shield;
    final ScopeKind kind;
    /**
     * A name or a budget, for messages; for a task group's scope, the group itself (one field
     * for both keeps every scope at 56 bytes, ScaleRun's histogram); or null.
     */
    private final Object detail;

    volatile ScopeOutcome outcome;
    volatile long deadline = NO_DEADLINE;
    volatile boolean ended;
    volatile CancelCallbacks callbacks;
    /** Whether the scope absorbed its own cancellation at its end. Owner only. */
    boolean caught;
    /** What this scope absorbed: a CancelledException or an interrupt-caused exception. Owner only. */
    Throwable stoppedBy;
    /**
     * The cancellation of this (deadline) scope that reached its body and was swallowed, when the
     * body then returned normally; see {@link CancelScope#noteSwallowed}. Owner only.
     */
    Throwable swallowed;

    ScopeNode(CancelScope parent, ThreadRecord owner, ScopeKind kind, TaskGroup group, Object detail) {
        this.parent = parent;
        this.owner = owner;
        this.kind = kind;
        this.shield = kind == ScopeKind.SHIELD;
        this.detail = group != null ? group : detail;
    }

    /** The group whose scope this is, or null. */
    final TaskGroup group() {
        return detail instanceof TaskGroup g ? g : null;
    }

    /** The scope's description, built only for messages (no string per scope on the hot path). */
    final String label() {
        if (detail == null) {
            return kind.word;
        }
        if (detail instanceof TaskGroup g) {
            return kind.word + " '" + g.name() + "'";
        }
        return detail instanceof java.time.Duration d ? kind.word + " of " + d : kind.word + " '" + detail + "'";
    }

    /** The name or budget given at creation (for a group's scope, the group), or null; for the task tree. */
    final Object detail() {
        return detail;
    }

    final CancelScope self() {
        return (CancelScope) this;
    }

    // ---- where a cancellation starts ----

    /** Cancels with {@code why} unless already cancelled or ended, and propagates. Any thread. */
    final void cancel(ScopeOutcome why) {
        if (!ended && OUTCOME.compareAndSet(this, (ScopeOutcome) null, why)) {
            int reached = CancelStatus.propagate(self());
            Flight.cancelled(this, why, reached);
        }
    }

    /** Called by the deadline timer (and by a reader who noticed): cancels if the deadline passed. */
    final void expire() {
        if (!ended && expired()) {
            cancel(ScopeOutcome.DEADLINE);
        }
    }

    final boolean expired() {
        long d = deadline;
        return d != NO_DEADLINE && d - Time.now() <= 0;
    }

    /** The outcome, publishing a deadline that has passed but not yet fired. Null: not cancelled. */
    final ScopeOutcome outcomeNow() {
        ScopeOutcome o = outcome;
        if (o == null && expired()) {
            expire();
            o = outcome;
            if (o == null) {
                o = ScopeOutcome.DEADLINE; // ended before anyone noticed: still cancelled, for readers
            }
        }
        return o;
    }

    /** Marks the scope ended; owner thread, as the scope is popped. Later cancels do nothing. */
    final void end() {
        ended = true;
        CancelCallbacks c = callbacks;
        if (c != null) {
            c.clear(); // nothing can reach code in an ended scope
        }
    }

    /** Whether a CancelledException reaching this scope's end stops here. */
    final boolean absorbs() {
        ScopeOutcome o = outcomeNow();
        if (o == null || o.why() == ScopeOutcome.Why.ABORT) {
            return false;
        }
        return shield || CancelStatus.cancelledFrom(parent) == null;
    }

    final CancelledException newCancelledException() {
        ScopeOutcome o = outcomeNow();
        return new CancelledException((o == null ? ScopeOutcome.EXPLICIT : o).message(label()));
    }

    /** The callback list, created on first use. */
    final CancelCallbacks callbacks() {
        CancelCallbacks c = callbacks;
        if (c == null) {
            c = new CancelCallbacks();
            if (!CALLBACKS.compareAndSet(this, (CancelCallbacks) null, c)) {
                c = callbacks;
            }
        }
        return c;
    }
}
