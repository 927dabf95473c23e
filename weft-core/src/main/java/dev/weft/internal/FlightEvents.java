package dev.weft.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * weft's JDK Flight Recorder events, all in the category "weft" and named {@code dev.weft.*}.
 * Like every JFR event they cost nothing beyond a flag check until a recording enables them
 * ({@code -XX:StartFlightRecording}, {@code jcmd PID JFR.start}, a {@code RecordingStream}).
 *
 * <p>This class links against {@code jdk.jfr}, which weft-core only {@code requires static}: the
 * kernel touches it only through {@code dev.weft.Flight}, which loads it only when
 * {@code jdk.jfr} is present and readable, so a runtime without {@code jdk.jfr} never loads it.
 * Stateless but for the probe instances, which are only asked whether their type is enabled;
 * thread-safe.
 */
public final class FlightEvents {
    private FlightEvents() {
    }

    /**
     * A task's life: from its start to its completion, committed on the task's own thread. By
     * default only tasks that lived 20 ms or more are recorded, as the JDK's own duration events
     * (a thread's sleep, a monitor wait) are: a recording left running in production would
     * otherwise write an event for every task, which cost almost half of a spawn loop's throughput
     * (docs/benchmarks.md, "After the fourth round"). A recording that wants every task sets the
     * threshold to 0.
     */
    @Name("dev.weft.TaskEnd")
    @Label("Task")
    @Category("weft")
    @Description("A weft task's life, from its start to its completion; committed on the task's own virtual"
            + " thread as it completes")
    @StackTrace(false)
    @Threshold("20 ms")
    static final class TaskEnd extends Event {
        @Label("Task")
        @Description("The task's name (also its thread's)")
        String task;
        @Label("Group")
        @Description("The name of the task group the task ran in")
        String group;
        @Label("Outcome")
        @Description("How the task completed: SUCCESS, FAILED or CANCELLED")
        String outcome;
    }

    /** A scope was cancelled. */
    @Name("dev.weft.ScopeCancelled")
    @Label("Scope Cancelled")
    @Category("weft")
    @Description("A cancel scope, timeout or task group was cancelled; committed on the thread that cancelled it")
    static final class ScopeCancelled extends Event {
        @Label("Scope")
        @Description("The scope, as weft's messages name it, e.g. \"timeout of PT2S\" or \"TaskGroup 'fetch'\"")
        String scope;
        @Label("Kind")
        @Description("Why: explicit, deadline, failure, or abort (a group's body stopped from outside)")
        String kind;
        @Label("Failed")
        @Description("For a failure, what failed: \"task 'name'\" or \"its body\"")
        String failed;
        @Label("Tasks Reached")
        @Description("How many tasks the cancellation reached, nested groups included")
        int tasksReached;
    }

    /** A deadline fired. */
    @Name("dev.weft.DeadlineExpired")
    @Label("Deadline Expired")
    @Category("weft")
    @Description("A scope's deadline passed and cancelled it; committed on the thread that noticed (usually weft's timer)")
    @StackTrace(false)
    static final class DeadlineExpired extends Event {
        @Label("Scope")
        @Description("The scope whose deadline passed")
        String scope;
        @Label("Late")
        @Description("How long after the deadline the cancellation happened")
        @Timespan(Timespan.NANOSECONDS)
        long late;
    }

    /** A cancellation was swallowed. */
    @Name("dev.weft.SwallowedCancellation")
    @Label("Swallowed Cancellation")
    @Category("weft")
    @Description("A deadline scope's cancellation reached its body, which caught it (or the interrupt) and"
            + " returned normally; committed on the scope's thread as the scope ends")
    static final class SwallowedCancellation extends Event {
        @Label("Scope")
        @Description("The deadline scope whose cancellation was swallowed")
        String scope;
        @Label("Message")
        @Description("The swallowed cancellation's message")
        String message;
    }

    private static final TaskEnd TASK = new TaskEnd();
    private static final ScopeCancelled CANCELLED = new ScopeCancelled();
    private static final DeadlineExpired EXPIRED = new DeadlineExpired();
    private static final SwallowedCancellation SWALLOWED = new SwallowedCancellation();

    /**
     * Starts a task's event, on the task's thread.
     *
     * @return the started event, or null when the event is not enabled
     */
    public static Object taskBegin() {
        if (!TASK.isEnabled()) {
            return null;
        }
        TaskEnd e = new TaskEnd();
        e.begin();
        return e;
    }

    /**
     * Ends and commits a task's event, on the task's thread.
     *
     * @param event what {@link #taskBegin()} returned (not null)
     * @param task the task's name
     * @param group the group's name
     * @param outcome the final state
     */
    public static void taskEnd(Object event, String task, String group, String outcome) {
        TaskEnd e = (TaskEnd) event;
        e.end();
        if (e.shouldCommit()) {
            e.task = task;
            e.group = group;
            e.outcome = outcome;
            e.commit();
        }
    }

    /**
     * Returns whether a scope cancellation or a deadline expiry would be recorded.
     *
     * @return true if either event is enabled
     */
    public static boolean cancelEnabled() {
        return CANCELLED.isEnabled() || EXPIRED.isEnabled();
    }

    /**
     * Records a scope's cancellation and, for a deadline, its expiry.
     *
     * @param scope the scope's label
     * @param kind explicit, deadline, failure or abort
     * @param failed what failed, or null
     * @param tasksReached how many tasks the cancellation reached
     * @param lateNanos for a deadline, how late the cancellation is
     */
    public static void cancelled(String scope, String kind, String failed, int tasksReached, long lateNanos) {
        ScopeCancelled e = new ScopeCancelled();
        if (e.shouldCommit()) {
            e.scope = scope;
            e.kind = kind;
            e.failed = failed;
            e.tasksReached = tasksReached;
            e.commit();
        }
        if (kind.equals("deadline")) {
            DeadlineExpired d = new DeadlineExpired();
            if (d.shouldCommit()) {
                d.scope = scope;
                d.late = lateNanos;
                d.commit();
            }
        }
    }

    /**
     * Returns whether a swallowed cancellation would be recorded.
     *
     * @return true if the event is enabled
     */
    public static boolean swallowedEnabled() {
        return SWALLOWED.isEnabled();
    }

    /**
     * Records a swallowed cancellation.
     *
     * @param scope the scope's label
     * @param message the cancellation's message
     */
    public static void swallowed(String scope, String message) {
        SwallowedCancellation e = new SwallowedCancellation();
        if (e.shouldCommit()) {
            e.scope = scope;
            e.message = message;
            e.commit();
        }
    }
}
