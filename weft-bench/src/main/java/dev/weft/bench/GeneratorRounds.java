package dev.weft.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison's generator family, measured in interleaved rounds ({@link Rounds}) instead of by
 * JMH: 20 000 items per call through weft's generator, the three lock-step floors and the four
 * peers of {@link QueueBaselineBenchmark}, one after another in one JVM, round after round.
 *
 * <p><b>Why rounds.</b> On the 2-core machine the comparison runs on, what a hand-off between two
 * virtual threads physically costs follows the state of the host, and that state holds for
 * seconds to minutes at a time. The lock-step round trip that spins 32 rounds, yields, then
 * parks ({@link QueueBaselineBenchmark#generatorFloorSpin32Yield8}) cost 66–83 ns per item in one
 * such stretch and 408–491 ns in another, while weft's generator cost 207–233 ns and 515–604 ns
 * in the same two stretches (2026-12-04). JMH measures one benchmark after another, so one
 * benchmark's whole turn can sit in the cheap state and another's in the dear one, and the ratios
 * of the family then compare two machines: the JMH comparison before this one gave weft
 * 369 ± 322 ns, its two forks at 211 and 530 ns. In rounds every implementation shares every
 * state, a round of eight calls lasting some tens of milliseconds, and the same-round ratio is the
 * figure that the state does not move; the medians of the times still follow the share of time
 * the machine spent in each state.
 *
 * <p><b>Each variant in a class loader of its own.</b> Every variant calls its own copy of
 * {@link QueueBaselineBenchmark} and of the classes it uses but the JDK's ({@link Rounds#isolated}),
 * so the JIT profiles and compiles it apart, as in a JMH fork of its own; the rounds still give
 * every variant the same stretches of the machine. Without it the variants share code, the lock-step floors' one wait loop
 * among them, which a real program using one implementation does not: on 2026-12-04 the
 * channel rounds without it put {@code ArrayBlockingQueue(16)} at 1/1 at 183 ns per item, with it
 * at 160 ns.
 *
 * <p><b>What runs.</b> The very {@code @Benchmark} methods named in {@link #VARIANTS}, called by
 * name, each on its own {@link QueueBaselineBenchmark} (see above). JMH would set nothing up for them: the class has no
 * {@code @State} and no {@code @Setup} of its own, and these methods take no state object (the
 * {@code Channels} and {@code KotlinChannels} states, with their {@code @Param}s, belong to the
 * channel benchmarks); two take a {@code Blackhole}, which {@link Rounds#ops} supplies (the
 * comparison starts this JVM with JMH's compiler-blackhole options, so that consuming a value costs
 * what it costs in JMH's forks: about 0.1 ns per item for the plain iterator instead of 1 ns; the
 * console says which blackhole ran). The caller is a platform thread, as JMH's worker is for this
 * class (no {@code VirtualCaller} here; each benchmark starts and joins its own virtual threads);
 * {@link #run} refuses a virtual one.
 *
 * <p><b>Figures.</b> Each call moves 20 000 items (the methods' {@code @OperationsPerInvocation}),
 * so a call's time divided by that is the time per item, in {@code ns/op} as JMH reports these
 * benchmarks. Same-round ratios are taken to the lock-step
 * round trip by park and unpark ({@link #BASELINE}), the baseline of the comparison's generator
 * table; the console adds weft's same-round ratio to the cheapest floor ({@link #FLOOR}).
 *
 * <p><b>Time.</b> The defaults, 15 s of warm-up and 85 s of rounds, take a little less than the JMH
 * generator run they replace (eight benchmarks, two forks of 3 + 4 one-second iterations each, and
 * JVM starts: about 120 s).
 *
 * <p><b>Output.</b> {@code --out FILE} gets one record per variant ({@link Rounds}' JSON):
 * {@code benchmark} is the JMH name, {@code dev.weft.bench.QueueBaselineBenchmark.<method>}, with no
 * {@code params}; the score is in {@code ns/op}.
 *
 * <p>Usage: {@code java --enable-preview -cp weft-bench/target/benchmarks.jar [JVM options]
 * dev.weft.bench.GeneratorRounds [--warmup 15s] [--time 85s] [--out FILE]}; times are given in
 * {@code s} or {@code ms}. {@code weft-bench/compare.sh} runs it for the generators run, with the
 * JVM options {@code dev.weft.bench.report.Catalog.COMPILER_BLACKHOLES}
 * ({@code ReportMain plan} prints them).
 */
public final class GeneratorRounds {
    private GeneratorRounds() {
    }

    /**
     * The measured methods of {@link QueueBaselineBenchmark}, in the order they are reported: the
     * names of the comparison's generator entries.
     */
    public static final List<String> VARIANTS = List.of("generatorWeft", "generatorFloorSpin32Yield8",
            "generatorFloorSpin", "generatorFloorPark", "generatorPeerSynchronousQueue", "generatorPeerKotlinProduce",
            "generatorPeerIterator", "generatorPeerKotlinSequence");

    /** The variant that same-round ratios are taken to: the generator table's baseline. */
    public static final String BASELINE = "generatorFloorPark";

    /** The cheapest lock-step floor, the generator table's floor: weft's distance to it is printed too. */
    public static final String FLOOR = "generatorFloorSpin32Yield8";

    /** What JMH calls the benchmarks: the prefix of every record's name. */
    public static final String JMH_PREFIX = "dev.weft.bench.QueueBaselineBenchmark.";

    private static final String USAGE = "GeneratorRounds [--warmup 15s] [--time 85s] [--out FILE]";

    /** What the rounds measure: ns per item, records named as JMH names them, no parameters. */
    public static Rounds.Spec spec() {
        return new Rounds.Spec("GeneratorRounds: " + QueueBaselineBenchmark.ITEMS + " items per call", VARIANTS,
                BASELINE, JMH_PREFIX, Map.of(), "ns/op", QueueBaselineBenchmark.ITEMS, "ns per item");
    }

    /**
     * Runs the rounds (see the class comment) from a platform thread.
     *
     * @param args {@code [--warmup TIME] [--time TIME] [--out FILE]}
     * @throws Exception if an operation fails, the caller cannot be started, or the file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Rounds.Options options = Rounds.Options.parse(args, List.of(), USAGE);
        Rounds.Result r = Rounds.runAndReport(Thread.ofPlatform().name("generator-rounds"), options,
                GeneratorRounds::run);
        System.out.println(floorLine(r));
    }

    /**
     * Warms up for {@code warmupNanos}, then measures rounds for {@code timeNanos}, printing a
     * line every 10 s to {@code console}.
     *
     * @throws IllegalStateException if called from a virtual thread (JMH's worker for these is a
     *                               platform thread), or if no round finished in time
     */
    static Rounds.Result run(long warmupNanos, long timeNanos, PrintStream console) throws Exception {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("the generator rounds run from a platform thread, as JMH's worker does");
        }
        console.println("blackhole: " + (Rounds.compilerBlackholes() ? "compiler (as in JMH's forks)"
                : "JMH's full blackhole, no compiler hint (about 1 ns per consumed value; see the class comment)"));
        return Rounds.run(spec(), Rounds.isolatedOps(QueueBaselineBenchmark.class, VARIANTS, (i, b) -> null),
                warmupNanos, timeNanos, console);
    }

    /** weft's same-round ratio to the cheapest floor: its median, quartiles and half their range. */
    static String floorLine(Rounds.Result r) {
        double[] x = r.sameRoundRatios("generatorWeft", FLOOR);
        return String.format(Locale.ROOT, "generatorWeft ÷ %s in the same round: median %.3fx (p25-p75 %.3f-%.3f,"
                + " ± ½IQR %.3f)", FLOOR, Rounds.median(x), Rounds.quantile(x, 0.25), Rounds.quantile(x, 0.75),
                Rounds.halfInterquartileRange(x));
    }
}
