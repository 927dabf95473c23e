package dev.weft;

import dev.weft.internal.Time;
import dev.weft.spi.Clock;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Fires the deadlines of cancel scopes, so that a thread blocked in a JDK call past its
 * deadline is interrupted, and wakes weft calls that sleep until a time. Time comes from the
 * installed {@link Clock}. See {@code docs/design.md}, section "Time".
 *
 * <h2>Implementation overview</h2>
 * Entering a scope with a deadline must cost tens of nanoseconds (the target is at most 50 ns; TimeoutBenchmark), and
 * most such scopes exit long before their deadline. So the timer keeps at most one live entry
 * per <em>thread</em>, not per scope: {@link ThreadDeadlines#arm} registers a thread's deadline only
 * when it is earlier than the one already armed for that thread, and exiting a scope costs
 * nothing here. When an armed deadline comes, {@link ThreadDeadlines#fire} expires the thread's
 * scopes that are past their deadline and re-arms for the earliest deadline left on its chain.
 * A loop of {@code failAfter(10 s)} on one thread therefore registers once per ten seconds.
 *
 * <p>Registering is one allocation and one CAS onto a lock-free stack of {@link Entry pending}
 * entries. One daemon platform thread drains the stack into a binary heap ordered by deadline,
 * dropping stale entries (superseded by an earlier arm, or of a thread that ended), fires what is
 * due, and waits on the clock ({@link Clock#waitUntil}) until the earliest deadline left.
 *
 * <p>Wake-ups: a registering thread unparks the timer only if its deadline is earlier than the
 * timer's planned wake-up ({@link #plannedWake}), or when the pending stack has grown by
 * {@link #DRAIN_EVERY} entries. The timer publishes {@link #plannedWake} before its last look at
 * the stack, and a registrar pushes before reading {@link #plannedWake}; both are volatile, so an
 * early deadline is never slept through. The heap is purged of stale entries whenever it has
 * doubled since the last purge, and at least every second while it is large.
 *
 * <p>The timer interrupts JDK calls, wakes weft calls parked until a time
 * ({@link ThreadDeadlines#wakeAt}), and catches up on scopes nobody checks. A clock that is
 * installed wakes the timer, which then waits on the new clock; every deadline registered is
 * announced to the clock ({@link Clock#deadlineArmed}) first.
 */
final class DeadlineTimer {
    /** One registration; the stack link is written before the CAS that publishes it. */
    private static final class Entry {
        final ThreadDeadlines.Arm arm;
        final long deadline;
        Entry next;
        int depth;

        Entry(ThreadDeadlines.Arm arm, long deadline) {
            this.arm = arm;
            this.deadline = deadline;
        }

        /** Superseded by an earlier deadline, fired, or its thread ended. */
        boolean stale() {
            ThreadDeadlines r = arm.record;
            return r == null || !r.armedAt(deadline);
        }
    }

    /**
     * How many registrations may pile up before the timer is woken to drain them. Large enough
     * that the unpark is amortized to a few nanoseconds per scope (TimeoutBenchmark), small
     * enough that the stack stays a few tens of kilobytes.
     */
    private static final int DRAIN_EVERY = 1024;

    /**
     * While registrations keep coming, the timer wakes at least this often to drain them, so
     * that registering a deadline later than the next wake-up never needs an unpark (which costs
     * microseconds). A fully idle timer parks with no timeout.
     */
    private static final long BUSY_TICK_NANOS = 100_000_000L;

    /**
     * A heap of more than {@link #DRAIN_EVERY} entries is purged of exited scopes at least this
     * often, so a burst of scopes with far deadlines is released soon after they exit
     * (ManyDeadlinesTest); the scan costs about a millisecond per 100 000 entries.
     */
    private static final long PURGE_EVERY_NANOS = 1_000_000_000L;

    private static final AtomicReference<Entry> PENDING = new AtomicReference<>();
    private static volatile long plannedWake = ScopeNode.NO_DEADLINE;
    private static volatile Thread timer;
    /** The heap's size after the timer's last round; for tests. */
    private static volatile int heapSize;

    private DeadlineTimer() {
    }

    static void register(ThreadDeadlines.Arm arm, long deadline) {
        Clock hooks = Time.hooks();
        if (hooks != null) {
            hooks.deadlineArmed(deadline);
        }
        Entry e = new Entry(arm, deadline);
        Entry head;
        do {
            head = PENDING.get();
            e.next = head;
            e.depth = head == null ? 1 : head.depth + 1;
        } while (!PENDING.compareAndSet(head, e));
        long planned = plannedWake;
        if (planned == ScopeNode.NO_DEADLINE || deadline - planned < 0 || e.depth % DRAIN_EVERY == 0) {
            wake();
        }
    }

    private static void wake() {
        Thread t = timer;
        if (t == null) {
            synchronized (DeadlineTimer.class) {
                t = timer;
                if (t == null) {
                    t = Thread.ofPlatform().daemon().name("weft-deadline-timer").unstarted(DeadlineTimer::loop);
                    timer = t;
                    t.start();
                    return;
                }
            }
        }
        Parking.unpark(t);
    }

    private static void loop() {
        Time.timerStarted(Thread.currentThread());
        PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Long.signum(a.deadline - b.deadline));
        int purgeAt = DRAIN_EVERY;
        long lastPurge = Time.now();
        for (;;) {
            boolean drained = false;
            for (Entry e = PENDING.getAndSet(null); e != null; e = e.next) {
                drained = true;
                if (!e.stale()) {
                    heap.add(e);
                }
            }
            long now = Time.now();
            if (heap.size() >= purgeAt || (heap.size() > DRAIN_EVERY && now - lastPurge >= PURGE_EVERY_NANOS)) {
                heap.removeIf(Entry::stale);
                purgeAt = Math.max(DRAIN_EVERY, heap.size() * 2);
                lastPurge = now;
            }
            while (!heap.isEmpty() && heap.peek().deadline - now <= 0) {
                Entry e = heap.poll();
                try {
                    ThreadDeadlines r = e.arm.record;
                    if (r != null) {
                        r.fire(e.deadline);
                    }
                } catch (Throwable t) {
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
                }
            }
            long next = heap.isEmpty() ? ScopeNode.NO_DEADLINE : heap.peek().deadline;
            if (heap.size() > DRAIN_EVERY) {
                // Come back to purge exited scopes even if no deadline is due for hours.
                long purge = lastPurge + PURGE_EVERY_NANOS;
                if (next == ScopeNode.NO_DEADLINE || purge - next < 0) {
                    next = purge;
                }
            }
            if (drained) {
                long tick = Time.now() + BUSY_TICK_NANOS;
                if (next == ScopeNode.NO_DEADLINE || tick - next < 0) {
                    next = tick;
                }
            }
            heapSize = heap.size();
            plannedWake = next;
            if (PENDING.get() != null) {
                continue;
            }
            if (next == ScopeNode.NO_DEADLINE) {
                LockSupport.park(DeadlineTimer.class);
            } else {
                Time.waitUntil(next);
            }
        }
    }

    /** How many entries the heap held after the timer's last round; for tests. */
    static int heapSizeForTest() {
        return heapSize;
    }

    /** How many registrations wait to be drained; for tests. */
    static int pendingForTest() {
        Entry head = PENDING.get();
        return head == null ? 0 : head.depth;
    }
}
