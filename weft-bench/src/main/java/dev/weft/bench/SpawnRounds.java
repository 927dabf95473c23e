package dev.weft.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The comparison's spawn family, measured in interleaved rounds ({@link Rounds}) instead of by
 * JMH: spawn + join of {@code tasks} trivial tasks by each of the seven implementations of
 * {@link TaskGroupBenchmark}, called from a virtual thread, one after another in one JVM, round
 * after round.
 *
 * <p><b>Why rounds.</b> JMH measures one benchmark after another, each for some 15 seconds. On a
 * shared 2-core machine a whole benchmark's turn can fall into a stretch in which the same code
 * runs two to three and a half times slower, so two runs minutes apart gave weft's ratio to raw
 * threads as 0.78x and 1.41x. Here every round runs every implementation once (a round takes a
 * few milliseconds), so a slow stretch slows every implementation of the rounds it covers alike,
 * and the ratio of two implementations within one round is not moved by it.
 *
 * <p><b>What runs.</b> The very {@code @Benchmark} methods of
 * {@link TaskGroupBenchmark.VirtualCaller}, called by name ({@link #VARIANTS}), on one instance
 * set up by its own
 * {@link TaskGroupBenchmark#setUp()} (which fails unless the caller is a virtual thread) with
 * {@code tasks} set, so the code measured here and by JMH is the same code. The caller is a
 * virtual thread, as JMH's worker is in the {@code VirtualCaller} forks.
 *
 * <p><b>Order, figures.</b> As {@link Rounds} says: the seven variants in an order rotated and
 * strided from round to round; each variant's median time per call in {@code us/op}, half the
 * interquartile range, and its median same-round ratio to raw virtual threads ({@link #BASELINE}).
 *
 * <p><b>Time.</b> The defaults, 15 s of warm-up and 85 s of rounds, make the run take about as long
 * as the JMH spawn run it replaces (about 105 s: seven benchmarks, two forks of 3 + 4 one-second
 * iterations each, and JVM starts).
 *
 * <p><b>Output.</b> {@code --out FILE} gets one record per variant ({@link Rounds}' JSON):
 * {@code benchmark} is the JMH name,
 * {@code dev.weft.bench.TaskGroupBenchmark.VirtualCaller.<method>}, and {@code params} is
 * {@code {"tasks": "<tasks>"}}; the score is in {@code us/op}.
 *
 * <p>Usage: {@code java --enable-preview -cp weft-bench/target/benchmarks.jar
 * dev.weft.bench.SpawnRounds [--tasks N] [--warmup 15s] [--time 85s] [--out FILE]}; times are
 * given in {@code s} or {@code ms}. {@code weft-bench/compare.sh} runs it for the spawn run.
 */
public final class SpawnRounds {
    private SpawnRounds() {
    }

    /**
     * The measured methods of {@link TaskGroupBenchmark}, in the order they are reported: the
     * names of the comparison's spawn entries.
     */
    public static final List<String> VARIANTS = List.of("weftTaskGroup", "rawVirtualThreads", "structuredTaskScope",
            "executorPerTask", "completableFuture", "kotlinDefaultDispatcher", "kotlinVirtualThreadDispatcher");

    /** The variant that same-round ratios are taken to. */
    public static final String BASELINE = "rawVirtualThreads";

    /** What JMH calls the benchmarks run from a virtual caller: the prefix of every record's name. */
    public static final String JMH_PREFIX = "dev.weft.bench.TaskGroupBenchmark.VirtualCaller.";

    private static final String USAGE = "SpawnRounds [--tasks N] [--warmup 15s] [--time 85s] [--out FILE]";

    /** What the rounds of {@code tasks} tasks measure: µs per call, records named as JMH names them. */
    public static Rounds.Spec spec(int tasks) {
        return new Rounds.Spec("SpawnRounds: spawn + join of " + tasks + " tasks", VARIANTS, BASELINE, JMH_PREFIX,
                Map.of("tasks", Integer.toString(tasks)), "us/op", 1e3, "us per " + tasks + " tasks");
    }

    /**
     * Runs the rounds (see the class comment) from a virtual thread.
     *
     * @param args {@code [--tasks N] [--warmup TIME] [--time TIME] [--out FILE]}
     * @throws Exception if an operation fails, the caller cannot be started, or the file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Rounds.Options options = Rounds.Options.parse(args, List.of("--tasks"), USAGE);
        int tasks = Integer.parseInt(options.extra().getOrDefault("--tasks", "1000"));
        Rounds.runAndReport(Thread.ofVirtual().name("spawn-rounds"), options,
                (warmup, time, console) -> run(tasks, warmup, time, console));
    }

    /**
     * Warms up for {@code warmupNanos}, then measures rounds for {@code timeNanos}, printing a
     * line every 10 s to {@code console}. Must be called from a virtual thread.
     */
    static Rounds.Result run(int tasks, long warmupNanos, long timeNanos, PrintStream console) throws Exception {
        TaskGroupBenchmark.VirtualCaller b = new TaskGroupBenchmark.VirtualCaller();
        b.tasks = tasks;
        b.setUp();
        try {
            return Rounds.run(spec(tasks), Rounds.ops(TaskGroupBenchmark.class, b, VARIANTS), warmupNanos, timeNanos,
                    console);
        } finally {
            b.tearDown();
        }
    }
}
