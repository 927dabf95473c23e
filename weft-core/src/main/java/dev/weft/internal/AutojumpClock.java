package dev.weft.internal;

import dev.weft.spi.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine of virtual time: a {@link Clock} that stands still while any thread of a block runs,
 * and jumps straight to the next armed deadline when every one of them is parked in a weft wait
 * (nothing can happen until time moves). The public face is {@code dev.weft.test.VirtualTime};
 * weft-core's own tests use this class directly (they cannot depend on the test kit, which is
 * built after the core). Not exported (only to {@code dev.weft.test}).
 *
 * <h2>Implementation overview</h2>
 * The clock keeps the threads of the block ({@link #run}'s caller and every task or generator
 * thread weft starts meanwhile, {@link Clock#threadStarted}) in {@link #threads}, each either
 * running or parked in a weft wait ({@link Clock#parking} / {@link Clock#resumed}). A wake-up
 * announced by {@link Clock#unparking} marks its thread running at once, before the unpark
 * happens; a wake-up of a thread that is not parked yet is kept as a permit (like
 * {@link LockSupport}'s own) and makes its next park count as running, since that park returns
 * at once. So "all parked" is never seen while a wake-up is in flight.
 *
 * <p>The deadline timer tells the clock its next deadline by calling {@link #waitUntil}. The
 * clock jumps, setting {@link #now} to that deadline and unparking the timer, when both hold:
 * every thread of the block is parked, and the timer is waiting. An unpark of the timer (an
 * earlier deadline was registered) withdraws its wait, so the clock never jumps past a deadline
 * the timer has not seen yet. After a jump the timer fires what is due, which wakes threads
 * (announced), or calls {@link #waitUntil} again, where the clock may jump again.
 *
 * <p>A watchdog (a daemon platform thread per {@link #run}) turns a hang into a failure: when no
 * hook reports anything for {@code stallTimeout} of real time, it names the threads that are not
 * in a weft wait (blocked in a JDK call that virtual time cannot skip, such as
 * {@link Thread#sleep}, a socket read or a lock) with their top frames, or reports a deadlock
 * when every thread is parked and no deadline is armed; it then interrupts the block's threads
 * and {@link #run} throws an {@link AssertionError} with that message.
 *
 * <p>Fields: everything but {@link #now} is guarded by this object's monitor; {@link #now} is
 * volatile, written under the monitor and read by any thread.
 */
public final class AutojumpClock implements Clock {
    /** How long real time may pass with no progress before the watchdog fails the block. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);
    private static final long NONE = Long.MIN_VALUE;
    private static final int TOP_FRAMES = 8;

    /** A tracked thread's state. */
    private static final class State {
        boolean parked;
        boolean permit;
    }

    /** The clock of the innermost {@link #run} in progress; written by its caller. */
    private static volatile AutojumpClock current;

    private final long origin;
    private volatile long now;
    private final Map<Thread, State> threads = new IdentityHashMap<>();
    private int running;
    private Thread timer;
    /** The deadline the timer waits for in {@link #waitUntil}, or {@link #NONE}. */
    private long timerTarget = NONE;
    private long progress;
    private int jumps;
    private String stall;

    /** A clock that starts at {@code start} (continue from the clock it replaces). */
    public AutojumpClock(long start) {
        this.origin = start;
        this.now = start;
    }

    /**
     * Runs {@code body} on the calling thread with a new autojump clock installed, and restores
     * the previous clock afterwards.
     *
     * @param stallTimeout real time without progress after which the block fails
     * @param body what to run
     * @param <T> the body's result
     * @return the body's result
     * @throws Exception what the body threw
     * @throws AssertionError when the watchdog found the block stuck
     */
    public static <T> T run(Duration stallTimeout, Callable<T> body) throws Exception {
        AutojumpClock clock = new AutojumpClock(Clock.current().nanoTime());
        Thread me = Thread.currentThread();
        clock.track(me);
        Thread watchdog;
        T result;
        AutojumpClock outer = current;
        current = clock;
        try (Clock.Installation ignored = Clock.install(clock)) {
            watchdog = Thread.ofPlatform().daemon().name("weft-virtual-time-watchdog")
                    .start(() -> clock.watch(stallTimeout.toNanos()));
            try {
                result = body.call();
            } catch (Throwable t) {
                String s = stopWatchdog(clock, me, watchdog);
                if (s != null) {
                    AssertionError e = new AssertionError(s);
                    e.addSuppressed(t);
                    throw e;
                }
                throw t;
            }
            String s = stopWatchdog(clock, me, watchdog);
            if (s != null) {
                throw new AssertionError(s);
            }
        } finally {
            current = outer;
        }
        return result;
    }

    /**
     * Ends the block's watch and returns the stall report, if any. The watchdog is joined first,
     * so that its interrupt (sent to unblock this thread after a stall) is not left behind: it is
     * cleared after a stall, and an interrupt from anywhere else is kept.
     */
    private static String stopWatchdog(AutojumpClock clock, Thread me, Thread watchdog) {
        String s = clock.finish(me);
        watchdog.interrupt();
        boolean interrupted = false;
        for (;;) {
            try {
                watchdog.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (s != null) {
            Thread.interrupted();
        } else if (interrupted) {
            me.interrupt();
        }
        return s;
    }

    /** How much virtual time has passed since this clock started. */
    public Duration elapsed() {
        return Duration.ofNanos(now - origin);
    }

    /** How many times the clock has jumped. */
    public synchronized int jumps() {
        return jumps;
    }

    /** The clock of the innermost {@link #run} in progress, or null. */
    public static AutojumpClock current() {
        return current;
    }

    // ---- the block's threads ----

    private synchronized void track(Thread t) {
        if (threads.putIfAbsent(t, new State()) == null) {
            running++;
        }
        progress++;
    }

    /** Stops tracking the block's thread; returns the stall report, if the watchdog made one. */
    private synchronized String finish(Thread t) {
        untrack(t);
        String s = stall;
        stall = "finished"; // the watchdog stops
        return "finished".equals(s) ? null : s;
    }

    private void untrack(Thread t) {
        State s = threads.remove(t);
        if (s != null && !s.parked) {
            running--;
        }
        progress++;
        maybeJump();
    }

    // ---- Clock ----

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void waitUntil(long deadline) {
        synchronized (this) {
            timer = Thread.currentThread();
            progress++;
            if (deadline - now <= 0) {
                return;
            }
            timerTarget = deadline;
            if (maybeJump()) {
                return;
            }
        }
        LockSupport.park(this);
        synchronized (this) {
            timerTarget = NONE;
        }
    }

    @Override
    public synchronized void parking(Thread thread) {
        State s = threads.get(thread);
        if (s == null) {
            return;
        }
        progress++;
        if (s.permit) {
            s.permit = false; // the park returns at once: the thread stays running
            return;
        }
        if (!s.parked) {
            s.parked = true;
            running--;
            maybeJump();
        }
    }

    @Override
    public synchronized void resumed(Thread thread) {
        State s = threads.get(thread);
        if (s == null) {
            return;
        }
        progress++;
        if (s.parked) {
            s.parked = false;
            running++;
        }
    }

    @Override
    public synchronized void unparking(Thread thread) {
        progress++;
        if (thread == timer) {
            timerTarget = NONE; // the timer will wait again, maybe for an earlier deadline
            return;
        }
        State s = threads.get(thread);
        if (s == null) {
            return;
        }
        if (s.parked) {
            s.parked = false;
            running++;
        } else {
            s.permit = true;
        }
    }

    @Override
    public synchronized void deadlineArmed(long deadline) {
        progress++;
    }

    @Override
    public synchronized void threadStarted(Thread thread) {
        track(thread);
    }

    @Override
    public synchronized void threadEnded(Thread thread) {
        untrack(thread);
    }

    /** Jumps to the timer's deadline if every thread of the block is parked; holds the monitor. */
    private boolean maybeJump() {
        if (timerTarget == NONE || running > 0 || threads.isEmpty()) {
            return false;
        }
        if (timerTarget - now > 0) {
            now = timerTarget;
        }
        jumps++;
        timerTarget = NONE;
        if (timer != Thread.currentThread()) {
            LockSupport.unpark(timer);
        }
        return true;
    }

    // ---- the watchdog ----

    private void watch(long stallNanos) {
        long seen = -1;
        long since = System.nanoTime();
        long poll = Math.max(1_000_000L, Math.min(stallNanos / 10, 100_000_000L));
        for (;;) {
            try {
                Thread.sleep(Duration.ofNanos(poll));
            } catch (InterruptedException e) {
                return;
            }
            List<Thread> toInterrupt;
            synchronized (this) {
                if (stall != null) {
                    return;
                }
                if (progress != seen) {
                    seen = progress;
                    since = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - since < stallNanos) {
                    continue;
                }
                stall = describeStall(stallNanos);
                toInterrupt = new ArrayList<>(threads.keySet());
            }
            toInterrupt.forEach(Thread::interrupt);
            return;
        }
    }

    private String describeStall(long stallNanos) {
        StringBuilder b = new StringBuilder("virtual time is stuck: nothing happened for ")
                .append(Duration.ofNanos(stallNanos).toMillis()).append(" ms of real time");
        List<Thread> outside = new ArrayList<>();
        List<Thread> parked = new ArrayList<>();
        threads.forEach((t, s) -> (s.parked ? parked : outside).add(t));
        if (!outside.isEmpty()) {
            b.append(", and the clock cannot jump while a thread of the block is outside a weft wait."
                    + " Blocked in a JDK call (Thread.sleep, a socket read, a lock, a JDK queue)?"
                    + " Virtual time cannot skip those: use Weft.sleep, weft channels and Suspension,"
                    + " or run this part on real time.");
            for (Thread t : outside) {
                appendThread(b, t, "not in a weft wait");
            }
        } else {
            b.append(", every thread of the block is parked in a weft wait and no deadline is armed:"
                    + " nothing can wake them (a deadlock).");
        }
        for (Thread t : parked) {
            appendThread(b, t, "parked in a weft wait");
        }
        b.append("\nvirtual time elapsed: ").append(elapsed()).append("; the block's threads are interrupted.");
        return b.toString();
    }

    private static void appendThread(StringBuilder b, Thread t, String what) {
        b.append("\n  thread '").append(t.getName()).append("' (").append(t.getState()).append(", ").append(what)
                .append(')');
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(TOP_FRAMES, frames.length); i++) {
            b.append("\n      at ").append(frames[i]);
        }
    }

    @Override
    public String toString() {
        return "AutojumpClock[elapsed " + elapsed() + "]";
    }
}
