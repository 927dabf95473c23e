package dev.weft.test;

import dev.weft.CancelScope;
import dev.weft.spi.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks that a block left nothing behind: no task or generator thread still running, no
 * interrupt flag set on the calling thread, and the calling thread back in the cancel scope it
 * started in.
 *
 * <pre>{@code
 * Leaks.assertNoLeaks(() -> fetchAll(urls));
 * }</pre>
 *
 * <p>Threads are those weft starts while the block runs (it watches them through the
 * {@link Clock} hooks, forwarding everything to the clock installed before, so it works inside
 * {@link VirtualTime#run}; put it inside, not around, a virtual-time block). A thread gets
 * {@link #GRACE} of real time to finish after the block returns, since a task's thread ends a
 * moment after its group has seen it complete. Like the clock, the watch is JVM-wide while the
 * block runs: do not run it in parallel with other weft tests.
 */
public final class Leaks {
    /** How long a thread started by the block may take to end after the block returns. */
    public static final Duration GRACE = Duration.ofSeconds(2);
    private static final int TOP_FRAMES = 6;

    /** The code checked. */
    @FunctionalInterface
    public interface Block {
        /**
         * Runs the code.
         *
         * @throws Exception anything; rethrown by {@link Leaks#assertNoLeaks}
         */
        void run() throws Exception;
    }

    private Leaks() {
    }

    /** A clock that forwards everything to the one it wraps and notes the threads weft starts. */
    private static final class Watch implements Clock {
        final Clock inner;
        final Set<Thread> started = ConcurrentHashMap.newKeySet();

        Watch(Clock inner) {
            this.inner = inner;
        }

        @Override
        public long nanoTime() {
            return inner.nanoTime();
        }

        @Override
        public void waitUntil(long deadline) {
            inner.waitUntil(deadline);
        }

        @Override
        public void parking(Thread thread) {
            inner.parking(thread);
        }

        @Override
        public void resumed(Thread thread) {
            inner.resumed(thread);
        }

        @Override
        public void unparking(Thread thread) {
            inner.unparking(thread);
        }

        @Override
        public void deadlineArmed(long deadline) {
            inner.deadlineArmed(deadline);
        }

        @Override
        public void threadStarted(Thread thread) {
            started.add(thread);
            inner.threadStarted(thread);
        }

        @Override
        public void threadEnded(Thread thread) {
            inner.threadEnded(thread);
        }

        @Override
        public String toString() {
            return "Leaks.watch(" + inner + ")";
        }
    }

    /**
     * Runs {@code block} and checks that it leaked nothing.
     *
     * @param block what to run
     * @throws Exception what the block threw (when it also leaked, the leak is thrown and the
     *         block's exception is attached as suppressed)
     * @throws AssertionError naming each leak: a live thread with its top frames, a set interrupt
     *         flag, a different current scope
     */
    public static void assertNoLeaks(Block block) throws Exception {
        Objects.requireNonNull(block, "block is null: pass the code to check, e.g. () -> work()");
        CancelScope before = CancelScope.current();
        Watch watch = new Watch(Clock.current());
        Throwable failed = null;
        try (Clock.Installation ignored = Clock.install(watch)) {
            block.run();
        } catch (Throwable t) {
            failed = t;
        }
        List<String> leaks = new ArrayList<>();
        if (Thread.interrupted()) {
            leaks.add("the calling thread's interrupt flag is set (it is cleared now): an interrupt outlived the block");
        }
        CancelScope after = CancelScope.current();
        if (after != before) {
            leaks.add("the calling thread is in cancel scope " + after + ", not in " + before + " where the block started");
        }
        long until = System.nanoTime() + GRACE.toNanos();
        List<Thread> alive = alive(watch.started);
        while (!alive.isEmpty() && System.nanoTime() - until < 0) {
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            alive = alive(watch.started);
        }
        for (Thread t : alive) {
            StringBuilder b = new StringBuilder("thread '").append(t.getName()).append("' (").append(t.getState())
                    .append("), started by weft during the block, still runs ").append(GRACE.toMillis())
                    .append(" ms after it:");
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < Math.min(TOP_FRAMES, frames.length); i++) {
                b.append("\n      at ").append(frames[i]);
            }
            leaks.add(b.toString());
        }
        if (!leaks.isEmpty()) {
            AssertionError e = new AssertionError("the block leaked:\n  - " + String.join("\n  - ", leaks));
            if (failed != null) {
                e.addSuppressed(failed);
            }
            throw e;
        }
        if (failed instanceof Exception ex) {
            throw ex;
        }
        if (failed instanceof Error er) {
            throw er;
        }
    }

    private static List<Thread> alive(Set<Thread> threads) {
        return threads.stream().filter(Thread::isAlive).toList();
    }
}
