package dev.weft;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.Serial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Helpers shared by the task-group tests: running a body on a platform or a virtual thread,
 * bounded waits, and the checks every concurrency test ends with (no live task thread, no leaked
 * interrupt flag, every failure reported once).
 *
 * <p>Every wait here is bounded ({@link #WAIT}); a wait that runs out fails the test with a
 * message instead of hanging the build.
 */
final class GroupTestSupport {
    /** The bound on every wait for an event that should happen promptly. */
    static final Duration WAIT = Duration.ofSeconds(10);

    /** How long a cancelled blocking call may take to wake, on two busy cores. */
    static final Duration WAKE_BOUND = Duration.ofSeconds(2);

    /** Long enough that a task sleeping this long is only ever stopped by cancellation. */
    static final Duration FOREVER = Duration.ofMinutes(5);

    private GroupTestSupport() {
    }

    /** A test body that may throw anything. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    /** The kind of thread that owns the group under test (the one that calls TaskGroup.run). */
    enum Owner {
        /** The JUnit test thread itself, a platform thread. */
        PLATFORM {
            @Override
            void run(ThrowingRunnable body) throws Throwable {
                runAndCheckInterrupt(body);
            }
        },
        /** A fresh virtual thread, joined by the test thread. */
        VIRTUAL {
            @Override
            void run(ThrowingRunnable body) throws Throwable {
                inVirtualThread(body);
            }
        };

        /**
         * Runs {@code body} on this kind of thread, rethrows what it throws, and fails if the
         * thread's interrupt flag is set when the body ends.
         */
        abstract void run(ThrowingRunnable body) throws Throwable;
    }

    /**
     * Runs {@code body} in a new virtual thread, waits for it (bounded) and rethrows its failure;
     * fails if the virtual thread's interrupt flag is set when the body ends.
     */
    static void inVirtualThread(ThrowingRunnable body) throws Throwable {
        Background bg = Background.start(true, "test-owner", () -> runAndCheckInterrupt(body));
        bg.join(Duration.ofSeconds(90));
    }

    /**
     * Runs {@code body} and then fails if the thread's interrupt flag is set (clearing it, so that
     * one leak does not spill into the next test); a failure of the body stays the primary one.
     */
    private static void runAndCheckInterrupt(ThrowingRunnable body) throws Throwable {
        try {
            body.run();
        } catch (Throwable t) {
            if (Thread.interrupted()) {
                t.addSuppressed(new AssertionError("the owner thread's interrupt flag leaked out of the test body"));
            }
            throw t;
        }
        if (Thread.interrupted()) {
            fail("the owner thread's interrupt flag leaked out of the test body");
        }
    }

    /**
     * A thread started by a test, whose failure is surfaced by {@link #join}.
     */
    static final class Background {
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        private Background(boolean virtual, String name, ThrowingRunnable body) {
            Runnable r = () -> {
                try {
                    body.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            };
            thread = virtual ? Thread.ofVirtual().name(name).unstarted(r) : Thread.ofPlatform().name(name).unstarted(r);
        }

        /** Starts {@code body} on a new virtual ({@code virtual}) or platform thread. */
        static Background start(boolean virtual, String name, ThrowingRunnable body) {
            Background b = new Background(virtual, name, body);
            b.thread.start();
            return b;
        }

        /** Waits (bounded by {@code bound}) for the thread and rethrows what its body threw. */
        void join(Duration bound) throws Exception {
            if (!thread.join(bound)) {
                AssertionError e = new AssertionError("thread '" + thread.getName() + "' did not finish within "
                        + bound + "; its stack:");
                e.setStackTrace(thread.getStackTrace());
                throw e;
            }
            Throwable t = failure.get();
            if (t instanceof Error e) {
                throw e;
            } else if (t instanceof Exception e) {
                throw e;
            } else if (t != null) {
                throw new AssertionError(t);
            }
        }

        /** Waits (bounded by {@link #WAIT}) for the thread and rethrows what its body threw. */
        void join() throws Exception {
            join(WAIT);
        }

        Thread thread() {
            return thread;
        }
    }

    /** Waits (bounded) for {@code latch}; fails with {@code what} if it does not open. */
    static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("timed out waiting for: " + what);
        }
    }

    /** Polls {@code condition} (bounded) until true; fails with {@code what} otherwise. */
    static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits (bounded) until the task's thread is parked or sleeping, i.e. inside the blocking
     * call the test is about; reads the package-private thread of the task.
     */
    static void awaitBlocked(Task<?> task) throws InterruptedException {
        Thread t = task.record.thread();
        awaitCondition(() -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || task.isDone();
        }, "task '" + task.name() + "' to block");
    }

    /**
     * Asserts that every task is done and that its thread has terminated (bounded wait: the
     * thread may still be returning from its last instructions after the group let go of it).
     */
    static void assertAllFinished(Collection<? extends Task<?>> tasks, String context) throws InterruptedException {
        for (Task<?> t : tasks) {
            assertTrue(t.isDone(), () -> context + ": task " + t + " is not done");
            Thread th = t.record.thread();
            if (!th.join(WAIT)) {
                fail(context + ": the thread of task " + t + " is still alive: "
                        + Arrays.toString(th.getStackTrace()));
            }
        }
    }

    /** The leaves of an exception-group tree, depth first, in order; {@code t} itself if not a group. */
    static List<Throwable> leaves(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        collectLeaves(t, out);
        return out;
    }

    private static void collectLeaves(Throwable t, List<Throwable> out) {
        if (t instanceof ExceptionGroup g) {
            for (Throwable m : g.exceptions()) {
                collectLeaves(m, out);
            }
        } else {
            out.add(t);
        }
    }

    /** A set that compares exceptions by identity, safe for concurrent use. */
    static Set<Throwable> identitySet() {
        return Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** Milliseconds since {@code startNanos}. */
    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /**
     * A stand-in for {@code OutOfMemoryError}/{@code StackOverflowError}: the kind of failure a
     * group must rethrow bare (TG-15), without provoking a real one.
     */
    static final class FakeVmError extends VirtualMachineError {
        @Serial
        private static final long serialVersionUID = 1L;

        FakeVmError(String message) {
            super(message);
        }
    }
}
