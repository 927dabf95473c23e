package dev.weft;

import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Fires the deadlines of cancel scopes, so that a thread blocked in a JDK call past its
 * deadline is interrupted.
 *
 * <h2>Implementation overview</h2>
 * Entering a scope with a deadline must cost tens of nanoseconds (DESIGN: at most 50 ns), and
 * most such scopes exit long before their deadline. So the timer keeps at most one live entry
 * per <em>thread</em>, not per scope: {@link ThreadState#arm} registers a thread's deadline only
 * when it is earlier than the one already armed for that thread, and exiting a scope costs
 * nothing here. When an armed deadline comes, {@link ThreadState#fire} expires the thread's
 * scopes that are past their deadline and re-arms for the earliest deadline left on its chain.
 * A loop of {@code failAfter(10 s)} on one thread therefore registers once per ten seconds.
 *
 * <p>Registering is one allocation and one CAS onto a lock-free stack of {@link Entry pending}
 * entries. One daemon platform thread drains the stack into a binary heap ordered by deadline,
 * dropping stale entries (superseded by an earlier arm, or of a thread that ended), fires what is
 * due, and parks until the earliest deadline left.
 *
 * <p>Wake-ups: a registering thread unparks the timer only if its deadline is earlier than the
 * timer's planned wake-up ({@link #plannedWake}), or when the pending stack has grown by
 * {@link #DRAIN_EVERY} entries. The timer publishes {@link #plannedWake} before its last look at
 * the stack, and a registrar pushes before reading {@link #plannedWake}; both are volatile, so an
 * early deadline is never slept through. The heap is purged of stale entries whenever it has
 * doubled since the last purge, and at least every second while it is large.
 *
 * <p>Weft's own blocking calls do not depend on this thread: they park until the effective
 * deadline themselves. The timer interrupts JDK calls, and catches up on scopes nobody checks.
 */
final class DeadlineTimer {
    /** One registration; the stack link is written before the CAS that publishes it. */
    private static final class Entry {
        final ThreadState.Arm arm;
        final long deadline;
        Entry next;
        int depth;

        Entry(ThreadState.Arm arm, long deadline) {
            this.arm = arm;
            this.deadline = deadline;
        }

        /** Superseded by an earlier deadline, fired, or its thread ended. */
        boolean stale() {
            ThreadState ts = arm.state;
            return ts == null || !ts.armedAt(deadline);
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
    private static volatile long plannedWake = CancelScope.NO_DEADLINE;
    private static volatile Thread timer;
    /** The heap's size after the timer's last round; for tests. */
    private static volatile int heapSize;

    private DeadlineTimer() {
    }

    static void register(ThreadState.Arm arm, long deadline) {
        Entry e = new Entry(arm, deadline);
        Entry head;
        do {
            head = PENDING.get();
            e.next = head;
            e.depth = head == null ? 1 : head.depth + 1;
        } while (!PENDING.compareAndSet(head, e));
        long planned = plannedWake;
        if (planned == CancelScope.NO_DEADLINE || deadline - planned < 0 || e.depth % DRAIN_EVERY == 0) {
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
        LockSupport.unpark(t);
    }

    private static void loop() {
        PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Long.signum(a.deadline - b.deadline));
        int purgeAt = DRAIN_EVERY;
        long lastPurge = System.nanoTime();
        for (;;) {
            boolean drained = false;
            for (Entry e = PENDING.getAndSet(null); e != null; e = e.next) {
                drained = true;
                if (!e.stale()) {
                    heap.add(e);
                }
            }
            long now = System.nanoTime();
            if (heap.size() >= purgeAt || (heap.size() > DRAIN_EVERY && now - lastPurge >= PURGE_EVERY_NANOS)) {
                heap.removeIf(Entry::stale);
                purgeAt = Math.max(DRAIN_EVERY, heap.size() * 2);
                lastPurge = now;
            }
            while (!heap.isEmpty() && heap.peek().deadline - now <= 0) {
                Entry e = heap.poll();
                try {
                    ThreadState ts = e.arm.state;
                    if (ts != null) {
                        ts.fire(e.deadline);
                    }
                } catch (Throwable t) {
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
                }
            }
            long next = heap.isEmpty() ? CancelScope.NO_DEADLINE : heap.peek().deadline;
            if (heap.size() > DRAIN_EVERY) {
                // Come back to purge exited scopes even if no deadline is due for hours.
                long purge = lastPurge + PURGE_EVERY_NANOS;
                if (next == CancelScope.NO_DEADLINE || purge - next < 0) {
                    next = purge;
                }
            }
            if (drained) {
                long tick = System.nanoTime() + BUSY_TICK_NANOS;
                if (next == CancelScope.NO_DEADLINE || tick - next < 0) {
                    next = tick;
                }
            }
            heapSize = heap.size();
            plannedWake = next;
            if (PENDING.get() != null) {
                continue;
            }
            if (next == CancelScope.NO_DEADLINE) {
                LockSupport.park(DeadlineTimer.class);
            } else {
                LockSupport.parkNanos(DeadlineTimer.class, next - System.nanoTime());
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
