package dev.weft;

import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.spi.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A {@link Clock} for weft's own tests that moves only when the test calls {@link #advance}: a
 * deadline fires exactly when the test says, however slow the machine. Install it with
 * {@code try (var c = ManualClock.install())}. It also records what the observation hooks report
 * (threads parked in weft waits, deadlines armed), which is what a virtual clock with autojump
 * builds on; {@link #awaitParked} uses it to wait until a thread is inside its weft wait.
 */
final class ManualClock implements Clock, AutoCloseable {
    private static final long WAIT_NANOS = Duration.ofSeconds(10).toNanos();

    private volatile long now;
    private final Set<Thread> waitingForTime = ConcurrentHashMap.newKeySet();
    final Set<Thread> parked = ConcurrentHashMap.newKeySet();
    final AtomicInteger armed = new AtomicInteger();
    final AtomicInteger wakeUps = new AtomicInteger();
    final Set<Thread> started = ConcurrentHashMap.newKeySet();
    final Set<Thread> ended = ConcurrentHashMap.newKeySet();
    private Clock.Installation installation;

    private ManualClock() {
        this.now = Clock.current().nanoTime(); // continue from the clock it replaces
    }

    /** Creates a manual clock reading the current time, and installs it. */
    static ManualClock install() {
        ManualClock c = new ManualClock();
        c.installation = Clock.install(c);
        return c;
    }

    @Override
    public void close() {
        installation.close();
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Moves the time forward and wakes the deadline timer. */
    void advance(Duration d) {
        now += d.toNanos();
        waitingForTime.forEach(LockSupport::unpark);
    }

    /** Moves the time forward without waking the deadline timer: only readers notice. */
    void advanceSilently(Duration d) {
        now += d.toNanos();
    }

    @Override
    public void waitUntil(long deadline) {
        Thread me = Thread.currentThread();
        waitingForTime.add(me);
        try {
            if (deadline - now > 0) {
                LockSupport.park(this);
            }
        } finally {
            waitingForTime.remove(me);
        }
    }

    @Override
    public void parking(Thread thread) {
        parked.add(thread);
    }

    @Override
    public void resumed(Thread thread) {
        parked.remove(thread);
    }

    @Override
    public void unparking(Thread thread) {
        wakeUps.incrementAndGet();
    }

    @Override
    public void deadlineArmed(long deadline) {
        armed.incrementAndGet();
    }

    @Override
    public void threadStarted(Thread thread) {
        started.add(thread);
    }

    @Override
    public void threadEnded(Thread thread) {
        ended.add(thread);
    }

    /** Waits (bounded, in real time) until {@code thread} is parked in a weft wait. */
    void awaitParked(Thread thread) throws InterruptedException {
        awaitCondition(() -> parked.contains(thread), "thread '" + thread.getName() + "' to park in a weft wait");
    }

    static void awaitCondition(BooleanSupplier c, String what) throws InterruptedException {
        long until = System.nanoTime() + WAIT_NANOS;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    @Override
    public String toString() {
        return "ManualClock[" + now + "]";
    }
}
