package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Structured concurrency: a body that spawns tasks, and does not return until every one of them
 * has completed, as asyncio's {@code TaskGroup} and Trio's nursery.
 *
 * <pre>{@code
 * List<String> pages = TaskGroup.run(g -> {
 *     Task<String> a = g.spawn(() -> fetch(urlA));
 *     Task<String> b = g.spawn(() -> fetch(urlB));
 *     return List.of(a.join(), b.join());
 * });
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>The body and every task run under the group's cancel scope, nested in the scope where
 *     {@link #run} was called. Each task runs on its own virtual thread, in a copy of its
 *     spawner's context taken at spawn time, or in exactly the context given to
 *     {@link #spawn(Callable, Context)}.
 * <li>The group waits for every task on every path: success, failure, cancellation, the body
 *     throwing.
 * <li>The first failure (of a task or of the body) cancels the body and every other task. The
 *     group then throws one {@link ExceptionGroup} holding every failure in the order they happened
 *     (the body's included), never a task's {@link CancelledException}.
 * <li>{@link #cancel()} stops the body and every task; {@link #run} then returns normally (the
 *     body's value if it returned, else null).
 * <li>When an enclosing scope is cancelled, the group is cancelled and {@link #run} throws
 *     {@link CancelledException} (unless tasks failed: then the {@link ExceptionGroup}), even if
 *     the body had returned: the group's exit is a weft blocking call.
 * <li>An interrupt from outside weft (e.g. {@code shutdownNow}) on the thread that owns the group
 *     cancels the group; {@link #run} throws {@link CancelledException} and the interrupt flag
 *     stays set.
 * <li>Spawning works from any thread while the group is open, including threads that are not
 *     part of the group: a server's acceptor can hand work to a group it does not own. The task's
 *     context is a copy of the spawning thread's context; its cancellation comes from the group.
 *     A task spawned into a cancelled group starts, and its first weft blocking call throws.
 *     Spawning after the group has ended throws {@link IllegalStateException}.
 * </ul>
 *
 * <h2>Implementation overview</h2>
 * No blocking lock: a server's acceptor spawns while thousands of tasks end, and a contended
 * monitor or {@code ReentrantLock} here put the spawning thread to sleep (the demo server's tail
 * latency; TaskGroupBenchmark). {@link #live} holds the number of live tasks, a CLOSED bit and a
 * LINKING bit. Spawn increments the count with a CAS that fails once CLOSED is set, a task's
 * completion decrements it, and the owner sets CLOSED with a CAS from exactly zero, after the
 * body, so no task can join an ended group. The owner waits in {@link #awaitTasks}
 * ({@link Parking#awaitUninterruptibly}): it publishes {@link #waiter} and then re-reads the
 * count, the last task decrements the count and then reads {@link #waiter} (all volatile), so
 * the wake-up is never lost. Failures go to a concurrent FIFO queue, in the order they were
 * recorded. The exit is written as a numbered timeline in {@link #run(String, Body)}; the kernel
 * is mapped in {@code docs/design.md}.
 *
 * <h3>The live tasks: a list through the tasks</h3>
 * The live tasks, which cancellation and the task tree walk, are a doubly linked list through
 * the {@link Task} objects themselves ({@link Task#next}, {@link Task#prev}), newest first from
 * {@link #head}: no node or table per task (ScaleRun's histogram). Invariants:
 * <ul>
 * <li>Only a thread holding LINKING writes {@link #head}, a {@code prev} or a {@code next} that
 *     is reachable from {@link #head}. LINKING is taken by the same CAS that counts a spawn in,
 *     and by a CAS before a task's completion counts it out; it is released by the atomic add
 *     that ends the section (for a completion, the add that also decrements the count). A
 *     section is a handful of field writes, so a thread that finds LINKING set spins
 *     ({@link #spinOnce}); no thread blocks or allocates while holding it.
 * <li>A task is linked at the head before its thread starts, and unlinked once, as it
 *     completes, before it leaves the count: the list holds exactly the tasks counted in, less
 *     those that have completed. A task is never linked twice.
 * <li>Readers take no lock ({@link #liveTasks}): {@link #head} and {@code next} are volatile,
 *     and an unlinked task keeps its {@code next} while a reader may stand on it, so a reader
 *     goes on from there to the tasks after it. Unlinking never reorders, and tasks are only
 *     added at the head; so a reader reaches every task linked before it read {@link #head} and
 *     still linked when it finished, and may also see tasks linked or unlinked meanwhile (as the
 *     concurrent set this replaced). A cancellation is not missed: spawn links a task before
 *     its thread starts, cancel publishes the outcome before it reads {@link #head}.
 * <li>Readers announce themselves in {@link #readers} before they read {@link #head} and leave
 *     after. The unlinking thread reads {@link #readers} after its unlinking writes; when it is
 *     zero, no reader can reach the unlinked task any more (a later reader starts after the
 *     unlink), so it clears the task's {@code next}: a completed task that the caller keeps does
 *     not keep the tasks that were after it in the list. When readers were active it keeps
 *     {@code next}; those readers can only reach tasks that were unlinked while they were
 *     reading, whose {@code next} was kept for the same reason, so no reader ever meets a
 *     cleared link.
 * </ul>
 */
public final class TaskGroup {
    private static final AtomicInteger GROUPS = new AtomicInteger();

    /**
     * The body of a task group.
     *
     * @param <R> the result type
     */
    @FunctionalInterface
    public interface Body<R> {
        /**
         * Runs the body.
         *
         * @param group the group to spawn tasks into
         * @return the result of {@link TaskGroup#run}
         * @throws Exception anything; it becomes part of the group's {@link ExceptionGroup}
         */
        R run(TaskGroup group) throws Exception;
    }

    /**
     * A task body that returns nothing, for {@link #spawn(Action)}.
     */
    @FunctionalInterface
    public interface Action {
        /**
         * Runs the task's body.
         *
         * @throws Exception anything; a failure of the task
         */
        void run() throws Exception;
    }

    private final String name;
    final CancelScope scope;
    private static final long CLOSED = 1L << 62;
    /** Held while the list of live tasks is relinked; see the overview. */
    private static final long LINKING = 1L << 61;
    /** Spins before a thread that waits for LINKING yields its carrier. */
    private static final int LINK_SPINS = 64;

    private static final VarHandle READERS;

    static {
        try {
            READERS = MethodHandles.lookup().findVarHandle(TaskGroup.class, "readers", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Live tasks (low bits), the CLOSED bit and the LINKING bit. */
    private final AtomicLong live = new AtomicLong();
    /** The newest live task, the head of the list of live tasks; see the overview. */
    private volatile Task<?> head;
    /** How many threads are reading the list of live tasks ({@link #liveTasks}). */
    @SuppressWarnings("unused")
    private volatile int readers;
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spawned = new AtomicInteger();
    /** The owner while it waits in {@link #awaitTasks}, else null. */
    private volatile Thread waiter;

    private TaskGroup(String name, ThreadRecord owner) {
        this.name = name;
        this.scope = new CancelScope(owner.innermost, owner, ScopeKind.TASK_GROUP, this, name);
    }

    /**
     * Runs {@code body} in a new task group and waits for all its tasks.
     *
     * @param body spawns tasks and computes the result
     * @param <R> the result type
     * @return the body's result; null if the group was cancelled with {@link #cancel()} first
     * @throws ExceptionGroup if the body or any task failed
     * @throws CancelledException if an enclosing scope was cancelled, or the thread interrupted
     */
    public static <R> R run(Body<R> body) {
        return run("group-" + GROUPS.incrementAndGet(), body);
    }

    /**
     * Runs {@code body} in a new task group named {@code name}; its tasks are named
     * {@code name-0}, {@code name-1}, ... unless given names.
     *
     * @param name the group's name, for task names, messages and thread dumps
     * @param body spawns tasks and computes the result
     * @param <R> the result type
     * @return the body's result; null if the group was cancelled with {@link #cancel()} first
     * @throws ExceptionGroup if the body or any task failed
     * @throws CancelledException if an enclosing scope was cancelled, or the thread interrupted
     */
    public static <R> R run(String name, Body<R> body) {
        Args.nonNull(name, "name", "name the group, or call TaskGroup.run(body) for a generated name");
        Args.nonNull(body, "body", "pass the code that spawns the tasks, e.g. g -> { g.spawn(...); return null; }");
        ThreadRecord r = ThreadRecord.current();
        if (!r.listed && r.task == null) {
            TaskTreeWalker.list(r); // once per thread weft did not start: a root of the task tree
        }
        TaskGroup g = new TaskGroup(name, r);
        // 1. Enter the group's scope and run the body.
        r.push(g.scope);
        R result = null;
        Throwable bodyError = null;
        try {
            result = body.run(g);
        } catch (Throwable t) {
            bodyError = t;
        }
        // 2. Close the generators the body left open; their failure merges into the body's end,
        //    and a failure carried by a cancellation outranks it.
        bodyError = Outcomes.outranking(r, Outcomes.merge(bodyError, ScopeGenerators.closeAll(r, g.scope)));
        // 3. Classify the body's end. A cancellation, or an interrupt weft did not send
        //    (shutdownNow on this thread, which the JDK call consumed), cancels the group (ABORT);
        //    a failure is recorded and cancels the group (FAILURE).
        boolean bodyCancelled = bodyError != null && Outcomes.isCancellation(r, bodyError);
        boolean foreignInterrupt = bodyError != null && !bodyCancelled && Outcomes.causedByInterrupt(bodyError);
        bodyCancelled |= foreignInterrupt;
        if (bodyCancelled) {
            g.scope.cancel(ScopeOutcome.ABORT);
        } else if (bodyError != null) {
            g.addFailure(bodyError);
            g.cancelForFailure(null, bodyError);
        }
        // 4. Wait, uninterruptibly, until no task is live, then close the group to spawns.
        boolean interrupted = g.awaitTasks(r) | foreignInterrupt;
        // 5. Decide whether the group absorbs its own cancellation, then end its scope (which
        //    takes back weft's interrupt) and restore a foreign interrupt.
        boolean absorbs = g.scope.absorbs();
        r.pop(g.scope);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        // 6. Failures first: one ExceptionGroup, in the order they happened (a VirtualMachineError
        //    alone, with the others suppressed).
        List<Throwable> failed = List.copyOf(g.failures);
        if (!failed.isEmpty()) {
            for (Throwable t : failed) {
                if (t instanceof VirtualMachineError vme) {
                    failed.stream().filter(o -> o != vme).forEach(vme::addSuppressed);
                    throw vme;
                }
            }
            throw new ExceptionGroup("unhandled failures in TaskGroup '" + name + "'", failed);
        }
        // 7. A cancelled body: absorbed (null) if the group's own cancellation stopped it, else
        //    the cancellation goes on outwards.
        if (bodyCancelled) {
            if (absorbs) {
                g.scope.caught = true;
                return null;
            }
            if (bodyError instanceof CancelledException ce) {
                throw ce;
            }
            CancelledException ce = new CancelledException("TaskGroup '" + name + "' was cancelled");
            ce.initCause(bodyError);
            throw ce;
        }
        // 8. The group's exit is a weft blocking call: if an enclosing scope was cancelled (or the
        //    thread interrupted from outside) while the body ran or the tasks were awaited, it
        //    throws here, after every task has completed.
        r.checkpoint();
        return result;
    }

    /**
     * Waits, without being interruptible, until no task is live, then closes the group.
     *
     * @return true if a foreign interrupt arrived meanwhile (the caller restores it)
     */
    private boolean awaitTasks(ThreadRecord r) {
        waiter = Thread.currentThread();
        try {
            return Parking.awaitUninterruptibly(r, () -> live.compareAndSet(0, CLOSED), scope, false, this);
        } finally {
            waiter = null;
        }
    }


    /**
     * Spawns a task that runs {@code body} in a copy of the current context.
     *
     * @param body the task's body
     * @param <T> the result type
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public <T> Task<T> spawn(Callable<T> body) {
        return spawn(null, body, null);
    }

    /**
     * Spawns a task named {@code name}.
     *
     * @param name the task's name, also its thread's name
     * @param body the task's body
     * @param <T> the result type
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public <T> Task<T> spawn(String name, Callable<T> body) {
        return spawn(Args.nonNull(name, "name", "name the task, or call spawn(body) for a generated name"), body, null);
    }

    /**
     * Spawns a task that runs in exactly {@code context}, not a copy: what the task sets is
     * visible in {@code context} afterwards. Pass {@code context.copy()} for an isolated child.
     * If {@code context} is entered by another thread when the task starts, the task fails with
     * {@link IllegalStateException}.
     *
     * @param body the task's body
     * @param context the context to run in
     * @param <T> the result type
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public <T> Task<T> spawn(Callable<T> body, Context context) {
        return spawn(null, body, Args.nonNull(context, "context", "pass the Context to run in, or call spawn(body) to run in a copy of the current one"));
    }

    /**
     * Spawns a task that returns nothing.
     *
     * @param body the task's body
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public Task<Void> spawn(Action body) {
        Args.nonNull(body, "body", "pass the task's code, e.g. () -> work()");
        return start(null, body, null);
    }

    /**
     * Spawns a task that returns nothing and runs in exactly {@code context}, as
     * {@link #spawn(Callable, Context)}.
     *
     * @param body the task's body
     * @param context the context to run in
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public Task<Void> spawn(Action body, Context context) {
        Args.nonNull(body, "body", "pass the task's code, e.g. () -> work()");
        return start(null, body, Args.nonNull(context, "context", "pass the Context to run in, or call spawn(body) to run in a copy of the current one"));
    }

    /**
     * Spawns a task named {@code name} that runs in {@code context}, or in a copy of the current
     * context when {@code context} is null.
     *
     * @param name the task's name, or null for the group's name and an index
     * @param body the task's body
     * @param context the context to run in, or null
     * @param <T> the result type
     * @return the task
     * @throws IllegalStateException if the group has ended
     */
    public <T> Task<T> spawn(String name, Callable<T> body, Context context) {
        Args.nonNull(body, "body", "pass the task's code, e.g. () -> work()");
        return start(name, body, context);
    }

    /**
     * Spawns a task whose body is a {@link Callable} or an {@link Action} (run as is: an adapter
     * would be one more object per task); the arguments are checked.
     */
    private <T> Task<T> start(String name, Object body, Context context) {
        Context ctx = context != null ? context : Context.copyCurrent();
        if ((live.get() & CLOSED) != 0) {
            throw ended();
        }
        Task<T> t = new Task<>(this, name != null ? name : this.name + "-" + spawned.getAndIncrement(), body, ctx);
        // Count the task in and take LINKING in one CAS, link it at the head, release.
        for (int spins = 0;;) {
            long st = live.get();
            if ((st & CLOSED) != 0) {
                throw ended();
            }
            if ((st & LINKING) != 0) {
                spins = spinOnce(spins);
            } else if (live.compareAndSet(st, (st + 1) | LINKING)) {
                break;
            }
        }
        Task<?> h = head;
        t.next = h;
        if (h != null) {
            h.prev = t;
        }
        head = t;
        live.getAndAdd(-LINKING);
        try {
            t.start();
        } catch (Throwable e) {
            // The thread never ran, so the task cannot complete by itself: take it back out of
            // the list and the count, or the group would wait for it forever.
            taskCompleted(t);
            throw e;
        }
        return t;
    }

    private IllegalStateException ended() {
        return new IllegalStateException("TaskGroup '" + this.name + "' has ended: spawn tasks"
                + " while its body or one of its tasks still runs");
    }

    /** One round of waiting for LINKING: a spin, or a yield once the spins are spent. */
    private static int spinOnce(int spins) {
        if (spins < LINK_SPINS) {
            Thread.onSpinWait();
            return spins + 1;
        }
        Thread.yield();
        return spins;
    }

    /**
     * Cancels the group: the body and every task. {@link #run} then returns normally. Idempotent;
     * safe from any thread, including the group's tasks.
     */
    public void cancel() {
        scope.cancel();
    }

    /**
     * Returns whether the group has been cancelled, by {@link #cancel()}, a failure or an
     * enclosing scope.
     *
     * @return true once cancelled
     */
    public boolean isCancelled() {
        return CancelStatus.cancelledFrom(scope) != null;
    }

    /**
     * Returns the group's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /** Appends a failure to the group's list, in the order failures happen. */
    void addFailure(Throwable t) {
        if (!Outcomes.alreadyReported(t, failures)) {
            failures.add(t);
        }
    }

    /** Cancels the body and the other tasks because {@code task} (null: the body) failed. */
    void cancelForFailure(Task<?> task, Throwable failure) {
        if (scope.outcome == null && !scope.ended) {
            scope.cancel(ScopeOutcome.failure(task == null ? "its body" : "task '" + task.name() + "'", failure));
        }
    }

    /** A task completed: it leaves the list of live tasks and the count. */
    void taskCompleted(Task<?> t) {
        for (int spins = 0;;) {
            long st = live.get();
            if ((st & LINKING) != 0) {
                spins = spinOnce(spins);
            } else if (live.compareAndSet(st, st | LINKING)) {
                break;
            }
        }
        Task<?> p = t.prev;
        Task<?> n = t.next;
        if (n != null) {
            n.prev = p;
        }
        if (p != null) {
            p.next = n;
        } else {
            head = n;
        }
        t.prev = null;
        if ((int) READERS.getVolatile(this) == 0) {
            t.next = null; // no reader can stand on t: nothing more to keep (see the overview)
        }
        // Release LINKING and leave the count in one step.
        if (live.addAndGet(-LINKING - 1) == 0) {
            Thread w = waiter;
            if (w != null) {
                Parking.unpark(w);
            }
        }
    }

    /**
     * A snapshot of the live tasks, oldest first, for cancellation and the task tree; takes no
     * lock (see the overview).
     */
    List<Task<?>> liveTasks() {
        READERS.getAndAdd(this, 1);
        try {
            List<Task<?>> out = new ArrayList<>();
            for (Task<?> t = head; t != null; t = t.next) {
                out.add(t);
            }
            Collections.reverse(out);
            return out;
        } finally {
            READERS.getAndAdd(this, -1);
        }
    }

    @Override
    public String toString() {
        return "TaskGroup[" + name + "]";
    }
}
