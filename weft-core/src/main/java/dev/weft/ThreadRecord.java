package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The per-thread record of the kernel: a thread's chain of scopes, plus (in its layers) its
 * interrupt state ({@link ThreadInterrupts}) and its armed deadline ({@link ThreadDeadlines}).
 * Also the one place where a thread enters and leaves a {@link Context} ({@link #enterContext},
 * {@link #exitContext}, {@link #switchContextForStep}), so hooks that must see every such move
 * have a single choke point. See {@code docs/design.md}, section "Per-thread record".
 *
 * <h2>Implementation overview</h2>
 * The scopes a thread is in form a chain through {@link CancelScope#parent}: its own nested
 * scopes, then (for a task) the scopes of the thread that owns its group, and so on up to a
 * thread's root. The chain is immutable once linked; {@link #innermost} points at its bottom and
 * only the owner thread moves it, by {@link #push} and {@link #pop}. Pushing a non-shield scope
 * cannot make a thread less cancelled, so it is a plain volatile write; pushing a shield and
 * popping anything may, so they settle the interrupt under the monitor, except for popping a
 * non-shield scope when {@link #quiet()} (see {@link #pop}).
 *
 * <p>Layers are superclasses (not fields) so that a task costs one record object, as before
 * the split.
 *
 * <p>Fields: {@link #innermost} is written by the owning thread and read by any;
 * {@link #delegate} is written by the owner and read by cancellers; {@link #generators} is owner
 * only ({@link ScopeGenerators}).
 */
final class ThreadRecord extends ThreadDeadlines implements Runnable {
    private static final ThreadLocal<ThreadRecord> CURRENT = new ThreadLocal<>();
    private static final VarHandle DELEGATE;

    static {
        try {
            DELEGATE = MethodHandles.lookup().findVarHandle(ThreadRecord.class, "delegate", CancelScope.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The task this thread runs, or null for a thread weft did not start or a generator's. */
    final Task<?> task;
    /**
     * On a generator's thread, the task that consumes the current step (or null): written by the
     * consumer before it hands the step over (published by the hand-off's volatile phase write),
     * read in the step ({@link #currentTask()}).
     */
    Task<?> stepTask;
    volatile CancelScope innermost;
    /**
     * The root scope of a generator step this thread is waiting for, or null: the generator's
     * thread runs in this thread's place, so cancellation delivered here goes there too. Set with
     * a volatile store (the consumer then reads its chain: see {@code Generator.step}); cleared by
     * {@link #clearDelegate}.
     */
    volatile CancelScope delegate;
    /**
     * The last {@link CancelledException} a weft call threw on this thread, which names the scope
     * whose cancellation it was ({@link CancelledException#scope}): a deadline scope whose body
     * returns normally compares that scope with itself to see that its cancellation was swallowed
     * ({@link CancelScope#noteSwallowed}, ADR 0012). Owner thread only.
     */
    CancelledException delivered;
    /** Whether {@link TaskTreeWalker#list} has listed this record as a possible root; owner only. */
    boolean listed;
    /** Scope-bound generators that the scope at the key must close when it ends; owner only. */
    java.util.IdentityHashMap<CancelScope, java.util.List<Generator<?>>> generators;

    private ThreadRecord(Task<?> task, Thread thread) {
        super(thread);
        this.task = task;
    }

    /** A task's record, which makes the task's thread: the record is also what the thread runs. */
    private ThreadRecord(Task<?> task, String name) {
        super(name);
        this.task = task;
    }

    /**
     * What a task's thread runs: the task's body ({@link Task#run}), then its completion. The
     * record is the thread's {@link Runnable} so that a task costs no extra object for it
     * (ScaleRun's histogram). Timeline:
     * <ol>
     * <li>Install the thread record, apply an interrupt decided before the thread ran.
     * <li>Enter the task's context and run the body.
     * <li>Close the generators the task left open (their cleanup failure merges into the outcome).
     * <li>Leave the context before waking joiners: a joiner may enter it next.
     * <li>End the root scope, disarm the timer's link, drop any interrupt (the thread ends here).
     * <li>Classify (a failure outranks the cancellation carrying it) and complete: a failure is
     *     listed in the group before anyone can see the task FAILED (the group's list follows
     *     the order of occurrence), and joiners see FAILED before the group's cancellation
     *     reaches them (so {@code join} throws {@link TaskFailedException}, not a cancellation).
     * <li>Leave the group's live count (the last task wakes the group's owner).
     * </ol>
     * The steps after the body are {@link Task#finish}: only the first two are on a parked task's
     * stack, in this one frame ({@link Task#run} is inlined into it; ScaleRun's histogram: the
     * stack is most of a sleeping task's heap).
     */
    @Override
    public void run() {
        Task<?> t = task;
        startTask();
        Object flight = Flight.taskBegin();
        Context previous = null;
        boolean entered = false;
        Object v = null;
        Throwable outcome = null;
        try {
            previous = enterContext(t.context());
            entered = true;
            Bridging.taskStarted(t);
            v = t.run();
        } catch (Throwable e) {
            outcome = e;
        }
        t.finish(flight, entered, previous, v, outcome);
    }

    /** Returns the current thread's record, creating it with a root scope on first use. */
    static ThreadRecord current() {
        ThreadRecord r = CURRENT.get();
        if (r == null) {
            r = new ThreadRecord(null, Thread.currentThread());
            r.markStarted();
            r.innermost = new CancelScope(null, r, ScopeKind.THREAD, null, Thread.currentThread().getName());
            CURRENT.set(r);
        }
        return r;
    }

    /** Returns the current thread's record if it has one. */
    static ThreadRecord currentOrNull() {
        return CURRENT.get();
    }

    /**
     * Creates the record of a task and its thread (named after the task, not yet started); its
     * root scope is {@code task.root}.
     */
    static ThreadRecord forTask(Task<?> task) {
        return new ThreadRecord(task, task.name());
    }

    /** Creates the record of a generator's thread, not yet started. */
    static ThreadRecord forGenerator(Thread thread) {
        return new ThreadRecord(null, thread);
    }

    /** First thing in a task's thread: installs the record and applies a pending interrupt. */
    void startTask() {
        CURRENT.set(this);
        startWithPendingInterrupt();
    }

    /** First thing in a generator's thread: installs the record. */
    void startGenerator() {
        CURRENT.set(this);
        markStarted();
    }

    /** Last thing weft does on a task's or generator's thread. */
    void endThread() {
        Parking.threadEnded(thread);
    }

    /**
     * Clears {@link #delegate} after a generator step, with no fence: a canceller that still
     * reads the old step scope reaches a step that has ended, as one that read it just before
     * the clear does, and the generator's thread keeps that interrupt for its next step
     * ({@code docs/design.md}, memory-ordering argument 12). Owner thread.
     */
    void clearDelegate() {
        DELEGATE.setOpaque(this, (CancelScope) null);
    }

    /** The task the code on this thread runs for: its own, or a generator step's consumer's. */
    Task<?> currentTask() {
        return task != null ? task : stepTask;
    }

    @Override
    CancelScope innermost() {
        return innermost;
    }

    // ---- the chain ----

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
     * Leaves {@code scope}, which must be the innermost one, and ends it. Owner thread only.
     *
     * <p>Fast path, without the monitor: leaving a scope other than a shield when no interrupt is
     * pending and no {@link #deliver} is running. It writes {@link #innermost} and then reads the
     * interrupt state and the delivering flag ({@link #quiet()}); {@code deliver} writes the flag
     * and then reads {@code innermost} (all volatile), so either this sees the delivery and takes
     * the slow path, or the delivery sees the scope gone and sends nothing.
     */
    void pop(CancelScope scope) {
        if (innermost != scope) {
            throw new IllegalStateException("cancel scope " + scope + " ends while an inner scope ("
                    + innermost + ") is still open: scopes must nest");
        }
        if (!scope.shield) {
            innermost = scope.parent;
            if (quiet()) {
                scope.end();
                return;
            }
        }
        synchronized (this) {
            scope.end();
            innermost = scope.parent;
            settle();
        }
    }

    /**
     * Starts a generator step: the chain becomes {@code stepRoot} (whose parent is the consumer's
     * innermost scope), and the interrupt state is made to agree with it. Generator thread only.
     *
     * <p>Fast path, without the monitor, as in {@link #pop}: when the thread has no interrupt
     * pending, no {@link #deliver} runs and the new chain is not cancelled, there is nothing to
     * settle. It writes {@link #innermost} and then reads the interrupt state, the delivering flag
     * and the chain (all volatile); a canceller marks its scope and then delivers, which writes
     * the flag and then reads {@code innermost}; so either this sees the cancellation or the
     * delivery, or the delivery sees the new chain and interrupts this thread itself.
     *
     * <p>A step that reuses the last step's scope writes nothing and does not read the chain:
     * that scope stayed innermost while the thread was suspended (a yield requires it), so every
     * delivery, whenever it runs, sees this chain; and the consumer published its
     * {@link #delegate} and then read the chain ({@code cancelledAtHandOff}), while a canceller
     * marks a scope and then reads the delegate, so either the consumer saw the mark or the
     * canceller follows the delegate here and delivers. Not reading the consumer's scopes keeps
     * their lines, which the consumer writes beside (its record), out of this thread's cache
     * (QueueBaselineBenchmark.generatorWeft).
     */
    void beginStep(CancelScope stepRoot, boolean cancelledAtHandOff) {
        if (innermost != stepRoot) {
            innermost = stepRoot;
            if (quiet() && !isCancelled()) {
                return;
            }
        } else if (quiet() && !cancelledAtHandOff) {
            return;
        }
        synchronized (this) {
            settle();
        }
    }

    /**
     * Ends a generator step: takes back any weft interrupt before the thread parks at a yield.
     * Without the monitor when none is pending and no delivery runs ({@link #quiet()}): a delivery
     * that starts after that check interrupts the suspended thread, exactly as one that starts
     * after the monitor's release would; the next {@link #beginStep} settles it.
     */
    void endStep() {
        if (!quiet()) {
            dropInterrupt();
        }
    }

    @Override
    boolean isCancelled() {
        return CancelStatus.cancelledFrom(innermost) != null;
    }

    /** The earliest deadline on the chain up to the nearest shield, or {@link ScopeNode#NO_DEADLINE}. */
    long effectiveDeadline() {
        return CancelStatus.effectiveDeadline(innermost);
    }

    /**
     * Throws {@link CancelledException} if the thread is cancelled or was interrupted from
     * outside weft. A weft interrupt still pending is consumed; a foreign one stays set.
     */
    void checkpoint() {
        dev.weft.internal.Checkpoints.reached(); // the cancellation fuzzer's hook; a null check when unused
        CancelScope by = CancelStatus.cancelledFrom(innermost);
        if (by != null) {
            // The message first: naming a passed deadline publishes it, which may deliver an
            // interrupt to this very thread; consuming after takes that one back too.
            CancelledException e = by.newCancelledException();
            e.scope = by;
            consumeInterrupt();
            delivered = e;
            throw e;
        }
        if (Thread.currentThread().isInterrupted() && !consumeInterrupt()) {
            throw new CancelledException("thread '" + Thread.currentThread().getName()
                    + "' was interrupted: an interrupt from outside weft cancels the thread's weft calls");
        }
    }

    /** Forgets {@code e} as delivered: weft caught it itself and the caller's code never saw it. */
    void undeliver(CancelledException e) {
        if (delivered == e) {
            delivered = null;
        }
    }

    /**
     * A scope is absorbing a cancellation: what was delivered so far has reached a scope's end,
     * so it is not a swallowed cancellation for an enclosing deadline scope. Owner thread.
     */
    void absorbed() {
        delivered = null;
        interruptAccountedFor();
    }

    // ---- the context choke point ----

    /** Makes {@code context} current on this thread; returns the previous one for {@link #exitContext}. */
    static Context enterContext(Context context) {
        return context.enter();
    }

    /** Restores {@code previous} on this thread and releases {@code context}. */
    static void exitContext(Context context, Context previous) {
        context.exit(previous);
    }

    /**
     * Makes {@code context} current on a generator's thread without entering it (the consumer has
     * it entered and waits meanwhile), or none when null, as a step starts or ends.
     */
    static void switchContextForStep(Context context) {
        Context.setCurrentForStep(context);
    }

    /**
     * Whether {@code context} is the current thread's current one (null: the thread has none);
     * a generator's thread asks at a yield whether the body left the step's context current.
     */
    static boolean isCurrentContext(Context context) {
        return Context.currentOrNull() == context;
    }
}
