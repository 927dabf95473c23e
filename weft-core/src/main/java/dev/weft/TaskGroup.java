package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

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
 * latency; TaskGroupBenchmark). What spawns and completions write lives in a padded
 * {@link Roster}, off the line of the group's own fields, which every completion reads. Its
 * {@code state} is one word: the number of live tasks (LIVE bits), the number of completed tasks
 * still in the list (DEAD bits, below), a PRUNING bit and a CLOSED bit. Spawn counts a task in
 * with one atomic add and takes it back if the add found CLOSED; a task's completion counts it
 * out (and in as dead) with one atomic add; the owner sets CLOSED with a CAS from a word with no
 * live task and no pruning, after the body, so no task can join an ended group. The owner waits
 * in {@link #awaitTasks}
 * ({@link Parking#awaitUninterruptibly}): it publishes {@link #waiter} and then re-reads the
 * word; an add that leaves no live task and no pruning (a completion, or the end of a pruning)
 * then reads {@link #waiter} (all volatile), so the wake-up is never lost. Failures go to a
 * concurrent FIFO queue, in the order they were recorded. The exit is written as a numbered
 * timeline in {@link #run(String, Body)}; the kernel is mapped in {@code docs/design.md}.
 *
 * <h3>The live tasks: a list through the tasks, pruned in batches</h3>
 * The live tasks, which cancellation and the task tree walk, are a singly linked list through
 * the {@link Task} objects themselves ({@link Task#next}), newest first from {@code head}: no
 * node or table per task (ScaleRun's histogram). A completing task does not take itself out of
 * the list: it only counts itself out, and a completed task is taken out later, with others, by
 * one pruning pass. A completion used to unlink itself under a spin-lock bit that spawns took
 * too, and waited for it (about 6% of spawn + join of 1 000 tasks, a JFR profile of
 * TaskGroupBenchmark's virtual caller). Invariants:
 * <ul>
 * <li>Spawn links a task at the head with a CAS on {@code head}, after counting it in and
 *     before its thread starts. Nothing else writes {@code head} while the group is open, and
 *     a linked task's {@code next} is written only by the pruner (a task's {@code next} is set
 *     before the CAS that publishes it). A task is linked once.
 * <li>A task is <em>counted out</em> when its completion's add has happened: it then writes
 *     {@link Task#countOut()} (a release), which readers and the pruner test
 *     ({@link Task#isCountedOut()}, an acquire). DEAD counts the tasks whose add has happened and
 *     that no pruning has taken out yet, so it is never smaller than the number of counted-out
 *     tasks in the list that the pruner may remove: the count never goes below zero.
 * <li>At most one thread prunes: the one whose CAS set PRUNING (refused once CLOSED is set). A
 *     completion whose add leaves more dead tasks than {@link #PRUNE_SLACK} plus the live ones
 *     tries to become it; the pruner walks the list once from the head (which it leaves in
 *     place), unlinks every counted-out task after it ({@code pred.next = cur.next}), and
 *     releases PRUNING with the add that subtracts what it removed. It goes on while a pass
 *     removed some task and dead ones still outnumber that bound. So a pass costs about two
 *     visits per task removed, and once completions pause the list holds the live tasks and at
 *     most as many completed ones plus the slack (and those whose completion was between its add
 *     and its mark while the last pass ran).
 * <li>Every task that is not counted out is reachable from {@code head}: spawn links at the
 *     head, and an unlink skips exactly one counted-out task and never reorders. Readers take no
 *     lock ({@link #liveTasks}): {@code head} and {@code next} are volatile, and an unlinked
 *     task keeps its {@code next} while a reader may stand on it; so a reader reaches every
 *     task linked before it read {@code head} and not counted out when it finished, and sees
 *     each task at most once (links only point to older tasks). Readers skip counted-out tasks.
 *     A cancellation is not missed: spawn links a task before its thread starts, cancel
 *     publishes the outcome before it reads {@code head}.
 * <li>Readers announce themselves in {@link #readers} before they read {@code head} and leave
 *     after. The pruner reads {@link #readers} after each unlinking write; when it is zero, no
 *     reader can reach the unlinked task any more (a later reader starts after the unlink), so
 *     it clears the task's {@code next}: a completed task that the caller keeps does not keep
 *     the tasks that were after it in the list. When readers were active it keeps
 *     {@code next}; those readers can only reach tasks that were unlinked while they were
 *     reading, whose {@code next} was kept for the same reason, so no reader ever meets a
 *     cleared link.
 * <li>Once the owner has set CLOSED (no live task, no pruner, and no spawn can count in) it
 *     owns the list: it clears {@code head} and, when no reader walks, every remaining link
 *     ({@link #dropList}), so the completed tasks keep nothing of the group's list.
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
    /** The live tasks: the low 30 bits of the state word. */
    private static final long LIVE = (1L << 30) - 1;
    /** One completed task still in the list; DEAD is the 30 bits above LIVE. */
    private static final long DEAD_ONE = 1L << 30;
    private static final long DEAD = LIVE * DEAD_ONE;
    /** Held by the one thread that prunes the list; see the overview. */
    private static final long PRUNING = 1L << 60;
    private static final long CLOSED = 1L << 62;
    /** Bits never set: a count that went below zero would borrow into them (asserted). */
    private static final long UNUSED = ~(LIVE | DEAD | PRUNING | CLOSED);
    /**
     * Completed tasks the list may hold beyond the number of live ones before a completion
     * prunes it: a pass then removes at least this many, so short-lived tasks pay about two
     * visits each and a few live ones do not cause a pass per completion.
     */
    static final int PRUNE_SLACK = 32;

    private static final VarHandle READERS;
    private static final VarHandle STATE;
    private static final VarHandle HEAD;
    private static final VarHandle SPAWNED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READERS = l.findVarHandle(TaskGroup.class, "readers", int.class);
            STATE = l.findVarHandle(RosterFields.class, "state", long.class);
            HEAD = l.findVarHandle(RosterFields.class, "head", Task.class);
            SPAWNED = l.findVarHandle(RosterFields.class, "spawned", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Padding before the {@link Roster}'s fields. The int fills the gap after the object header,
     * where the JVM would otherwise place a field of the subclass.
     */
    @SuppressWarnings("unused")
    private static class RosterPad {
        int p00;
        long p01, p02, p03, p04, p05, p06, p07;
    }

    /** The fields of a {@link Roster}; see there. */
    private static class RosterFields extends RosterPad {
        /** Live tasks (LIVE bits), completed tasks still listed (DEAD bits), PRUNING, CLOSED. */
        volatile long state;
        /** The newest task in the list of live tasks; see the overview. */
        volatile Task<?> head;
        /** How many tasks were spawned without a name: the next one's index. */
        volatile int spawned;
    }

    /**
     * What spawns and completions write, alone on its cache lines (padding before and after):
     * spawns and completions run on different cores, and the group's own fields, which every
     * completion reads, stay read-only, so they stay in every core's cache. With the list's head
     * in the group object and the count in an {@code AtomicLong} allocated beside it, a paired
     * spawn + join of 1 000 tasks took about 20 us more (see {@code docs/benchmarks.md}).
     */
    @SuppressWarnings("unused")
    private static final class Roster extends RosterFields {
        long q01, q02, q03, q04, q05, q06, q07;
    }

    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    /** The count, the list's head and the name index; see {@link Roster}. */
    private final Roster roster;
    /** How many threads are reading the list of live tasks ({@link #liveTasks}). */
    @SuppressWarnings("unused")
    private volatile int readers;
    /** The owner while it waits in {@link #awaitTasks}, else null. */
    private volatile Thread waiter;

    private TaskGroup(String name, ThreadRecord owner) {
        this.name = name;
        this.scope = new CancelScope(owner.innermost, owner, ScopeKind.TASK_GROUP, this, name);
        this.roster = new Roster(); // allocated last: nothing the group reads comes after it
    }

    /** The state word: live count, dead count, PRUNING, CLOSED. */
    private long state() {
        return roster.state;
    }

    /** Adds {@code delta} to the state word; returns the new word. */
    private long addState(long delta) {
        return (long) STATE.getAndAdd(roster, delta) + delta;
    }

    private boolean casState(long expected, long next) {
        return STATE.compareAndSet(roster, expected, next);
    }

    /** The newest task in the list. */
    private Task<?> head() {
        return roster.head;
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
            return Parking.awaitUninterruptibly(r, this::tryClose, scope, false, this);
        } finally {
            waiter = null;
        }
    }

    /**
     * Closes the group if no task is live and no thread prunes, then drops the list.
     *
     * @return whether the group is closed
     */
    private boolean tryClose() {
        long st = state();
        if ((st & (LIVE | PRUNING)) != 0 || !casState(st, st | CLOSED)) {
            return false;
        }
        dropList();
        return true;
    }

    /**
     * The owner, after CLOSED: no one else writes the list any more. Empties it, and unless a
     * reader walks it, clears every link (see the overview).
     */
    private void dropList() {
        Task<?> t = head();
        roster.head = null;
        if ((int) READERS.getVolatile(this) == 0) {
            while (t != null) {
                Task<?> n = t.next;
                Task.NEXT.set(t, null);
                t = n;
            }
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
        String n = name != null ? name : this.name + "-" + (int) SPAWNED.getAndAdd(roster, 1);
        Task<T> t = new Task<>(this, n, body, ctx);
        // Count the task in (and take it back if the group has ended), then link it at the head.
        // No read of the word before: a read and then an atomic add on a line that completions
        // write cost two transfers of it where the add alone costs one.
        if ((addState(1) & CLOSED) != 0) {
            addState(-1); // the group has ended: nobody waits on its count any more
            throw ended();
        }
        for (Task<?> h = head();;) {
            Task.NEXT.set(t, h); // published by the CAS
            Task<?> w = (Task<?>) HEAD.compareAndExchange(roster, h, t);
            if (w == h) {
                break;
            }
            h = w;
        }
        try {
            t.start();
        } catch (Throwable e) {
            // The thread never ran, so the task cannot complete by itself: count it out here,
            // or the group would wait for it forever.
            taskCompleted(t);
            throw e;
        }
        return t;
    }

    private IllegalStateException ended() {
        return new IllegalStateException("TaskGroup '" + this.name + "' has ended: spawn tasks"
                + " while its body or one of its tasks still runs");
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

    /**
     * A task completed: it leaves the live count in one add, stays in the list until a pruning
     * takes it out, and prunes if completed tasks outnumber the live ones by the slack.
     */
    void taskCompleted(Task<?> t) {
        long st = addState(DEAD_ONE - 1);
        t.countOut(); // after the add: the pruner subtracts only adds that happened
        assert (st & UNUSED) == 0 && (st & LIVE) != LIVE : "live count word corrupted: " + Long.toHexString(st);
        if ((st & (LIVE | PRUNING)) == 0) {
            wakeOwner();
        }
        // Also when no task is live: a body that spawns and joins one task at a time must not
        // let its list grow. If the owner closes first, the CAS fails; if it wins, the owner
        // waits for the pruning to end.
        if ((st & (PRUNING | CLOSED)) == 0 && tooManyDead(st) && casState(st, st | PRUNING)) {
            prune();
        }
    }

    /** Whether the list holds more completed tasks than the live ones plus the slack. */
    private static boolean tooManyDead(long st) {
        return (st & DEAD) / DEAD_ONE > (st & LIVE) + PRUNE_SLACK;
    }

    private void wakeOwner() {
        Thread w = waiter;
        if (w != null) {
            Parking.unpark(w);
        }
    }

    /**
     * Holding PRUNING: unlinks the counted-out tasks after the head, releases PRUNING, and goes
     * on while a pass removed some and too many remain (see the overview).
     */
    private void prune() {
        for (;;) {
            long removed = 0;
            Task<?> pred = head(); // linked before PRUNING was taken: never null here
            for (Task<?> cur = pred.next; cur != null;) {
                Task<?> n = cur.next;
                if (cur.isCountedOut()) {
                    pred.next = n; // volatile: ordered before the read of readers
                    if ((int) READERS.getVolatile(this) == 0) {
                        Task.NEXT.set(cur, null); // no reader can stand on cur (see the overview)
                    }
                    removed++;
                } else {
                    pred = cur;
                }
                cur = n;
            }
            long st = addState(-PRUNING - removed * DEAD_ONE);
            assert (st & UNUSED) == 0 && (st & DEAD) != DEAD : "dead count below zero: " + Long.toHexString(st);
            if ((st & LIVE) == 0) {
                wakeOwner();
            }
            if (removed == 0 || (st & (PRUNING | CLOSED)) != 0 || !tooManyDead(st)
                    || !casState(st, st | PRUNING)) {
                return;
            }
        }
    }

    /**
     * A snapshot of the live tasks, oldest first, for cancellation and the task tree; takes no
     * lock and skips the counted-out tasks that are still listed (see the overview).
     */
    List<Task<?>> liveTasks() {
        READERS.getAndAdd(this, 1);
        try {
            List<Task<?>> out = new ArrayList<>();
            for (Task<?> t = head(); t != null; t = t.next) {
                if (!t.isCountedOut()) {
                    out.add(t);
                }
            }
            Collections.reverse(out);
            return out;
        } finally {
            READERS.getAndAdd(this, -1);
        }
    }

    /** The number of tasks in the list, counted out or not (for tests; a reader, as {@link #liveTasks}). */
    int listed() {
        READERS.getAndAdd(this, 1);
        try {
            int n = 0;
            for (Task<?> t = head(); t != null; t = t.next) {
                n++;
            }
            return n;
        } finally {
            READERS.getAndAdd(this, -1);
        }
    }

    /** The number of live tasks (for tests). */
    int liveCount() {
        return (int) (state() & LIVE);
    }

    @Override
    public String toString() {
        return "TaskGroup[" + name + "]";
    }
}
