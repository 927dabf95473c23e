package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A unit of concurrent work in a {@link TaskGroup}: one virtual thread that runs a body in a
 * {@link Context}, under the group's cancel scope.
 *
 * <table class="striped">
 * <caption>States</caption>
 * <tr><th>{@link State}</th><th>meaning</th><th>{@link #join()}</th></tr>
 * <tr><td>RUNNING</td><td>started, not completed</td><td>waits</td></tr>
 * <tr><td>SUCCESS</td><td>the body returned</td><td>returns the value</td></tr>
 * <tr><td>FAILED</td><td>the body threw (not a cancellation)</td><td>throws {@link TaskFailedException}</td></tr>
 * <tr><td>CANCELLED</td><td>the body ended with {@link CancelledException}</td><td>throws {@link CancelledException}</td></tr>
 * </table>
 *
 * <p>A task's thread is named after the task, so thread dumps
 * ({@code jcmd <pid> Thread.dump_to_file -format=json <file>}) show it.
 *
 * @implNote The state moves once from RUNNING to a final state (the task <em>completes</em>),
 * written by the task's thread before it wakes its joiners; {@link #value} and {@link #failure}
 * are written before the state and read after it (volatile publication). Joiners wait in a
 * lock-free stack of parked threads ({@link Parking#awaitCancellable}). How the body's end is
 * classified is {@link Outcomes}; the kernel is mapped in {@code docs/design.md}.
 *
 * @param <T> the result type
 */
public final class Task<T> {
    /** The states of a task; see the table in {@link Task}. */
    public enum State {
        /** Started, not completed. */
        RUNNING,
        /** The body returned a value. */
        SUCCESS,
        /** The body threw. */
        FAILED,
        /** The body was cancelled. */
        CANCELLED
    }

    private static final VarHandle WAITERS;
    private static final VarHandle BODY;
    /** {@link #next} without the volatile write's fence, where the group's overview allows it. */
    static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAITERS = l.findVarHandle(Task.class, "waiters", Waiter.class);
            BODY = l.findVarHandle(Task.class, "body", Object.class);
            NEXT = l.findVarHandle(Task.class, "next", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record Waiter(Thread thread, Waiter next) {
    }

    private static final Waiter DONE = new Waiter(null, null);

    /**
     * Makes the unstarted thread of a task, named {@code name}, which runs {@code record}. A
     * builder names the thread as it makes it: {@code Thread.setName} afterwards is synchronized
     * on the new thread, a monitor entered and left per spawn (about 10 ns, against nothing
     * measurable for the builder, which the JIT drops).
     */
    static Thread newThread(Runnable record, String name) {
        return Thread.ofVirtual().name(name).unstarted(record);
    }

    private final String name;
    private final Context context;
    /**
     * A {@link Callable} or a {@link TaskGroup.Action}: an action is run as is, without an
     * adapter object. Null once the task has been counted out of its group ({@link #countOut()}):
     * that is the mark the group's pruner and readers test, and a task the caller keeps does not
     * keep what its body captured.
     */
    private Object body;
    final ThreadRecord record;
    /** The task's root scope; its parent is the group's scope, whose {@link ScopeNode#group()} is the group. */
    final CancelScope root;
    /**
     * The next older task in the group's list, or null; set by the spawner before the task is
     * linked, then written only by the group's pruner or its owner once closed, read by anyone
     * (see {@link TaskGroup}'s overview).
     */
    volatile Task<?> next;

    private volatile State status = State.RUNNING;
    private T value;
    private Throwable failure;
    @SuppressWarnings("unused")
    private volatile Waiter waiters;

    Task(TaskGroup group, String name, Object body, Context context) {
        assert body instanceof Callable<?> || body instanceof TaskGroup.Action : body;
        this.name = name;
        this.body = body;
        this.context = context;
        this.record = ThreadRecord.forTask(this);
        this.root = new CancelScope(group.scope, record, ScopeKind.TASK, null, name);
        this.record.innermost = root;
    }

    void start() {
        Thread thread = record.thread;
        if (CancelStatus.cancelledFrom(root) != null) {
            // Spawned into a cancelled group (the task is linked already, so a later cancellation
            // delivers by itself): the interrupt is marked pending and applied as the thread starts.
            record.deliver();
        }
        try {
            Parking.threadStarted(thread); // before it can run: a virtual clock never misses it
            thread.start();
        } catch (Throwable e) {
            Parking.threadEnded(thread); // it never ran: a virtual clock must not wait for it
            throw e;
        }
    }

    /**
     * Runs the body, on the task's thread: step 2 of the timeline in {@link ThreadRecord#run},
     * which calls it inside the context and catches what it throws.
     *
     * @implNote Under 35 bytes of bytecode, so that C1 and a C2 without profiles (as well as a
     * warmed-up C2) inline it into {@link ThreadRecord#run}: a parked task's stack then has one
     * frame for the record and the task (ScaleRun's histogram: the stack is most of a sleeping
     * task's heap), and thread dumps still show {@code Task.run} (an inlined method keeps its
     * frame in stack traces).
     *
     * @return what the body returned (null for an {@link TaskGroup.Action})
     * @throws Exception what the body threw
     */
    Object run() throws Exception {
        Object b = body;
        if (b instanceof TaskGroup.Action) {
            ((TaskGroup.Action) b).run();
            return null;
        }
        return ((Callable<?>) b).call();
    }

    /**
     * Steps 3 to 7 of the timeline in {@link ThreadRecord#run}, after the body.
     *
     * @param flight the JFR event begun with the task, or null
     * @param entered whether the task's context was entered (then {@code previous} is restored)
     * @param previous the context current before, for {@link ThreadRecord#exitContext}
     * @param v what the body returned
     * @param outcome what the body threw, or null
     */
    @SuppressWarnings("unchecked")
    void finish(Object flight, boolean entered, Context previous, Object v, Throwable outcome) {
        TaskGroup group = group();
        outcome = Outcomes.merge(outcome, ScopeGenerators.closeAll(record, root));
        if (entered) {
            Bridging.taskEnded(this, outcome, outcome != null && Outcomes.isCancellation(record, outcome));
            ThreadRecord.exitContext(context, previous);
        }
        root.end();
        record.disarm();
        Thread.interrupted(); // the thread ends here: nothing to leak, nothing to keep
        outcome = Outcomes.outranking(record, outcome);
        try {
            if (outcome == null) {
                value = (T) v;
                complete(State.SUCCESS);
            } else if (Outcomes.isCancellation(record, outcome)) {
                complete(State.CANCELLED);
            } else {
                failure = outcome;
                group.addFailure(outcome);
                complete(State.FAILED);
                group.cancelForFailure(this, outcome);
            }
        } finally {
            Flight.taskEnd(flight, this);
            group.taskCompleted(this);
            record.endThread();
        }
    }

    /**
     * Marks the task counted out of its group's live count, after the add that did it (a
     * release: the group's pruner that sees the mark also sees the add).
     */
    void countOut() {
        BODY.setRelease(this, null);
    }

    /** Whether {@link #countOut()} has happened (an acquire). */
    boolean isCountedOut() {
        return BODY.getAcquire(this) == null;
    }

    /** The group the task belongs to. */
    TaskGroup group() {
        return root.parent.group();
    }

    private void complete(State s) {
        status = s;
        Waiter w = (Waiter) WAITERS.getAndSet(this, DONE);
        for (; w != null && w != DONE; w = w.next) {
            Parking.unpark(w.thread);
        }
    }

    /**
     * Returns the task the calling code runs in, as asyncio's {@code current_task()}: the task
     * whose body (or whose nested scopes and task-group bodies) is running on this thread; in a
     * {@link Generator}'s body, the task that consumes the step. Empty on a thread that weft did
     * not start as a task, e.g. {@code main}, a platform thread that owns a task group, or a
     * worker of a wrapped executor.
     *
     * <pre>{@code
     * String who = Task.current().map(Task::name).orElse(Thread.currentThread().getName());
     * }</pre>
     *
     * @return the current task, or empty
     */
    public static Optional<Task<?>> current() {
        ThreadRecord r = ThreadRecord.currentOrNull();
        return r == null ? Optional.empty() : Optional.ofNullable(r.currentTask());
    }

    /**
     * Returns the task's name: the one given to spawn, or the group's name and an index.
     *
     * @return the name, also the name of the task's thread
     */
    public String name() {
        return name;
    }

    /**
     * Returns the context the task runs in: the one given to spawn, or the copy made for it.
     *
     * @return the task's context
     */
    public Context context() {
        return context;
    }

    /**
     * Waits for the task to complete and returns its value. This is a weft blocking call: it
     * throws {@link CancelledException} if the caller is cancelled while waiting.
     *
     * @return the value the body returned
     * @throws TaskFailedException if the body threw; the cause is what it threw
     * @throws CancelledException if the task was cancelled, or the caller is
     * @throws IllegalStateException if a task joins itself
     */
    public T join() {
        if (Thread.currentThread() == record.thread) {
            throw new IllegalStateException("task '" + name + "' cannot join itself: it would wait forever");
        }
        // A weft blocking call: level-triggered even when the task has already completed.
        ThreadRecord r = ThreadRecord.current();
        r.checkpoint();
        if (status == State.RUNNING) {
            Waiter mine = null;
            for (;;) {
                Waiter head = waiters;
                if (head == DONE) {
                    break;
                }
                mine = new Waiter(Thread.currentThread(), head);
                if (WAITERS.compareAndSet(this, head, mine)) {
                    break;
                }
            }
            Parking.awaitCancellable(r, () -> status != State.RUNNING, ScopeNode.NO_DEADLINE, this);
        }
        return switch (status) {
            case SUCCESS -> value;
            case FAILED -> throw new TaskFailedException(name, failure);
            case CANCELLED -> throw new CancelledException("task '" + name + "' was cancelled");
            case RUNNING -> throw new AssertionError("join returned while running");
        };
    }

    /**
     * Cancels the task: its root scope and everything inside. The task ends CANCELLED if the
     * cancellation stops its body, or normally if the body returns first. Idempotent.
     */
    public void cancel() {
        root.cancel();
    }

    /**
     * Returns whether the task has completed, in any way.
     *
     * @return true once the state is not RUNNING
     */
    public boolean isDone() {
        return status != State.RUNNING;
    }

    /**
     * Returns whether the task ended cancelled.
     *
     * @return true if the state is CANCELLED
     */
    public boolean isCancelled() {
        return status == State.CANCELLED;
    }

    /**
     * Returns the task's state.
     *
     * @return the current state
     */
    public State state() {
        return status;
    }

    @Override
    public String toString() {
        return "Task[" + name + ", " + status + "]";
    }
}
