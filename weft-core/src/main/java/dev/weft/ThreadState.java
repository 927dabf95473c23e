package dev.weft;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The cancellation state of one thread: its innermost {@link CancelScope} and whether weft has
 * interrupted it.
 *
 * <h2>Implementation overview</h2>
 * The scopes a thread is in form a chain through {@link CancelScope#parent}: its own nested
 * scopes, then (for a task) the scopes of the thread that owns its group, and so on up to a
 * thread's root. The chain is immutable once linked; {@link #innermost} points at its bottom.
 * A thread is <em>cancelled</em> when a scope on its chain, up to and including the nearest
 * shield, is cancelled or past its deadline ({@link #isCancelled()}); weft's blocking calls check
 * this every time (level-triggered).
 *
 * <p>Threads blocked in JDK calls learn of cancellation by an interrupt, sent once per
 * cancellation (edge) and tracked by {@link #interrupt}:
 * <pre>
 *   NONE ──deliver()──▶ DELIVERED ──a weft call consumes the flag──▶ CONSUMED
 *     │                     │                                          │
 *     │ (flag already set by someone else: not ours to clear)          │
 *     └──deliver()──▶ FOREIGN                                          │
 *     ▲                                                                │
 *     └──── settle(): the thread is no longer cancelled (scope exit, shield entry) ─┘
 *                 (clears the flag first if, and only if, DELIVERED)
 * </pre>
 * Invariant: the interrupt is sent only while holding this object's monitor and only after
 * re-checking, under it, that the thread is cancelled; every change that can make the thread
 * <em>not</em> cancelled (entering a shield, leaving a scope) either happens under the same
 * monitor and then settles the flag, or (leaving a non-shield scope with nothing pending, the
 * fast path of {@link #pop}) is ordered against a running delivery by the volatile
 * {@link #delivering} flag. So "is it shielded?" and "interrupt it" are one atomic step, a
 * shielded region never receives weft's interrupt (which would close a virtual thread's socket),
 * and an interrupt never outlives the cancelled scope that caused it ({@code ShieldTest},
 * {@code InterruptLeakTest}). Pushing a non-shield scope cannot make a thread less cancelled, so
 * it is a plain volatile write.
 *
 * <p>An interrupt weft did not send (e.g. {@code shutdownNow}) is a set flag that
 * {@link #consumeInterrupt} does not own: weft calls throw {@link CancelledException} and leave
 * the flag set, so the interrupt stays visible to the caller; weft records FOREIGN instead of
 * interrupting a thread whose flag is already set, and never clears it.
 *
 * <p>Deadlines: {@link #armed} is the one deadline this thread has registered with the
 * {@link DeadlineTimer}; {@link #fire} expires due scopes and re-arms. {@link #wakeAt} is when a
 * parked weft call wants the timer to wake it.
 *
 * <p>Fields: {@link #innermost} is written by the owning thread and read by any;
 * {@link #interrupt} is written under the monitor and read by any (volatile); {@link #started}
 * and {@link #thread} are guarded by the monitor; {@link #armed} is CAS'd by any thread.
 */
final class ThreadState {
    private static final ThreadLocal<ThreadState> CURRENT = new ThreadLocal<>();

    static final int NONE = 0;
    static final int DELIVERED = 1;
    static final int CONSUMED = 2;
    /** Weft would have interrupted, but the flag was already set by a foreign interrupt. */
    static final int FOREIGN = 3;

    /** The task this thread runs, or null for a thread weft did not start. */
    final Task<?> task;
    volatile CancelScope innermost;
    /**
     * The root scope of a generator step this thread is waiting for, or null: the generator's
     * thread runs in this thread's place, so cancellation delivered here goes there too.
     * Written by the owner thread, read by cancellers.
     */
    volatile CancelScope delegate;
    /** Scope-bound generators that the scope at the key must close when it ends; owner thread only. */
    java.util.IdentityHashMap<CancelScope, java.util.List<Generator<?>>> generators;
    private Thread thread;
    private boolean started;
    /** The interrupt state; written under the monitor, read without it by {@link #pop}'s fast path. */
    private volatile int interrupt;
    /** True while {@link #deliver} runs; read by {@link #pop}'s fast path. */
    private volatile boolean delivering;
    /**
     * The deadline registered with the {@link DeadlineTimer} for this thread's scopes, or
     * NO_DEADLINE. It only moves earlier while registered: a scope with a later deadline needs no
     * registration, since when the armed one fires {@link #fire} re-arms for the earliest deadline
     * still on the chain. Any thread.
     */
    private volatile long armed = CancelScope.NO_DEADLINE;
    /**
     * What the timer's entries for this thread point at, instead of this object: a task that ends
     * cuts the link ({@link #disarm}), so an entry waiting in the timer's heap for a deadline
     * seconds away does not keep the finished task, its thread and its captured request alive
     * (the demo server retained tens of thousands of them and spent 100+ ms in young GCs).
     */
    static final class Arm {
        volatile ThreadState state;

        Arm(ThreadState state) {
            this.state = state;
        }
    }

    final Arm arm = new Arm(this);

    /** When a weft call parked in {@link #await} wants to wake up by itself, or NO_DEADLINE. Owner writes. */
    private volatile long wakeAt = CancelScope.NO_DEADLINE;

    private static final java.lang.invoke.VarHandle ARMED;

    static {
        try {
            ARMED = java.lang.invoke.MethodHandles.lookup().findVarHandle(ThreadState.class, "armed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ThreadState(Task<?> task) {
        this.task = task;
    }

    /** Returns the current thread's state, creating it with a root scope on first use. */
    static ThreadState current() {
        ThreadState ts = CURRENT.get();
        if (ts == null) {
            ts = new ThreadState(null);
            ts.thread = Thread.currentThread();
            ts.started = true;
            ts.innermost = CancelScope.root(ts);
            CURRENT.set(ts);
        }
        return ts;
    }

    /** Returns the current thread's state if it has one. */
    static ThreadState currentOrNull() {
        return CURRENT.get();
    }

    /** Creates the state of a task's thread, not yet started. */
    static ThreadState forTask(Task<?> task, Thread thread) {
        ThreadState ts = new ThreadState(task);
        ts.thread = thread;
        return ts;
    }

    /** Called first thing in a task's thread: installs the state and applies a pending interrupt. */
    void start() {
        CURRENT.set(this);
        synchronized (this) {
            started = true;
            if (interrupt == NONE && isCancelled()) {
                interrupt = DELIVERED;
            }
            if (interrupt == DELIVERED) {
                if (thread.isInterrupted()) {
                    interrupt = FOREIGN;
                } else {
                    thread.interrupt();
                }
            }
        }
    }

    Thread thread() {
        return thread;
    }

    /** Creates the state of a generator's thread, not yet started. */
    static ThreadState forGenerator(Thread thread) {
        ThreadState ts = new ThreadState(null);
        ts.thread = thread;
        return ts;
    }

    /** Installs this state in the current thread, for a generator's thread. */
    void install() {
        CURRENT.set(this);
        synchronized (this) {
            started = true;
        }
    }

    /**
     * Starts a generator step: the chain becomes {@code stepRoot} (whose parent is the consumer's
     * innermost scope), and the interrupt state is made to agree with it. Generator thread only.
     */
    synchronized void beginStep(CancelScope stepRoot) {
        innermost = stepRoot;
        settle();
    }

    /** Ends a generator step: takes back any weft interrupt before the thread parks at a yield. */
    synchronized void endStep() {
        if (interrupt == DELIVERED) {
            Thread.interrupted();
        }
        interrupt = NONE;
    }

    /** Registers {@code g} to be closed when the scope that owns it ends; see {@link #closingScope}. */
    void bind(Generator<?> g, CancelScope scope) {
        if (generators == null) {
            generators = new java.util.IdentityHashMap<>();
        }
        java.util.List<Generator<?>> list = generators.computeIfAbsent(scope, k -> new java.util.ArrayList<>());
        if (list.size() >= 16 && Integer.bitCount(list.size()) == 1) {
            list.removeIf(Generator::isDone); // a long-lived scope that closes its generators stays small
        }
        list.add(g);
    }

    /**
     * Closes the generators bound to {@code scope} that their users left open, in this thread.
     *
     * @return the first cleanup failure (later ones suppressed), or null
     */
    Throwable closeGenerators(CancelScope scope, String scopeName) {
        Throwable first = null;
        for (Generator<?> g : unbind(scope)) {
            try {
                g.closeAtScopeEnd(scopeName);
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                } else {
                    first.addSuppressed(t);
                }
            }
        }
        return first;
    }

    /** The scope whose end closes generators created now: the innermost task group or task root. */
    CancelScope closingScope() {
        for (CancelScope s = innermost; s != null && s.owner == this; s = s.parent) {
            if (s.group != null || (task != null && s == task.root)) {
                return s;
            }
        }
        return null; // a thread weft did not start, outside any group: nothing ends to close it
    }

    /** Removes and returns the generators bound to {@code scope}. */
    java.util.List<Generator<?>> unbind(CancelScope scope) {
        if (generators == null) {
            return java.util.List.of();
        }
        java.util.List<Generator<?>> list = generators.remove(scope);
        return list == null ? java.util.List.of() : list;
    }

    /** Enters {@code scope}, whose parent is the current innermost scope. Owner thread only. */
    void push(CancelScope scope) {
        assert scope.parent == innermost : "scope pushed out of order";
        if (!scope.shield) {
            innermost = scope;
            return;
        }
        synchronized (this) {
            innermost = scope;
            settle();
        }
    }

    /**
     * Leaves {@code scope}, which must be the innermost one. Owner thread only.
     *
     * <p>Fast path, without the monitor: leaving a scope other than a shield when no interrupt is
     * pending and no {@link #deliver} is running. It writes {@link #innermost} and then reads
     * {@link #interrupt} and {@link #delivering}; {@code deliver} writes {@code delivering} and
     * then reads {@code innermost} (all volatile), so either this sees the delivery and takes the
     * slow path, or the delivery sees the scope gone and sends nothing.
     */
    void pop(CancelScope scope) {
        if (innermost != scope) {
            throw new IllegalStateException("cancel scope " + scope + " is exited while an inner scope ("
                    + innermost + ") is still open: scopes must nest");
        }
        if (!scope.shield) {
            innermost = scope.parent;
            if (interrupt == NONE && !delivering) {
                scope.closed = true;
                return;
            }
        }
        synchronized (this) {
            scope.closed = true;
            innermost = scope.parent;
            settle();
        }
    }

    /** Makes the interrupt state agree with whether the thread is cancelled. Holds the monitor. */
    private void settle() {
        assert Thread.holdsLock(this);
        boolean cancelled = isCancelled();
        if (!cancelled && interrupt != NONE) {
            if (interrupt == DELIVERED) {
                Thread.interrupted();
            }
            interrupt = NONE;
        } else if (cancelled && interrupt == NONE) {
            if (Thread.currentThread().isInterrupted()) {
                interrupt = FOREIGN;
            } else {
                interrupt = DELIVERED;
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Interrupts the thread if it is cancelled and has not been interrupted for it yet. Any thread. */
    synchronized void deliver() {
        delivering = true;
        try {
            if (interrupt == NONE && isCancelled()) {
                if (!started) {
                    interrupt = DELIVERED; // applied by start()
                } else if (thread.isInterrupted()) {
                    interrupt = FOREIGN;
                } else {
                    interrupt = DELIVERED;
                    thread.interrupt();
                }
            }
        } finally {
            delivering = false;
        }
    }

    /** Makes sure the timer wakes this thread's scopes by {@code deadline}. Any thread. */
    void arm(long deadline) {
        for (;;) {
            long a = armed;
            if (a != CancelScope.NO_DEADLINE && a - deadline <= 0) {
                return; // an earlier (or equal) deadline is armed: its firing re-arms for this one
            }
            if (ARMED.compareAndSet(this, a, deadline)) {
                DeadlineTimer.register(arm, deadline);
                return;
            }
        }
    }

    /** Whether a timer entry for {@code deadline} is still the one armed for this thread. */
    boolean armedAt(long deadline) {
        return armed == deadline;
    }

    /** Forgets the armed deadline and cuts the timer's link to this state: the thread is ending. */
    void disarm() {
        armed = CancelScope.NO_DEADLINE;
        arm.state = null;
    }

    /**
     * Called by the timer when {@code deadline}, armed for this thread, has come: expires this
     * thread's scopes whose deadline has passed and re-arms for the earliest one left.
     */
    void fire(long deadline) {
        if (!ARMED.compareAndSet(this, deadline, CancelScope.NO_DEADLINE)) {
            return; // re-armed earlier or disarmed meanwhile
        }
        long now = System.nanoTime();
        long next = CancelScope.NO_DEADLINE;
        for (CancelScope s = innermost; s != null && s.owner == this; s = s.parent) {
            long d = s.deadline;
            if (d == CancelScope.NO_DEADLINE) {
                continue;
            }
            if (d - now <= 0) {
                s.expire();
            } else if (next == CancelScope.NO_DEADLINE || d - next < 0) {
                next = d;
            }
        }
        long w = wakeAt;
        if (w != CancelScope.NO_DEADLINE) {
            if (w - now <= 0) {
                LockSupport.unpark(thread);
            } else if (next == CancelScope.NO_DEADLINE || w - next < 0) {
                next = w;
            }
        }
        if (next != CancelScope.NO_DEADLINE) {
            arm(next);
        }
    }

    /**
     * Takes back the interrupt weft sent, if it is still pending. Owner thread only. Call it when
     * the thread's flag is (or was just) set: false means the flag is a foreign interrupt.
     *
     * @return true if the thread's interrupt flag was weft's
     */
    boolean consumeInterrupt() {
        if (interrupt != DELIVERED) {
            return false; // only deliver() sets DELIVERED, and never for a thread that holds the flag
        }
        synchronized (this) {
            if (interrupt == DELIVERED) {
                Thread.interrupted();
                interrupt = CONSUMED;
                return true;
            }
            return false;
        }
    }

    /**
     * Whether {@code t}, thrown out of code running in this thread, is a cancellation: a
     * {@link CancelledException}, or an exception that a weft interrupt caused in a JDK call
     * (InterruptedException, ClosedByInterruptException, an interrupted socket or I/O call)
     * while the thread is cancelled. Anything else is a failure, even during cancellation.
     */
    boolean isCancellation(Throwable t) {
        return t instanceof CancelledException || (causedByInterrupt(t) && isCancelled());
    }

    /**
     * The first failure suppressed into cancellation {@code t}, e.g. by a try-with-resources whose
     * {@code close()} threw while the cancellation propagated (TG-24), or null. Such a failure must
     * not be absorbed with the cancellation that carries it.
     */
    Throwable suppressedFailure(Throwable t) {
        for (Throwable s : t.getSuppressed()) {
            if (!isCancellation(s)) {
                return s;
            }
        }
        return null;
    }

    static boolean causedByInterrupt(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof InterruptedException
                    || t instanceof java.nio.channels.ClosedByInterruptException
                    || (t instanceof java.io.InterruptedIOException && !(t instanceof java.net.SocketTimeoutException))
                    || (t instanceof java.net.SocketException && String.valueOf(t.getMessage()).contains("by interrupt"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a scope on the chain, up to the nearest shield, is cancelled or expired. */
    boolean isCancelled() {
        return CancelScope.cancelledFrom(innermost) != null;
    }

    /** The earliest deadline on the chain up to the nearest shield, or {@link CancelScope#NO_DEADLINE}. */
    long effectiveDeadline() {
        long d = CancelScope.NO_DEADLINE;
        for (CancelScope s = innermost; s != null; s = s.parent) {
            long sd = s.deadline;
            if (sd != CancelScope.NO_DEADLINE && (d == CancelScope.NO_DEADLINE || sd - d < 0)) {
                d = sd;
            }
            if (s.shield) {
                break;
            }
        }
        return d;
    }

    /**
     * Throws {@link CancelledException} if the thread is cancelled or was interrupted from
     * outside weft. A weft interrupt still pending is consumed; a foreign one stays set.
     */
    void checkpoint() {
        CancelScope by = CancelScope.cancelledFrom(innermost);
        if (by != null) {
            consumeInterrupt();
            throw by.newCancelledException();
        }
        if (Thread.currentThread().isInterrupted() && !consumeInterrupt()) {
            throw new CancelledException("thread '" + Thread.currentThread().getName()
                    + "' was interrupted: an interrupt from outside weft cancels the thread's weft calls");
        }
    }

    /**
     * Blocks until {@code done} is true or {@code until} (a nanoTime, or NO_DEADLINE) passes,
     * throwing {@link CancelledException} when the thread is cancelled. Whoever makes {@code done}
     * true must unpark this thread.
     *
     * @return true when done, false when {@code until} passed first
     */
    boolean await(BooleanSupplier done, long until, Object blocker) {
        try {
            for (;;) {
                if (done.getAsBoolean()) {
                    return true;
                }
                checkpoint();
                if (until != CancelScope.NO_DEADLINE) {
                    if (until - System.nanoTime() <= 0) {
                        return done.getAsBoolean();
                    }
                    wakeAt = until;
                    arm(until);
                }
                // Untimed: woken by whoever makes done true, by weft's interrupt (cancellation,
                // including a scope's deadline, which the timer fires), or by the timer at until.
                // A timed park would enter the JDK's timer queue, whose cancellation made waking
                // 1 000 000 cancelled sleepers take seconds longer (ScaleRun).
                LockSupport.park(blocker);
            }
        } finally {
            if (until != CancelScope.NO_DEADLINE) {
                wakeAt = CancelScope.NO_DEADLINE;
            }
        }
    }

}
