package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Everything the weft-core tests share, in one place. A new test needs at most these pieces:
 *
 * <ul>
 *   <li>{@link ThreadKind}: the two kinds of thread every behaviour is checked on, and how to run a
 *       test body on a fresh thread of one kind ({@link ThreadKind#run}).</li>
 *   <li>{@link Background}: a thread a test starts and later joins, whose failure is rethrown by
 *       {@link Background#join()}; {@link ScopedCall}: a blocking call on its own thread inside its
 *       own cancel scope, for tests that cancel it and look at what it returned or threw.</li>
 *   <li>Bounded waits ({@link #await(CountDownLatch, String)}, {@link #awaitCondition}) and the named
 *       delays they use ({@link #PROMPT}, {@link #WAKE_BOUND}, {@link #FOREVER}, {@link #BODY_BOUND}),
 *       all multiplied by the system property (or environment variable) {@value #SCALE_PROPERTY}
 *       on a slow machine. No test sleeps and hopes: a wait that runs out fails with a message
 *       that names what did not happen.</li>
 *   <li>{@link Trail}: an event trail shared by threads, with {@link Trail#expect(int)} to state
 *       the order in which steps must happen and {@link Trail#expectEvents} to check the record.</li>
 *   <li>The checks concurrency tests end with: {@link #assertAllFinished} (no live task thread),
 *       {@link ThreadKind#run} (no leaked interrupt flag), {@link #leaves} and
 *       {@link #identitySet} (every failure reported, once).</li>
 * </ul>
 *
 * <p>The few places where a test must look at package-private internals are at the end of this
 * file ({@link #threadOf}, {@link #generatorsBoundTo}, {@link #isWaitingForChannelLock}), so that a
 * change of those internals touches one file.
 */
final class TestSupport {
    /** The system property or environment variable that multiplies every named delay (default 1). */
    static final String SCALE_PROPERTY = "weft.test.delayScale";

    /** The factor every named delay is multiplied by; at least 1. */
    static final double SCALE = readScale();

    /** The bound on every wait for an event that should happen promptly (10 s, scaled). */
    static final Duration PROMPT = scaled(Duration.ofSeconds(10));

    /** How long a cancelled blocking call may take to wake, on two busy cores (2 s, scaled). */
    static final Duration WAKE_BOUND = scaled(Duration.ofSeconds(2));

    /** The bound on a whole test body run on a thread of its own (90 s, scaled). */
    static final Duration BODY_BOUND = scaled(Duration.ofSeconds(90));

    /** Long enough that a task sleeping this long is only ever stopped by cancellation (5 min). */
    static final Duration FOREVER = Duration.ofMinutes(5);

    private TestSupport() {
    }

    private static double readScale() {
        String s = System.getProperty(SCALE_PROPERTY);
        if (s == null) {
            s = System.getenv(SCALE_PROPERTY.replace('.', '_').toUpperCase());
        }
        if (s == null || s.isBlank()) {
            return 1;
        }
        try {
            return Math.max(1, Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SCALE_PROPERTY + " must be a number such as 2 or 1.5, not '" + s + "'", e);
        }
    }

    /** {@code d} multiplied by {@link #SCALE}. */
    static Duration scaled(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * SCALE));
    }

    /** A test body that may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    // ------------------------------------------------------------------------------------------
    // Threads

    /** The kinds of thread a behaviour is checked on (use with {@code @EnumSource(ThreadKind.class)}). */
    enum ThreadKind {
        /** A platform thread, as the JUnit thread or a pool thread is. */
        PLATFORM,
        /** A virtual thread, as every weft task is. */
        VIRTUAL;

        /** A factory of (daemon, for platform) threads of this kind. */
        ThreadFactory factory() {
            return this == VIRTUAL ? Thread.ofVirtual().factory() : Thread.ofPlatform().daemon().factory();
        }

        /** Starts a bare thread of this kind running {@code r}; the caller joins it. */
        Thread startThread(Runnable r) {
            return this == VIRTUAL ? Thread.ofVirtual().start(r) : Thread.ofPlatform().start(r);
        }

        /** Starts {@code body} on a new thread of this kind; join it with {@link Background#join()}. */
        Background start(String name, Body body) {
            return Background.start(this, name, body);
        }

        /**
         * Runs {@code body} on a new thread of this kind, waits for it (at most {@link #PROMPT})
         * and returns its result, or rethrows what it threw.
         */
        <T> T call(java.util.concurrent.Callable<T> body) throws Exception {
            AtomicReference<T> result = new AtomicReference<>();
            start("test-call-" + name().toLowerCase(), () -> result.set(body.call())).join();
            return result.get();
        }

        /**
         * Runs {@code body} on a new thread of this kind, waits for it (at most {@link #BODY_BOUND})
         * and rethrows what it threw; fails if the thread's interrupt flag is set when the body
         * ends (a leaked interrupt), keeping a failure of the body as the primary one.
         */
        void run(Body body) throws Exception {
            start("test-" + name().toLowerCase(), () -> runAndCheckInterrupt(body)).join(BODY_BOUND);
        }
    }

    /**
     * Runs {@code body} on a new thread of {@code kind}, waits (at most {@link #BODY_BOUND}) and
     * rethrows its failure, without looking at the interrupt flag: for tests that check the flag
     * themselves.
     */
    static void runOn(ThreadKind kind, Body body) throws Exception {
        kind.start("test-" + kind.name().toLowerCase(), body).join(BODY_BOUND);
    }

    private static void runAndCheckInterrupt(Body body) throws Throwable {
        try {
            body.run();
        } catch (Throwable t) {
            if (Thread.interrupted()) {
                t.addSuppressed(new AssertionError("the thread's interrupt flag leaked out of the test body"));
            }
            throw t;
        }
        if (Thread.interrupted()) {
            fail("the thread's interrupt flag leaked out of the test body");
        }
    }

    /** A thread started by a test, whose failure is surfaced by {@link #join}. */
    static final class Background {
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        private Background(ThreadKind kind, String name, Body body) {
            Runnable r = () -> {
                try {
                    body.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            };
            thread = kind == ThreadKind.VIRTUAL ? Thread.ofVirtual().name(name).unstarted(r)
                    : Thread.ofPlatform().name(name).unstarted(r);
        }

        /** Starts {@code body} on a new thread of {@code kind}. */
        static Background start(ThreadKind kind, String name, Body body) {
            Background b = new Background(kind, name, body);
            b.thread.start();
            return b;
        }

        /** Waits (at most {@code bound}) for the thread and rethrows what its body threw. */
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

        /** Waits (at most {@link #PROMPT}) for the thread and rethrows what its body threw. */
        void join() throws Exception {
            join(PROMPT);
        }

        Thread thread() {
            return thread;
        }
    }

    /**
     * A blocking call running on its own thread inside its own cancel scope, with its outcome
     * recorded: the value, or what it threw (caught inside the scope, so the scope never absorbs
     * it), and whether the thread's interrupt flag was still set after the scope ended.
     */
    static final class ScopedCall<R> {
        private final Thread thread;
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile CancelScope scope;
        private volatile R value;
        private volatile Throwable error;
        private volatile boolean interruptLeaked;

        private ScopedCall(ThreadFactory factory, CallableOp<R, ? extends Exception> body) {
            thread = factory.newThread(() -> {
                CancelScope.run(s -> {
                    scope = s;
                    started.countDown();
                    try {
                        value = body.call();
                    } catch (Throwable t) {
                        error = t;
                    }
                    return null;
                });
                interruptLeaked = Thread.currentThread().isInterrupted();
            });
            thread.start();
        }

        /** Starts {@code body} on a new thread of {@code kind} and waits until its scope is open. */
        static <R> ScopedCall<R> start(ThreadKind kind, CallableOp<R, ? extends Exception> body) {
            ScopedCall<R> b = new ScopedCall<>(kind.factory(), body);
            try {
                if (!b.started.await(PROMPT.toMillis(), TimeUnit.MILLISECONDS)) {
                    fail("the background call did not start within " + PROMPT);
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return b;
        }

        Thread thread() {
            return thread;
        }

        /** Cancels the call's scope. */
        void cancel() {
            scope.cancel();
        }

        /** Waits for the thread to end; fails if it does not within {@link #PROMPT}. */
        ScopedCall<R> finish() {
            try {
                if (!thread.join(PROMPT)) {
                    fail("the background call is still blocked after " + PROMPT + ": " + thread
                            + " in state " + thread.getState());
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (interruptLeaked) {
                fail("the interrupt flag was still set after the call's cancel scope ended");
            }
            return this;
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        /** The value, after {@link #finish()}; fails if the call threw. */
        R value() {
            finish();
            if (error != null) {
                throw new AssertionError("the call threw instead of returning", error);
            }
            return value;
        }

        /** What the call threw, after {@link #finish()}; fails if it returned. */
        Throwable error() {
            finish();
            if (error == null) {
                fail("the call returned " + value + " instead of throwing");
            }
            return error;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Bounded waits

    /** Waits (at most {@link #PROMPT}) for {@code latch}; fails with {@code what} if it does not open. */
    static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(PROMPT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("timed out after " + PROMPT + " waiting for: " + what);
        }
    }

    /** Polls {@code condition} (at most {@link #PROMPT}) until true; fails with {@code what} otherwise. */
    static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + PROMPT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out after " + PROMPT + " waiting for: " + what);
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits (bounded) until the task's thread is parked or sleeping, i.e. inside the blocking call
     * the test is about, or the task is done.
     */
    static void awaitBlocked(Task<?> task) throws InterruptedException {
        Thread t = threadOf(task);
        awaitCondition(() -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || task.isDone();
        }, "task '" + task.name() + "' to block");
    }

    /** The task's result, or null if it failed or was cancelled (for tests that look elsewhere). */
    static Object joinQuietly(Task<?> t) {
        try {
            return t.join();
        } catch (TaskFailedException | CancelledException ignored) {
            return null;
        }
    }

    /**
     * Waits (at most {@link #PROMPT}) until {@code t} is parked or sleeping, by spinning: it never
     * sleeps, so it may be called by a thread whose interrupt flag is set, and leaves the flag alone.
     * A platform thread whose own interrupt is pending looks WAITING for an instant each time it
     * calls {@code LockSupport.park}, which then returns at once (a scratch program saw it in 38%
     * of its polls): where {@code t} may have an interrupt pending, wait for what that interrupt
     * does instead.
     */
    static void awaitParked(Thread t) {
        long end = System.nanoTime() + PROMPT.toNanos();
        Thread.State s;
        while ((s = t.getState()) != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() - end > 0) {
                fail("thread " + t + " did not block within " + PROMPT + "; it is " + s);
            }
            Thread.onSpinWait();
        }
    }

    /** Milliseconds since {@code startNanos}. */
    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Waits for a start signal on a helper thread; a missing signal fails the test. */
    static void awaitStart(CountDownLatch latch) {
        try {
            if (!latch.await(PROMPT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("start signal not given within " + PROMPT);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * What is wrong with a snapshot of a group's live tasks ({@code seen}), read after
     * {@code live} were known to be live: a task listed twice, or a live one missing; null if
     * nothing is.
     */
    static String snapshotProblem(List<Task<?>> seen, Collection<Task<?>> live) {
        Set<Task<?>> unique = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Task<?> t : seen) {
            if (!unique.add(t)) {
                return "task " + t + " twice in one snapshot";
            }
        }
        for (Task<?> t : live) {
            if (!unique.contains(t)) {
                return "live sleeper " + t + " missing from a snapshot";
            }
        }
        return null;
    }

    /**
     * Asserts that {@code escaped} (what a group threw, or null) reports each failure in
     * {@code thrown} exactly once, and nothing else.
     */
    static void assertReportedOnce(Throwable escaped, Set<Throwable> thrown, String where) {
        Set<Throwable> reported = identitySet();
        if (escaped != null) {
            for (Throwable l : leaves(escaped)) {
                assertTrue(reported.add(l), where + ": " + l + " reported twice");
            }
        }
        assertEquals(thrown.size(), reported.size(), where + ": failures reported");
        for (Throwable t : thrown) {
            assertTrue(reported.contains(t), where + ": failure " + t + " not reported");
        }
    }

    /** One iteration of a seeded stress test. */
    @FunctionalInterface
    interface SeededIteration {
        void run(long seed, int iteration) throws Exception;
    }

    /**
     * Runs {@code iteration} with seeds drawn from one master seed until {@code budget} has passed
     * and at least {@code min} times, and prints the master seed (replay a failure with
     * {@code -Dweft.stress.seed=<n>}; each failure message names its iteration's own seed).
     */
    static void seededIterations(String test, Duration budget, int min, SeededIteration iteration) throws Exception {
        long seed = Long.getLong("weft.stress.seed", System.nanoTime());
        java.util.Random seeds = new java.util.Random(seed);
        long end = System.nanoTime() + budget.toNanos();
        int iterations = 0;
        while (System.nanoTime() - end < 0 || iterations < min) {
            iteration.run(seeds.nextLong(), iterations);
            iterations++;
        }
        System.out.println(test + ": master seed " + seed + ", " + iterations + " iterations");
    }

    // ------------------------------------------------------------------------------------------
    // Event trail

    /**
     * A record of what happened, in order, written by any number of threads.
     *
     * <p>Two ways to use it. Name the events and compare the whole record at the end:
     * <pre>{@code
     * Trail trail = new Trail();
     * ... trail.add("child cancelled") ... trail.add("body cleanup") ...
     * trail.expectEvents("child cancelled", "body cleanup");
     * }</pre>
     * Or number the steps where they happen, and let each step check that it comes in its turn
     * (wherever the step runs, a step out of turn is recorded and fails the test at
     * {@link #expectSteps}):
     * <pre>{@code
     * trail.expect(1);     // in the body, before spawning
     * trail.expect(2);     // in the task
     * trail.awaitSteps(2); // in the body: bounded wait until step 2 happened
     * trail.expect(3);
     * trail.expectSteps(3);
     * }</pre>
     */
    static final class Trail {
        private final List<String> events = new ArrayList<>();
        private final List<String> misorders = new ArrayList<>();
        private int steps;

        /** Records {@code event}. */
        synchronized void add(String event) {
            events.add(event);
            notifyAll();
        }

        /** A copy of the events so far, in order. */
        synchronized List<String> events() {
            return List.copyOf(events);
        }

        /** Asserts that exactly {@code expected} were recorded, in this order. */
        void expectEvents(String... expected) {
            assertEquals(List.of(expected), events(), "the trail of events");
        }

        /** Asserts that {@code first} and {@code then} were both recorded, {@code first} earlier. */
        void expectBefore(String first, String then) {
            List<String> e = events();
            int a = e.indexOf(first);
            int b = e.indexOf(then);
            assertTrue(a >= 0 && b >= 0 && a < b, () -> "expected '" + first + "' before '" + then + "' in " + e);
        }

        /**
         * Marks step {@code n}: it must come right after step {@code n - 1}. A step out of turn is
         * recorded (and reported by {@link #expectSteps}) rather than thrown, because it may run on
         * a thread whose failure the test would not see.
         */
        synchronized void expect(int n) {
            if (n != steps + 1) {
                misorders.add("step " + n + " came after step " + steps + " on " + Thread.currentThread());
            }
            steps = Math.max(steps, n);
            events.add("step " + n);
            notifyAll();
        }

        /** Waits (at most {@link #PROMPT}) until step {@code n} has been marked. */
        synchronized void awaitSteps(int n) throws InterruptedException {
            long end = System.nanoTime() + PROMPT.toNanos();
            while (steps < n) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    fail("timed out after " + PROMPT + " waiting for step " + n + "; trail: " + events);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        /** Asserts that steps 1 to {@code n} were all marked, each in its turn. */
        synchronized void expectSteps(int n) {
            assertTrue(misorders.isEmpty(), () -> "steps out of order: " + misorders + "; trail: " + events);
            assertEquals(n, steps, () -> "steps marked; trail: " + events);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Final checks

    /**
     * Asserts that every task is done and that its thread has ended (bounded wait: the thread may
     * still be returning from its last instructions after the group let go of it).
     */
    static void assertAllFinished(Collection<? extends Task<?>> tasks, String context) throws InterruptedException {
        for (Task<?> t : tasks) {
            assertTrue(t.isDone(), () -> context + ": task " + t + " is not done");
            Thread th = threadOf(t);
            if (!th.join(PROMPT)) {
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

    /**
     * A stand-in for {@code OutOfMemoryError}/{@code StackOverflowError}: the kind of failure a
     * group must rethrow bare (TG-15 in {@code docs/semantics.md}), without provoking a real one.
     */
    static final class FakeVmError extends VirtualMachineError {
        @Serial
        private static final long serialVersionUID = 1L;

        FakeVmError(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The only places that read package-private internals

    /** The thread that runs {@code task}. */
    static Thread threadOf(Task<?> task) {
        return task.record.thread();
    }

    /** The generators the current thread has bound to {@code scope} (to be closed when it ends). */
    static Collection<?> generatorsBoundTo(CancelScope scope) {
        return ThreadRecord.current().generators.get(scope);
    }

    /** Whether {@code thread} is queued on {@code channel}'s lock (a cancelled waiter withdrawing). */
    static boolean isWaitingForChannelLock(Channel<?> channel, Thread thread) {
        return channel.lock.hasQueuedThread(thread);
    }
}
