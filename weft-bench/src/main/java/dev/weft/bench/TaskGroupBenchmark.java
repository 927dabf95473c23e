package dev.weft.bench;

import dev.weft.TaskGroup;
import dev.weft.Weft;
import dev.weft.bench.kotlin.Coroutines;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawning and joining tasks: a weft {@link TaskGroup} beside raw
 * {@code Thread.ofVirtual().start()} + {@code join()}, a per-operation
 * {@code Executors.newVirtualThreadPerTaskExecutor()} (submit, get, close),
 * {@code CompletableFuture.supplyAsync} on a virtual-thread executor + {@code join}, and the
 * preview {@code StructuredTaskScope.open()} fork + join, and kotlinx-coroutines
 * {@code coroutineScope { launch }} on {@code Dispatchers.Default} and on a virtual-thread
 * dispatcher (see {@link Coroutines#spawnJoin}); then the latency of cancelling
 * 100 000 sleeping tasks.
 *
 * <p>Performance targets ({@code docs/benchmarks.md}, "Targets at a glance") checked here: spawn + join of 1 000 tasks in a
 * {@code TaskGroup} at most 1.2x raw {@code Thread.ofVirtual().start()} + {@code join()}
 * [{@code raw}, the baseline]; {@code StructuredTaskScope} is quoted at about 1.9x raw. The
 * cancel-latency part ({@link CancelLatency}) is a scaled-down look at the target "cancelling
 * 1 000 000 sleeping tasks takes at most 2 s" (the full size is {@link ScaleRun}).
 *
 * <h2>Callers: compare like with like</h2>
 * A platform thread that starts one virtual thread and joins it waits 60-90 us, mostly for the
 * unpark of a parked platform thread; a virtual caller waits about 2 us. So every benchmark runs
 * twice, from each kind of caller, and only figures from the same kind of caller are compared:
 * <ul>
 * <li>{@link PlatformCaller}: JMH's usual platform worker thread is the caller.
 * <li>{@link VirtualCaller}: the forked JVM runs JMH with {@code -Djmh.executor=VIRTUAL}, so
 *     JMH's worker thread, which calls the benchmark method in its measured loop, is itself a
 *     virtual thread. No hand-off sits between the timer and the operation, so nothing but the
 *     operation is measured; a setup check fails the run if the worker is not virtual.
 * </ul>
 * Each task returns a constant; the weft group waits for its tasks when its body returns (its
 * join), the raw and executor peers join each thread or future.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public abstract class TaskGroupBenchmark {
    static final Integer RESULT = 42;
    static final Runnable NOOP = () -> { };

    /** How many tasks one operation spawns and joins. */
    @Param({"1", "1000"})
    public int tasks;

    private ExecutorService virtualExecutor;
    private kotlinx.coroutines.ExecutorCoroutineDispatcher kotlinVirtual;

    /** Whether the benchmark thread must be virtual. */
    abstract boolean virtualCaller();

    /** Checks the caller kind and makes the shared executor. */
    @Setup(Level.Trial)
    public void setUp() {
        if (Thread.currentThread().isVirtual() != virtualCaller()) {
            throw new IllegalStateException("the benchmark thread " + Thread.currentThread() + " is not a "
                    + (virtualCaller() ? "virtual" : "platform") + " thread; check -Djmh.executor");
        }
        virtualExecutor = Executors.newVirtualThreadPerTaskExecutor();
        kotlinVirtual = Coroutines.virtualThreadDispatcher();
    }

    /** Closes the shared executor and dispatcher. */
    @TearDown(Level.Trial)
    public void tearDown() {
        virtualExecutor.close();
        kotlinVirtual.close();
    }

    /** weft: {@code TaskGroup.run} whose body spawns {@code tasks} tasks; run waits for them. */
    @Benchmark
    public Object weftTaskGroup() {
        int n = tasks;
        return TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                g.spawn(() -> RESULT);
            }
            return null;
        });
    }

    /** Baseline: {@code Thread.ofVirtual().start()} each, then {@code join()} each. */
    @Benchmark
    public Thread rawVirtualThreads() throws InterruptedException {
        Thread[] threads = new Thread[tasks];
        Thread.Builder builder = Thread.ofVirtual();
        for (int i = 0; i < threads.length; i++) {
            threads[i] = builder.start(NOOP);
        }
        for (Thread t : threads) {
            t.join();
        }
        return threads[0];
    }

    /** A new virtual-thread-per-task executor per operation: submit each, get each, close. */
    @Benchmark
    public Object executorPerTask() throws InterruptedException, ExecutionException {
        Object last = null;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?>[] fs = new Future<?>[tasks];
            for (int i = 0; i < fs.length; i++) {
                fs[i] = ex.submit(() -> RESULT);
            }
            for (Future<?> f : fs) {
                last = f.get();
            }
        }
        return last;
    }

    /** {@code CompletableFuture.supplyAsync} on a shared virtual-thread executor, then join each. */
    @Benchmark
    public Object completableFuture() {
        CompletableFuture<?>[] fs = new CompletableFuture<?>[tasks];
        for (int i = 0; i < fs.length; i++) {
            fs[i] = CompletableFuture.supplyAsync(() -> RESULT, virtualExecutor);
        }
        Object last = null;
        for (CompletableFuture<?> f : fs) {
            last = f.join();
        }
        return last;
    }

    /** Preview {@code StructuredTaskScope.open()}: fork each, join, close. */
    @Benchmark
    public Object structuredTaskScope() throws InterruptedException {
        try (var scope = StructuredTaskScope.open()) {
            StructuredTaskScope.Subtask<Integer> last = null;
            for (int i = 0; i < tasks; i++) {
                last = scope.fork(() -> RESULT);
            }
            scope.join();
            return last.get();
        }
    }

    /**
     * kotlinx: {@code coroutineScope { repeat(tasks) { launch { } } }} on {@code Dispatchers.Default}
     * (stackless coroutines on a pool of platform threads, one per core).
     */
    @Benchmark
    public int kotlinDefaultDispatcher() {
        return Coroutines.spawnJoin(tasks, Coroutines.defaultDispatcher());
    }

    /** kotlinx: the same on a dispatcher that runs each dispatched block on a new virtual thread. */
    @Benchmark
    public int kotlinVirtualThreadDispatcher() {
        return Coroutines.spawnJoin(tasks, kotlinVirtual);
    }

    /** The benchmarks called from JMH's platform worker thread. */
    @State(Scope.Thread)
    @Fork(value = 2, jvmArgsAppend = "--enable-preview")
    public static class PlatformCaller extends TaskGroupBenchmark {
        @Override
        boolean virtualCaller() {
            return false;
        }
    }

    /** The benchmarks called from a virtual thread: JMH's worker is virtual in this fork. */
    @State(Scope.Thread)
    @Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Djmh.executor=VIRTUAL"})
    public static class VirtualCaller extends TaskGroupBenchmark {
        @Override
        boolean virtualCaller() {
            return true;
        }
    }

    /**
     * Cancel latency: the time from cancelling 100 000 sleeping tasks to the moment their
     * owner knows all of them have ended. Single-shot, one operation per iteration; the
     * sleepers are started by an iteration-level setup, outside the measured time.
     *
     * <ul>
     * <li>{@link #weftCancelGroup}: the tasks sleep in {@code Weft.sleep(1 h)} in one
     *     {@code TaskGroup} owned by a virtual thread; measured: {@code g.cancel()} until
     *     {@code TaskGroup.run} has returned (the owner thread is joined).
     * <li>{@link #rawInterruptAll}: raw virtual threads sleep in {@code Thread.sleep(1 h)};
     *     measured: {@code interrupt()} each, then {@code join()} each.
     * </ul>
     * Setup waits until every sleeper has reported that it is about to sleep, then 200 ms more
     * so that they are parked (the weft tasks' threads are not reachable to check their state).
     */
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    @Fork(value = 1, jvmArgsAppend = "-Xmx2g")
    public static class CancelLatency {
        static final int SLEEPERS = 100_000;
        static final Duration HOUR = Duration.ofHours(1);

        /** One group of weft sleepers per iteration. */
        @State(Scope.Thread)
        public static class WeftSleepers {
            final AtomicInteger sleeping = new AtomicInteger();
            final AtomicReference<TaskGroup> group = new AtomicReference<>();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            Thread owner;

            /** Starts the sleepers and waits until they sleep. */
            @Setup(Level.Iteration)
            public void start() throws InterruptedException {
                sleeping.set(0);
                group.set(null);
                outcome.set(null);
                owner = Thread.ofVirtual().name("cancel-latency-owner").start(() -> {
                    try {
                        Object r = TaskGroup.run(g -> {
                            for (int i = 0; i < SLEEPERS; i++) {
                                g.spawn(() -> {
                                    sleeping.incrementAndGet();
                                    Weft.sleep(HOUR);
                                });
                            }
                            group.set(g);
                            return "body done";
                        });
                        outcome.set(r == null ? "returned null" : r);
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                });
                awaitSleeping(sleeping, () -> group.get() != null);
            }

            /** Fails the run unless the cancelled group's run returned normally. */
            @TearDown(Level.Iteration)
            public void check() {
                Object o = outcome.get();
                if (!"body done".equals(o)) {
                    throw new IllegalStateException("TaskGroup.run did not return the body's value after"
                            + " g.cancel(): " + o, o instanceof Throwable t ? t : null);
                }
            }
        }

        /** One set of raw sleeping virtual threads per iteration. */
        @State(Scope.Thread)
        public static class RawSleepers {
            final AtomicInteger sleeping = new AtomicInteger();
            Thread[] threads;

            /** Starts the sleepers and waits until they sleep. */
            @Setup(Level.Iteration)
            public void start() throws InterruptedException {
                sleeping.set(0);
                threads = new Thread[SLEEPERS];
                Runnable sleeper = () -> {
                    sleeping.incrementAndGet();
                    try {
                        Thread.sleep(HOUR);
                    } catch (InterruptedException expected) {
                        // the measured interrupt
                    }
                };
                for (int i = 0; i < SLEEPERS; i++) {
                    threads[i] = Thread.ofVirtual().start(sleeper);
                }
                awaitSleeping(sleeping, () -> true);
            }
        }

        static void awaitSleeping(AtomicInteger sleeping, java.util.function.BooleanSupplier ready)
                throws InterruptedException {
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (sleeping.get() < SLEEPERS || !ready.getAsBoolean()) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IllegalStateException("only " + sleeping.get() + " of " + SLEEPERS
                            + " sleepers started within 120 s");
                }
                Thread.sleep(5);
            }
            Thread.sleep(200);
        }

        /** weft: {@code g.cancel()}, then wait for {@code TaskGroup.run} to return. */
        @Benchmark
        public void weftCancelGroup(WeftSleepers s) throws InterruptedException {
            s.group.get().cancel();
            s.owner.join();
        }

        /** Raw: interrupt every sleeping virtual thread, then join each. */
        @Benchmark
        public void rawInterruptAll(RawSleepers s) throws InterruptedException {
            for (Thread t : s.threads) {
                t.interrupt();
            }
            for (Thread t : s.threads) {
                t.join();
            }
        }
    }
}
