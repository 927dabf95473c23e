package dev.weft;

import dev.weft.internal.Time;
import java.util.Objects;
import java.util.Optional;

/**
 * A region of code, and of every task spawned inside it, that can be cancelled as a whole, as a
 * Trio cancel scope.
 *
 * <pre>{@code
 * String page = CancelScope.run(scope -> {
 *     onShutdown(scope::cancel);     // from any thread
 *     return fetchSlowly();          // weft calls inside throw CancelledException once cancelled
 * });                                // null if the scope absorbed its own cancellation
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>{@link #cancel()} (or the scope's {@linkplain #setDeadline deadline} passing) cancels
 *     everything inside that is not shielded, however deep: nested scopes, task groups and their
 *     tasks on other threads.
 * <li>Delivery: weft's blocking calls ({@link Weft#sleep}, {@link Weft#checkpoint}, {@link Task#join},
 *     channels, generators) throw {@link CancelledException} every time while inside a cancelled
 *     scope (level-triggered). A thread blocked in a JDK call ({@code Thread.sleep}, a lock, a
 *     {@code BlockingQueue}, a socket, {@code HttpClient.send}) is interrupted; if the code
 *     swallows that interrupt and blocks in a JDK call again while still cancelled (and not
 *     shielded), it is interrupted again (ADR 0012).
 * <li>Absorbing: the outermost cancelled scope that a {@link CancelledException} passes through
 *     absorbs it: {@link #run} then returns null and {@link #cancelledCaught()} is true. An inner
 *     cancelled scope lets it pass when an outer one is cancelled too.
 * <li>A cancellation never delivered (the body returned first) does not leak out of the scope.
 * <li>No interrupt leaks: once a scope has exited, the thread's interrupt flag is what it would be
 *     without weft; an interrupt from outside weft is preserved.
 * <li>Shield: inside {@link #shield}, cancellation of enclosing scopes is held back (no exception,
 *     no interrupt); it is delivered when the shield exits, which throws
 *     {@link CancelledException} if an enclosing scope was cancelled meanwhile. Deadlines set
 *     inside the shield still work.
 * <li>{@link #cancel()} after the scope has ended does nothing; so does {@link #setDeadline}.
 * <li>{@link #onCancel} runs an action when cancellation reaches code running directly in the
 *     scope, for code that waits on something weft does not know.
 * </ul>
 *
 *
 * <h2>Implementation overview</h2>
 * A scope is a node of one tree that spans threads; its state and where a cancellation starts
 * are in {@link ScopeNode}, how a cancellation travels in {@link CancelStatus}, and how a thread
 * enters and leaves scopes in {@link ThreadRecord}. This class is the public API over them.
 * The kernel is mapped in {@code docs/design.md}.
 */
public final class CancelScope extends ScopeNode {
    CancelScope(CancelScope parent, ThreadRecord owner, ScopeKind kind, TaskGroup group, Object detail) {
        super(parent, owner, kind, group, detail);
    }

    /**
     * A body run inside a cancel scope.
     *
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     */
    @FunctionalInterface
    public interface Body<R, X extends Throwable> {
        /**
         * Runs the body.
         *
         * @param scope the scope the body runs in; cancel it from anywhere
         * @return the result
         * @throws X what the body throws
         */
        R run(CancelScope scope) throws X;
    }

    /**
     * Runs {@code body} in a new cancel scope nested in the current one.
     *
     * @param body the code to run; receives the scope
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result, or null if the scope absorbed its own cancellation
     * @throws X what the body throws
     * @throws CancelledException if an enclosing scope was cancelled
     */
    public static <R, X extends Throwable> R run(Body<R, X> body) throws X {
        Args.nonNull(body, "body", "pass the code to run, e.g. scope -> work()");
        return enter(ScopeKind.CANCEL_SCOPE, NO_DEADLINE, null).runBody(body);
    }

    /**
     * Runs {@code body} shielded from the cancellation of enclosing scopes: nothing inside is
     * cancelled or interrupted by them. If an enclosing scope was cancelled meanwhile, the
     * cancellation is delivered as the shield ends.
     *
     * <pre>{@code
     * Connection c = pool.acquire();
     * try {
     *     use(c);
     * } finally {
     *     CancelScope.shield(() -> { pool.release(c); return null; });   // runs to the end
     * }
     * }</pre>
     *
     * @param body the code to protect
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result
     * @throws X what the body throws
     * @throws CancelledException on exit, if an enclosing scope was cancelled
     */
    public static <R, X extends Throwable> R shield(CallableOp<R, X> body) throws X {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        CancelScope s = enter(ScopeKind.SHIELD, NO_DEADLINE, null);
        R r = s.runBody(scope -> body.call());
        s.owner.checkpoint(); // deliver what the shield held back
        return r;
    }

    /**
     * Returns the innermost scope of the current thread: the scope, task group or task the code
     * runs in, or the thread's root scope outside all of them.
     *
     * @return the current scope
     */
    public static CancelScope current() {
        return ThreadRecord.current().innermost;
    }

    /** Enters a new scope of {@code kind} on the current thread. */
    static CancelScope enter(ScopeKind kind, long deadline, Object detail) {
        ThreadRecord r = ThreadRecord.current();
        CancelScope s = new CancelScope(r.innermost, r, kind, null, detail);
        s.deadline = deadline;
        r.push(s);
        if (deadline != NO_DEADLINE) {
            r.arm(deadline);
        }
        return s;
    }

    /** Runs the body of a scope entered with {@link #enter}, then ends it. Owner thread only. */
    <R, X extends Throwable> R runBody(Body<R, X> body) throws X {
        R result;
        try {
            result = body.run(this);
        } catch (Throwable t) {
            boolean absorb = Outcomes.isCancellation(owner, t) && absorbs();
            owner.pop(this);
            if (absorb) {
                owner.absorbed();
                Throwable failure = Outcomes.suppressedFailure(owner, t);
                if (failure != null) {
                    throw CancelScope.<RuntimeException>sneaky(failure); // a failure outranks the cancellation
                }
                caught = true;
                stoppedBy = t;
                return null;
            }
            throw t;
        }
        if (kind == ScopeKind.TIMEOUT && (deliveredHere() || outcome != null)) {
            noteSwallowed(); // before pop, which settles the interrupt state it reads
        }
        owner.pop(this);
        return result;
    }

    /**
     * At the normal end of a deadline scope's body: if the scope absorbs and its cancellation
     * reached the body anyway (a weft call threw it, or a JDK call consumed weft's interrupt), the
     * body swallowed it; the scope then counts as having caught it, and keeps what was swallowed
     * for {@link Timeout} to attach (ADR 0012). Only called when the scope was cancelled or a
     * cancellation of it was thrown, so a scope that nothing cancelled pays two field reads.
     */
    void noteSwallowed() {
        CancelledException thrown = deliveredHere() ? owner.delivered : null;
        owner.delivered = null;
        if (!absorbs()) {
            return; // an enclosing cancelled scope reports it
        }
        Throwable s = thrown;
        if (s == null && owner.interruptConsumed()) {
            s = new CancelledException(newCancelledException().getMessage() + "; weft interrupted the"
                    + " thread for it, and the body consumed the interrupt (a caught InterruptedException?)"
                    + " and returned normally");
        }
        if (s != null) {
            caught = true;
            swallowed = s;
            Flight.swallowed(this, s);
        }
    }

    /** Whether the last cancellation a weft call threw on the owner thread was this scope's. */
    private boolean deliveredHere() {
        CancelledException d = owner.delivered;
        return d != null && d.scope == this;
    }

    @SuppressWarnings("unchecked")
    static <X extends Throwable> X sneaky(Throwable t) throws X {
        throw (X) t;
    }

    /**
     * Cancels this scope and everything inside it that is not shielded. Idempotent; safe from any
     * thread; does nothing once the scope has ended.
     */
    public void cancel() {
        cancel(ScopeOutcome.EXPLICIT);
    }

    /**
     * Returns whether this scope is cancelled: {@link #cancel()} was called, its deadline passed,
     * or (for a task group's scope) a task failed.
     *
     * @return true once cancelled; never goes back to false
     */
    public boolean isCancelled() {
        return outcomeNow() != null;
    }

    /**
     * Returns whether this scope absorbed a {@link CancelledException} at its end.
     *
     * @return true if the body was stopped by this scope's own cancellation
     */
    public boolean cancelledCaught() {
        return caught;
    }

    /**
     * Returns this scope's own deadline, if it has one (enclosing scopes' deadlines are not
     * included; see {@link Timeout#remaining()} for the effective one).
     *
     * @return the deadline, or empty
     */
    public Optional<Deadline> deadline() {
        long d = deadline;
        return d == NO_DEADLINE ? Optional.empty() : Optional.of(Deadline.ofNanoTime(d));
    }

    /**
     * Moves this scope's deadline, earlier or later, while the scope runs (asyncio's
     * {@code reschedule}). A deadline already passed cancels the scope at once. Moving it later
     * does not undo a cancellation that already happened. No effect after the scope has ended.
     *
     * @param newDeadline the new deadline
     * @throws NullPointerException if null; use {@link #clearDeadline()} to remove it
     */
    public void setDeadline(Deadline newDeadline) {
        Args.nonNull(newDeadline, "newDeadline", "use clearDeadline() to remove the deadline");
        if (ended) {
            return;
        }
        long d = newDeadline.nanoTime();
        if (d == NO_DEADLINE) {
            d++;
        }
        deadline = d;
        if (d - Time.now() <= 0) {
            expire();
        } else {
            owner.arm(d);
        }
    }

    /** Removes this scope's deadline; a cancellation that already happened stays. */
    public void clearDeadline() {
        deadline = NO_DEADLINE;
    }

    /**
     * Runs {@code action} once when cancellation reaches code running directly in this scope:
     * this scope is cancelled (explicitly, by its deadline, or, for a task group, by a failure),
     * or an enclosing scope's cancellation reaches it (no shield in between). Use it to wake
     * something weft does not know about: close a socket, complete a future, signal a condition.
     *
     * <pre>{@code
     * try (CancelScope.Registration r = CancelScope.current().onCancel(call::abort)) {
     *     return call.await();            // a foreign blocking call that ignores interrupts
     * }
     * }</pre>
     *
     * <ul>
     * <li>If cancellation already reaches this scope, {@code action} runs at once, on the calling
     *     thread, before this method returns. Otherwise it runs on the thread that cancels (the
     *     caller of {@link #cancel()}, the deadline timer's thread, the thread of a failing task).
     * <li>It runs at most once, and never after {@link Registration#close()} has returned:
     *     {@code close()} racing a cancellation waits for an action already running on another
     *     thread to return (so do not close it while holding a lock the action takes). Closing
     *     is idempotent. Close it when the wait it guards is over, or the action stays registered
     *     until the scope ends.
     * <li>Once the scope has ended, the action never runs.
     * <li>An exception thrown by {@code action} is reported to the running thread's uncaught
     *     exception handler; it does not stop the cancellation nor other actions.
     * <li>Actions run while cancellation is being propagated: keep them short and non-blocking,
     *     and do not wait in them for the cancelled code.
     * </ul>
     *
     * @param action what to run
     * @return the registration; close it to unregister
     * @throws NullPointerException if {@code action} is null
     */
    public Registration onCancel(Runnable action) {
        Objects.requireNonNull(action, "action is null: pass what to run when the scope is cancelled");
        CancelCallbacks.Entry e = callbacks().add(action);
        if (ended) {
            e.close(); // nothing can reach code in an ended scope
        } else if (CancelStatus.cancelledFrom(this) != null) {
            e.fire();
        }
        return e;
    }

    /**
     * A registered {@link CancelScope#onCancel} action; {@link #close()} unregisters it.
     */
    public interface Registration extends AutoCloseable {
        /** Unregisters the action: after this returns it never runs. Idempotent; any thread. */
        @Override
        void close();
    }

    @Override
    public String toString() {
        return "CancelScope[" + label() + (outcome != null ? ", cancelled" : "")
                + (shield ? ", shield" : "") + (ended ? ", ended" : "") + "]";
    }
}
