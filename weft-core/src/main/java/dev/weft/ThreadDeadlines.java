package dev.weft;

import dev.weft.internal.Time;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The deadline half of a thread's record: the one deadline this thread has registered with the
 * {@link DeadlineTimer}, and what the timer does when it comes. The middle layer of
 * {@link ThreadRecord}; see {@code docs/design.md}, section "Time".
 *
 * <h2>Implementation overview</h2>
 * {@link #armed} only moves earlier while registered: a scope with a later deadline needs no
 * registration, since when the armed one fires {@link #fire} expires the due scopes on the
 * thread's chain and re-arms for the earliest deadline still there (and for {@link #wakeAt}, the
 * time a parked weft call such as {@code Weft.sleep} wants to be woken). A loop of
 * {@code failAfter(10 s)} on one thread therefore registers once per ten seconds.
 *
 * <p>The timer's entries point at {@link #arm}, not at this record: a task that ends cuts the
 * link ({@link #disarm}), so an entry waiting in the timer's heap for a deadline seconds away does
 * not keep the completed task, its thread and its captured request alive
 * ({@code TimerRetentionTest}).
 *
 * <p>Fields: {@link #armed} is CAS'd by any thread; {@link #wakeAt} is written by the owner and
 * read by the timer; {@link #arm} is created lazily by a CAS from null (any thread) and swapped
 * for {@link #DISARMED} by the owner as its task ends, which also cuts {@link Arm#record}.
 * Invariant: once {@link #disarm} has run, no timer entry registered later links to the record
 * (a registration racing with it either got the old arm, whose record is cut, or DISARMED).
 */
abstract sealed class ThreadDeadlines extends ThreadInterrupts permits ThreadRecord {
    private static final VarHandle ARMED;
    private static final VarHandle ARM;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ARMED = l.findVarHandle(ThreadDeadlines.class, "armed", long.class);
            ARM = l.findVarHandle(ThreadDeadlines.class, "arm", Arm.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The arm of every disarmed record: links to nothing, so a late registration holds nothing. */
    private static final Arm DISARMED = new Arm(null);

    /** What the timer's entries point at; see the overview. */
    static final class Arm {
        volatile ThreadDeadlines record;

        Arm(ThreadDeadlines record) {
            this.record = record;
        }
    }

    ThreadDeadlines(Thread thread) {
        super(thread);
    }

    ThreadDeadlines(String taskName) {
        super(taskName);
    }

    /**
     * The link the timer's entries hold: null until the thread first arms a deadline (most tasks
     * never do: an object per task saved, ScaleRun's histogram), then set once by a CAS; after
     * {@link #disarm} it is {@link #DISARMED} or an arm whose record is cut, never a live link.
     */
    private volatile Arm arm;
    private volatile long armed = ScopeNode.NO_DEADLINE;
    /** When a weft call parked in {@link Parking} wants to wake up by itself, or NO_DEADLINE. */
    volatile long wakeAt = ScopeNode.NO_DEADLINE;

    /** The thread's innermost scope: where {@link #fire} starts its walk. */
    abstract CancelScope innermost();

    /** Makes sure the timer wakes this thread's scopes by {@code deadline}. Any thread. */
    final void arm(long deadline) {
        for (;;) {
            long a = armed;
            if (a != ScopeNode.NO_DEADLINE && a - deadline <= 0) {
                return; // an earlier (or equal) deadline is armed: its firing re-arms for this one
            }
            if (ARMED.compareAndSet(this, a, deadline)) {
                DeadlineTimer.register(link(), deadline);
                return;
            }
        }
    }

    /** Whether a timer entry for {@code deadline} is still the one armed for this thread. */
    final boolean armedAt(long deadline) {
        return armed == deadline;
    }

    @Override
    final void redeliverAt(long at) {
        arm(at);
    }

    /** Forgets the armed deadline and cuts the timer's link to this record: the thread is ending. */
    final void disarm() {
        armed = ScopeNode.NO_DEADLINE;
        Arm a = (Arm) ARM.getAndSet(this, DISARMED);
        if (a != null) {
            a.record = null;
        }
    }

    /** The timer's link as it is now, or null if never armed; for {@code LazyArmRaceTest}. */
    final Arm armForTest() {
        return arm;
    }

    /** The timer's link to this record, created on first use; {@link #DISARMED} once disarmed. */
    private Arm link() {
        Arm a = arm;
        if (a == null) {
            a = new Arm(this);
            if (!ARM.compareAndSet(this, (Arm) null, a)) {
                a = arm; // a concurrent arm won, or the thread was disarmed meanwhile
            }
        }
        return a;
    }

    /**
     * Called by the timer when {@code deadline}, armed for this thread, has come: expires this
     * thread's scopes whose deadline has passed, wakes a weft call parked until now, and re-arms
     * for the earliest time left.
     */
    final void fire(long deadline) {
        if (!ARMED.compareAndSet(this, deadline, ScopeNode.NO_DEADLINE)) {
            return; // re-armed earlier or disarmed meanwhile
        }
        long now = Time.now();
        long next = ScopeNode.NO_DEADLINE;
        for (CancelScope s = innermost(); s != null && s.owner == this; s = s.parent) {
            long d = s.deadline;
            if (d == ScopeNode.NO_DEADLINE) {
                continue;
            }
            if (d - now <= 0) {
                s.expire();
            } else if (next == ScopeNode.NO_DEADLINE || d - next < 0) {
                next = d;
            }
        }
        long w = wakeAt;
        if (w != ScopeNode.NO_DEADLINE) {
            if (w - now <= 0) {
                Parking.unpark(thread);
            } else if (next == ScopeNode.NO_DEADLINE || w - next < 0) {
                next = w;
            }
        }
        long again = redeliver(now);
        if (again != ScopeNode.NO_DEADLINE && (next == ScopeNode.NO_DEADLINE || again - next < 0)) {
            next = again;
        }
        if (next != ScopeNode.NO_DEADLINE) {
            arm(next);
        }
    }
}
