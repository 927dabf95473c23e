package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
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
 *     {@code BlockingQueue}, a socket, {@code HttpClient.send}) is interrupted, once.
 * <li>Absorbing: the outermost cancelled scope that a {@link CancelledException} passes through
 *     absorbs it: {@link #run} then returns null and {@link #cancelledCaught()} is true. An inner
 *     cancelled scope lets it pass when an outer one is cancelled too.
 * <li>A cancellation never delivered (the body finished first) does not leak out of the scope.
 * <li>No interrupt leaks: once a scope has exited, the thread's interrupt flag is what it would be
 *     without weft; an interrupt from outside weft is preserved.
 * <li>Shield: inside {@link #shield}, cancellation of enclosing scopes is held back (no exception,
 *     no interrupt); it is delivered when the shield exits, which throws
 *     {@link CancelledException} if an enclosing scope was cancelled meanwhile. Deadlines set
 *     inside the shield still work.
 * <li>{@link #cancel()} after the scope has exited does nothing; so does {@link #setDeadline}.
 * </ul>
 *
 * <h2>Implementation overview</h2>
 * A scope is a node of one tree that spans threads: {@link #parent} is the scope that enclosed it
 * when it was entered (for a task's root scope, its group's scope, owned by another thread).
 * Cancelling writes {@link #reason} (first reason wins) and then walks down the tree
 * ({@link #propagate}): the owner thread's chain from this scope to its innermost scope, stopping
 * at a shield, and into every task of every task group met on the way, asking each thread to
 * {@linkplain ThreadState#deliver re-check and interrupt itself}. A task spawned concurrently is
 * not missed: spawn adds the task to its group's concurrent set before the task checks its chain,
 * and cancel writes {@link #reason} (volatile) before reading that set, so one of the two sees the
 * other. Fields: {@link #reason}, {@link #deadline} and
 * {@link #closed} are written by any thread and read by any; {@link #caught} by the owner only.
 */
public final class CancelScope {
    static final long NO_DEADLINE = Long.MIN_VALUE;

    static final int NOT_CANCELLED = 0;
    static final int EXPLICIT = 1;
    static final int DEADLINE = 2;
    /** A task of this scope's group failed. */
    static final int FAILURE = 3;
    /** The group's body was stopped by an enclosing cancellation or a foreign interrupt. */
    static final int ABORT = 4;

    private static final VarHandle REASON;

    static {
        try {
            REASON = MethodHandles.lookup().findVarHandle(CancelScope.class, "reason", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final CancelScope parent;
    final ThreadState owner;
    final boolean shield;
    /** The group whose scope this is, or null. */
    final TaskGroup group;
    /** What this scope is, for messages: a constant word, and a detail (a name, a budget) or null. */
    private final String kind;
    private final Object detail;

    volatile int reason;
    volatile long deadline;
    volatile boolean closed;
    private boolean caught;
    /** What this scope absorbed: a CancelledException or an interrupt-caused exception. Owner only. */
    Throwable stoppedBy;
    private String failedTask;

    CancelScope(CancelScope parent, ThreadState owner, boolean shield, TaskGroup group, String kind, Object detail) {
        this.parent = parent;
        this.owner = owner;
        this.shield = shield;
        this.group = group;
        this.kind = kind;
        this.detail = detail;
        this.deadline = NO_DEADLINE;
    }

    static CancelScope root(ThreadState owner) {
        return new CancelScope(null, owner, false, null, "thread", Thread.currentThread().getName());
    }

    /** The scope's description, built only for messages (BENCH: no string per scope on the hot path). */
    String label() {
        if (detail == null) {
            return kind;
        }
        return detail instanceof java.time.Duration d ? kind + " of " + d : kind + " '" + detail + "'";
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
        return enter(false, NO_DEADLINE, "CancelScope", null).runBody(body);
    }

    /**
     * Runs {@code body} shielded from the cancellation of enclosing scopes: nothing inside is
     * cancelled or interrupted by them. If an enclosing scope was cancelled meanwhile, the
     * cancellation is delivered as the shield exits.
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
        CancelScope s = enter(true, NO_DEADLINE, "shield", null);
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
        return ThreadState.current().innermost;
    }

    static CancelScope enter(boolean shield, long deadline, String kind, Object detail) {
        ThreadState ts = ThreadState.current();
        CancelScope s = new CancelScope(ts.innermost, ts, shield, null, kind, detail);
        s.deadline = deadline;
        ts.push(s);
        if (deadline != NO_DEADLINE) {
            ts.arm(deadline);
        }
        return s;
    }

    /** Runs the body of a scope entered with {@link #enter}, then exits it. Owner thread only. */
    <R, X extends Throwable> R runBody(Body<R, X> body) throws X {
        R result;
        try {
            result = body.run(this);
        } catch (Throwable t) {
            boolean absorb = owner.isCancellation(t) && absorbs();
            owner.pop(this);
            if (absorb) {
                Throwable failure = owner.suppressedFailure(t);
                if (failure != null) {
                    throw CancelScope.<RuntimeException>sneaky(failure); // a failure outranks the cancellation
                }
                caught = true;
                stoppedBy = t;
                return null;
            }
            throw t;
        }
        owner.pop(this);
        return result;
    }

    @SuppressWarnings("unchecked")
    static <X extends Throwable> X sneaky(Throwable t) throws X {
        throw (X) t;
    }

    /** Whether a CancelledException reaching this scope's exit stops here. */
    boolean absorbs() {
        int r = reasonNow();
        if (r == NOT_CANCELLED || r == ABORT) {
            return false;
        }
        return shield || cancelledFrom(parent) == null;
    }

    /** The reason, noting a deadline that has passed but not yet fired. */
    private int reasonNow() {
        int r = reason;
        if (r == NOT_CANCELLED && expired()) {
            REASON.compareAndSet(this, NOT_CANCELLED, DEADLINE);
            r = reason;
        }
        return r;
    }

    private boolean expired() {
        long d = deadline;
        return d != NO_DEADLINE && d - System.nanoTime() <= 0;
    }

    /** The first cancelled or expired scope from {@code s} up to the nearest shield, or null. */
    static CancelScope cancelledFrom(CancelScope s) {
        long now = 0;
        boolean haveNow = false;
        for (; s != null; s = s.parent) {
            if (s.reason != NOT_CANCELLED) {
                return s;
            }
            long d = s.deadline;
            if (d != NO_DEADLINE) {
                if (!haveNow) {
                    now = System.nanoTime();
                    haveNow = true;
                }
                if (d - now <= 0) {
                    return s;
                }
            }
            if (s.shield) {
                return null;
            }
        }
        return null;
    }

    /**
     * Cancels this scope and everything inside it that is not shielded. Idempotent; safe from any
     * thread; does nothing once the scope has exited.
     */
    public void cancel() {
        cancel(EXPLICIT);
    }

    void cancel(int why) {
        if (!closed && REASON.compareAndSet(this, NOT_CANCELLED, why)) {
            propagate(this);
        }
    }

    void cancelForFailure(String taskName) {
        if (!closed && REASON.compareAndSet(this, NOT_CANCELLED, FAILURE)) {
            failedTask = taskName;
            propagate(this);
        }
    }

    /** Called by the deadline timer: cancels with reason DEADLINE if the deadline really passed. */
    void expire() {
        if (!closed && expired() && REASON.compareAndSet(this, NOT_CANCELLED, DEADLINE)) {
            propagate(this);
        }
    }

    /** Asks every thread inside {@code s}, up to shields, to re-check and take its interrupt. */
    static void propagate(CancelScope s) {
        ThreadState ts = s.owner;
        List<CancelScope> path = new ArrayList<>(4);
        for (CancelScope x = ts.innermost; x != null; x = x.parent) {
            path.add(x);
            if (x == s) {
                break;
            }
        }
        if (path.getLast() == s) {
            for (int i = path.size() - 1; i >= 0; i--) {
                CancelScope x = path.get(i);
                if (x != s && x.shield) {
                    break;
                }
                if (x.group != null) {
                    for (Task<?> t : x.group.liveTasks()) {
                        propagate(t.root);
                    }
                }
            }
        }
        ts.deliver();
        CancelScope step = ts.delegate;
        if (step != null) {
            propagate(step);
        }
    }

    /**
     * Returns whether this scope is cancelled: {@link #cancel()} was called or its deadline passed.
     *
     * @return true once cancelled; never goes back to false
     */
    public boolean isCancelled() {
        return reasonNow() != NOT_CANCELLED;
    }

    /**
     * Returns whether this scope absorbed a {@link CancelledException} at its exit.
     *
     * @return true if the body was stopped by this scope's own cancellation
     */
    public boolean cancelledCaught() {
        return caught;
    }

    void markCaught() {
        caught = true;
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
     * does not undo a cancellation that already happened. No effect after the scope has exited.
     *
     * @param newDeadline the new deadline
     * @throws NullPointerException if null; use {@link #clearDeadline()} to remove it
     */
    public void setDeadline(Deadline newDeadline) {
        Args.nonNull(newDeadline, "newDeadline", "use clearDeadline() to remove the deadline");
        if (closed) {
            return;
        }
        long d = newDeadline.nanoTime();
        if (d == NO_DEADLINE) {
            d++;
        }
        deadline = d;
        if (d - System.nanoTime() <= 0) {
            expire();
        } else {
            owner.arm(d);
        }
    }

    /** Removes this scope's deadline; a cancellation that already happened stays. */
    public void clearDeadline() {
        deadline = NO_DEADLINE;
    }

    CancelledException newCancelledException() {
        int r = reasonNow();
        String why = switch (r) {
            case DEADLINE -> "deadline of " + label() + " passed";
            case FAILURE -> label() + " was cancelled because " + failedTask + " failed";
            case ABORT -> label() + " was cancelled from outside";
            default -> label() + " was cancelled";
        };
        return new CancelledException(why);
    }

    @Override
    public String toString() {
        return "CancelScope[" + label() + (reason != NOT_CANCELLED ? ", cancelled" : "")
                + (shield ? ", shield" : "") + (closed ? ", exited" : "") + "]";
    }
}
