package dev.weft.bench;

import dev.weft.CallableOp;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import dev.weft.bench.kotlin.Coroutines;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Entering and leaving a deadline that does not expire: weft's {@code Timeout.failAfter(10 s, body)}
 * beside a {@link ScheduledThreadPoolExecutor} {@code schedule} + {@code cancel(false)} (with
 * {@code setRemoveOnCancelPolicy(true)}), and {@code CompletableFuture.orTimeout(10 s)} on a
 * future completed right after. A second pair puts the deadline around one trivial concurrent
 * task: weft {@code failAfter} around a {@code TaskGroup} with one task, beside preview
 * {@code StructuredTaskScope.open(joiner, cf -> cf.withTimeout(10 s))} with one fork.
 *
 * <p>Performance targets ({@code docs/benchmarks.md}, "Targets at a glance") checked here: deadline scope enter + exit, not expiring, at
 * most 50 ns, and under half of a {@code ScheduledThreadPoolExecutor} schedule + cancel
 * [{@link #stpeScheduleCancel}, the baseline] ({@link #weftFailAfter}).
 *
 * <p>Two more lines: kotlinx-coroutines {@code withTimeout(10 s) { x }} in a coroutine on
 * {@code Dispatchers.Default} ({@link #kotlinWithTimeout}), and the floor, one
 * {@code System.nanoTime()} ({@link #clockRead}): a deadline is "now plus the duration", so no
 * deadline scope can be entered for less than one clock read.
 *
 * <p>All run from JMH's platform worker thread; the two forking benchmarks therefore include a
 * platform thread's wait for a virtual thread (see {@link TaskGroupBenchmark}) and are compared
 * only with each other. The body returns a constant; the result is returned to JMH.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-preview")
public class TimeoutBenchmark {
    static final Duration TEN_SECONDS = Duration.ofSeconds(10);
    static final Integer RESULT = 42;
    static final CallableOp<Integer, RuntimeException> BODY = () -> RESULT;
    static final Runnable NOOP = () -> { };

    private ScheduledThreadPoolExecutor stpe;

    /** Makes the one-thread scheduled executor, as a timeout library would keep one. */
    @Setup(Level.Trial)
    public void setUp() {
        stpe = new ScheduledThreadPoolExecutor(1);
        stpe.setRemoveOnCancelPolicy(true);
    }

    /** Stops the executor. */
    @TearDown(Level.Trial)
    public void tearDown() {
        stpe.shutdownNow();
    }

    /** weft: {@code Timeout.failAfter(10 s, () -> x)}. */
    @Benchmark
    public Integer weftFailAfter() {
        return Timeout.failAfter(TEN_SECONDS, BODY);
    }

    /** weft: {@code Timeout.moveOnAfter(10 s, () -> x)}, for reference. */
    @Benchmark
    public Object weftMoveOnAfter() {
        return Timeout.moveOnAfter(TEN_SECONDS, BODY);
    }

    /** Baseline: {@code stpe.schedule(noop, 10 s)}, the body, {@code cancel(false)}. */
    @Benchmark
    public Integer stpeScheduleCancel() {
        ScheduledFuture<?> f = stpe.schedule(NOOP, 10, TimeUnit.SECONDS);
        Integer r = BODY.call();
        f.cancel(false);
        return r;
    }

    /** {@code new CompletableFuture}, {@code orTimeout(10 s)}, {@code complete(x)}, {@code join}. */
    @Benchmark
    public Integer completableFutureOrTimeout() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        f.orTimeout(10, TimeUnit.SECONDS);
        f.complete(BODY.call());
        return f.join();
    }

    /** kotlinx: {@code withTimeout(10 s) { x }}, {@value Coroutines#LOOP} times in one coroutine. */
    @Benchmark
    @OperationsPerInvocation(Coroutines.LOOP)
    public int kotlinWithTimeout() {
        return Coroutines.withTimeoutLoop();
    }

    /**
     * weft: {@code Weft.checkpoint()} outside any deadline: the check every weft blocking call
     * starts with (it includes the cancellation fuzzer's hook, a null check when unused).
     */
    @Benchmark
    public void weftCheckpoint() {
        Weft.checkpoint();
    }

    /** The floor: one {@code System.nanoTime()}, the clock read a deadline starts from. */
    @Benchmark
    public long clockRead() {
        return System.nanoTime();
    }

    /** weft: {@code failAfter(10 s)} around a {@code TaskGroup} spawning and joining one task. */
    @Benchmark
    public Integer weftFailAfterOneTask() {
        return Timeout.failAfter(TEN_SECONDS, () -> TaskGroup.run(g -> g.spawn(() -> RESULT).join()));
    }

    /** Preview {@code StructuredTaskScope} with {@code withTimeout(10 s)}: one fork, join, close. */
    @Benchmark
    public Integer structuredTaskScopeWithTimeout() throws InterruptedException {
        try (var scope = StructuredTaskScope.open(StructuredTaskScope.Joiner.<Integer>awaitAllSuccessfulOrThrow(),
                cf -> cf.withTimeout(TEN_SECONDS))) {
            StructuredTaskScope.Subtask<Integer> t = scope.fork(() -> RESULT);
            scope.join();
            return t.get();
        }
    }
}
