package dev.weft.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * The comparison's spawn family, measured in interleaved rounds instead of by JMH: spawn + join
 * of {@code tasks} trivial tasks by each of the seven implementations of
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
 * <p><b>Order.</b> Round {@code r} runs the variants in the order
 * {@code (offset + p * stride) mod k} for positions {@code p = 0 .. k-1} ({@code k} variants),
 * where {@code offset = r mod k} and {@code stride} is the {@code (r / k)}-th (cyclically) of the
 * numbers from 1 to {@code k - 1} that have no common factor with {@code k} (for the seven
 * variants: 1 to 6). Over {@code k} consecutive rounds of one stride each variant takes every
 * position once, and over all strides, within a round, each variant directly follows each other
 * variant equally often; so neither the place in a round nor what the previous variant leaves
 * behind (its garbage, a pool's threads still spinning) favours one variant.
 *
 * <p><b>Time.</b> Rounds run for {@code --warmup} (not recorded; the JIT compiles the code
 * meanwhile) and then for {@code --time}; each variant's call is timed with
 * {@link System#nanoTime()}. The defaults, 15 s and 85 s, make the run take about as long as the
 * JMH spawn run it replaces (about 105 s: seven benchmarks, two forks of 3 + 4 one-second
 * iterations each, and JVM starts).
 *
 * <p><b>Figures</b> (see {@link #median}, {@link #halfInterquartileRange},
 * {@link #sameRoundRatios}): for each variant the median of its per-round times, with half the
 * interquartile range of those times as its spread, and the median of its same-round ratios to
 * raw virtual threads (its time in a round divided by raw threads' time in the same round), with
 * half the interquartile range of those ratios. A garbage collection or scheduler stall that lands
 * in a few rounds moves none of the medians.
 *
 * <p><b>Output.</b> The console gets, every 10 s, that stretch's rounds and medians, and at the
 * end one line per variant. {@code --out FILE} gets one JSON record per variant in the shape of
 * JMH's {@code -rf json} output, with {@code "mode": "rounds"} (read by
 * {@code dev.weft.bench.report.Measurement}): {@code benchmark} is the JMH name,
 * {@code dev.weft.bench.TaskGroupBenchmark.VirtualCaller.<method>}, and {@code params} is
 * {@code {"tasks": "<tasks>"}}; {@code primaryMetric.score} is the median time in {@code us/op},
 * {@code scoreError} half the interquartile range, {@code scorePercentiles} the 0, 25, 50, 75 and
 * 100th percentiles, and {@code sameRoundRatio} holds {@code baseline} (the raw-thread record's
 * benchmark name), {@code median} and {@code error} of the same-round ratios and their 25th and
 * 75th percentiles.
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

    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** One measured operation: a call of one {@code @Benchmark} method. */
    @FunctionalInterface
    interface Op {
        Object call() throws Exception;
    }

    /**
     * The operation of each of {@link #VARIANTS}, in that order, on {@code b}: a call of the public
     * {@code @Benchmark} method of that name, found by its name, so that the name a result is
     * recorded under is the method that was timed.
     *
     * @throws IllegalStateException if a name is not a {@code @Benchmark} method without parameters
     */
    static List<Op> ops(TaskGroupBenchmark b) {
        List<Op> ops = new ArrayList<>();
        for (String name : VARIANTS) {
            MethodHandle h;
            try {
                Method m = TaskGroupBenchmark.class.getMethod(name);
                if (!m.isAnnotationPresent(Benchmark.class)) {
                    throw new IllegalStateException(name + " is not a @Benchmark method of TaskGroupBenchmark");
                }
                h = MethodHandles.publicLookup().unreflect(m).bindTo(b).asType(MethodType.methodType(Object.class));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalStateException("TaskGroupBenchmark has no public method " + name + "()", e);
            }
            ops.add(() -> {
                try {
                    return (Object) h.invokeExact();
                } catch (Exception | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            });
        }
        return List.copyOf(ops);
    }

    /**
     * Runs the rounds (see the class comment).
     *
     * @param args {@code [--tasks N] [--warmup TIME] [--time TIME] [--out FILE]}
     * @throws Exception if an operation fails, the caller cannot be started, or the file cannot be written
     */
    public static void main(String[] args) throws Exception {
        int tasks = 1000;
        long warmup = TimeUnit.SECONDS.toNanos(15);
        long time = TimeUnit.SECONDS.toNanos(85);
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--tasks" -> tasks = Integer.parseInt(required(args[i], value));
                case "--warmup" -> warmup = nanos(required(args[i], value));
                case "--time" -> time = nanos(required(args[i], value));
                case "--out" -> out = Path.of(required(args[i], value));
                default -> throw new IllegalArgumentException("unknown option '" + args[i]
                        + "'; usage: SpawnRounds [--tasks N] [--warmup 15s] [--time 85s] [--out FILE]");
            }
            i++;
        }
        int n = tasks;
        long w = warmup;
        long t = time;
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().name("spawn-rounds").start(() -> {
            try {
                result.set(run(n, w, t, System.out));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        caller.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the rounds failed", failure.get());
        }
        Result r = result.get();
        System.out.println();
        System.out.print(r.table());
        System.out.printf(Locale.ROOT, "rounds done: %d in %.1f s (after %d warm-up rounds in %.1f s)%n",
                r.rounds(), r.seconds(), r.warmupRounds(), r.warmupSeconds());
        if (out != null) {
            Files.writeString(out, r.json(), StandardCharsets.UTF_8);
            System.out.println("wrote " + out);
        }
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /** "85s" or "500ms" in nanoseconds. */
    static long nanos(String time) {
        if (time.endsWith("ms")) {
            return TimeUnit.MILLISECONDS.toNanos(Long.parseLong(time.substring(0, time.length() - 2)));
        }
        if (time.endsWith("s")) {
            return TimeUnit.SECONDS.toNanos(Long.parseLong(time.substring(0, time.length() - 1)));
        }
        throw new IllegalArgumentException("a time is a whole number of s or ms, e.g. 85s or 500ms: '" + time + "'");
    }

    /**
     * Warms up for {@code warmupNanos}, then measures rounds for {@code timeNanos}, printing a
     * line every 10 s to {@code console}. Must be called from a virtual thread.
     */
    static Result run(int tasks, long warmupNanos, long timeNanos, PrintStream console) throws Exception {
        TaskGroupBenchmark.VirtualCaller b = new TaskGroupBenchmark.VirtualCaller();
        b.tasks = tasks;
        b.setUp();
        try {
            List<Op> ops = ops(b);
            int k = ops.size();
            console.printf(Locale.ROOT, "SpawnRounds: spawn + join of %d tasks, %d variants, caller %s; %s %s (%s)%n",
                    tasks, k, Thread.currentThread(), System.getProperty("java.vm.name"),
                    System.getProperty("java.vm.version"), System.getProperty("java.version"));
            console.printf(Locale.ROOT, "warm-up %.0f s, then rounds for %.0f s; order: offset r mod %d, stride from %s%n",
                    warmupNanos / 1e9, timeNanos / 1e9, k, Arrays.toString(strides(k)));
            long[] scratch = new long[k];
            long start = System.nanoTime();
            int warmupRounds = 0;
            Object sink = null;
            while (System.nanoTime() - start < warmupNanos) {
                sink = round(ops, order(warmupRounds, k), scratch, sink);
                warmupRounds++;
            }
            double warmupSeconds = (System.nanoTime() - start) / 1e9;
            console.printf(Locale.ROOT, "warm-up: %d rounds in %.1f s%n", warmupRounds, warmupSeconds);

            long[][] times = new long[k][1 << 14];
            int rounds = 0;
            int blockStart = 0;
            start = System.nanoTime();
            long nextReport = start + PROGRESS_NANOS;
            long now = start;
            while (now - start < timeNanos) {
                if (rounds == times[0].length) {
                    for (int v = 0; v < k; v++) {
                        times[v] = Arrays.copyOf(times[v], rounds * 2);
                    }
                }
                sink = round(ops, order(rounds, k), scratch, sink);
                for (int v = 0; v < k; v++) {
                    times[v][rounds] = scratch[v];
                }
                rounds++;
                now = System.nanoTime();
                if (now - nextReport >= 0) {
                    console.print(progress((now - start) / 1e9, micros(times, blockStart, rounds), blockStart, rounds));
                    blockStart = rounds;
                    nextReport += PROGRESS_NANOS;
                }
            }
            double seconds = (now - start) / 1e9;
            if (blockStart < rounds) {
                console.print(progress(seconds, micros(times, blockStart, rounds), blockStart, rounds));
            }
            if (sink == SpawnRounds.class) {
                console.println(); // never: keeps the results alive
            }
            if (rounds == 0) {
                throw new IllegalStateException("no round finished within the measuring time");
            }
            return new Result(tasks, micros(times, 0, rounds), warmupRounds, warmupSeconds, seconds, warmupNanos, timeNanos);
        } finally {
            b.tearDown();
        }
    }

    /** Runs each operation once in {@code order}, its time in nanoseconds into {@code nanos[variant]}. */
    private static Object round(List<Op> ops, int[] order, long[] nanos, Object sink) throws Exception {
        Object last = sink;
        for (int v : order) {
            Op op = ops.get(v);
            long t0 = System.nanoTime();
            Object r = op.call();
            nanos[v] = System.nanoTime() - t0;
            last = r == null ? last : r;
        }
        return last;
    }

    /** Rounds {@code from} (inclusive) to {@code to} (exclusive) of each variant, in µs. */
    private static double[][] micros(long[][] nanos, int from, int to) {
        double[][] us = new double[nanos.length][to - from];
        for (int v = 0; v < nanos.length; v++) {
            for (int i = from; i < to; i++) {
                us[v][i - from] = nanos[v][i] / 1e3;
            }
        }
        return us;
    }

    /** One console line for rounds {@code from} to {@code to}: raw threads' median, each ratio's median. */
    private static String progress(double atSeconds, double[][] micros, int from, int to) {
        int base = VARIANTS.indexOf(BASELINE);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%6.1f s  rounds %6d-%-6d  %s %.0f us",
                atSeconds, from, to - 1, BASELINE, median(micros[base])));
        for (int v = 0; v < micros.length; v++) {
            if (v != base) {
                sb.append(String.format(Locale.ROOT, ", %s %.2fx", VARIANTS.get(v),
                        median(sameRoundRatios(micros[v], micros[base]))));
            }
        }
        return sb.append('\n').toString();
    }

    // ---- order ------------------------------------------------------------------------------

    /** The numbers from 1 to {@code k - 1} that share no factor with {@code k}; {1} when k < 3. */
    static int[] strides(int k) {
        List<Integer> s = new ArrayList<>();
        for (int i = 1; i < k; i++) {
            if (gcd(i, k) == 1) {
                s.add(i);
            }
        }
        return s.isEmpty() ? new int[] {1} : s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The order of the {@code k} variants in round {@code round} (see the class comment). */
    static int[] order(int round, int k) {
        int[] strides = strides(k);
        int offset = round % k;
        int stride = strides[(round / k) % strides.length];
        int[] o = new int[k];
        for (int p = 0; p < k; p++) {
            o[p] = (offset + p * stride) % k;
        }
        return o;
    }

    // ---- statistics -------------------------------------------------------------------------

    /**
     * The {@code q}-quantile (0 to 1) of {@code values}, interpolated linearly between the two
     * nearest order statistics: with the values sorted as {@code x[0] <= ... <= x[n-1]} and
     * {@code h = (n - 1) q}, it is {@code x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)])}
     * (the usual "type 7" definition). NaN when there are no values.
     */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] x = values.clone();
        Arrays.sort(x);
        double h = (x.length - 1) * q;
        int lo = (int) Math.floor(h);
        return lo + 1 < x.length ? x[lo] + (h - lo) * (x[lo + 1] - x[lo]) : x[lo];
    }

    /** The median: the middle value, or the mean of the two middle values when their number is even. */
    public static double median(double[] values) {
        return quantile(values, 0.5);
    }

    /**
     * Half the interquartile range, {@code (quantile(0.75) - quantile(0.25)) / 2}: the spread
     * reported as a median's error. Half the rounds lie within the quartiles, so it says how
     * much a typical round differs from the median; unlike a standard deviation, the few rounds
     * that a garbage collection slows many times over do not widen it.
     */
    public static double halfInterquartileRange(double[] values) {
        return (quantile(values, 0.75) - quantile(values, 0.25)) / 2;
    }

    /**
     * Each round's ratio of {@code times[i]} to {@code baseline[i]}, the baseline's time in the
     * same round.
     */
    public static double[] sameRoundRatios(double[] times, double[] baseline) {
        if (times.length != baseline.length) {
            throw new IllegalArgumentException(times.length + " times but " + baseline.length + " baseline times");
        }
        double[] r = new double[times.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = times[i] / baseline[i];
        }
        return r;
    }

    // ---- result -----------------------------------------------------------------------------

    /**
     * The measured rounds.
     *
     * @param tasks         tasks spawned and joined per operation
     * @param micros        per variant (in {@link #VARIANTS} order), its time in each round, in µs
     * @param warmupRounds  rounds run before measuring
     * @param warmupSeconds how long they took
     * @param seconds       how long the measured rounds took
     * @param warmupNanos   the warm-up time asked for
     * @param timeNanos     the measuring time asked for
     */
    public record Result(int tasks, double[][] micros, int warmupRounds, double warmupSeconds, double seconds,
            long warmupNanos, long timeNanos) {

        /** The number of measured rounds. */
        public int rounds() {
            return micros[0].length;
        }

        private double[] baseline() {
            return micros[VARIANTS.indexOf(BASELINE)];
        }

        /** One line per variant: median, quartiles, spread, and the same-round ratio's median and quartiles. */
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "%-30s %9s %9s %9s %9s   %s%n", "us per " + tasks + " tasks", "median", "p25", "p75", "± ½IQR",
                    "÷ " + BASELINE + " in the same round: median (p25-p75); ÷ medians"));
            double baseMedian = median(baseline());
            for (int v = 0; v < micros.length; v++) {
                double[] r = sameRoundRatios(micros[v], baseline());
                sb.append(String.format(Locale.ROOT, "%-30s %9.1f %9.1f %9.1f %9.1f   %.3fx (%.3f-%.3f); %.3fx%n",
                        VARIANTS.get(v), median(micros[v]), quantile(micros[v], 0.25), quantile(micros[v], 0.75),
                        halfInterquartileRange(micros[v]), median(r), quantile(r, 0.25), quantile(r, 0.75),
                        median(micros[v]) / baseMedian));
            }
            return sb.toString();
        }

        /** The JSON records (see the class comment), one per variant, in {@link #VARIANTS} order. */
        public String json() {
            String jvmArgs = String.join(", ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .map(SpawnRounds::quote).toList());
            StringBuilder sb = new StringBuilder("[\n");
            for (int v = 0; v < micros.length; v++) {
                double[] t = micros[v];
                double[] r = sameRoundRatios(t, baseline());
                sb.append("    {\n");
                field(sb, "benchmark", quote(JMH_PREFIX + VARIANTS.get(v)));
                field(sb, "mode", quote("rounds"));
                field(sb, "threads", "1");
                field(sb, "forks", "1");
                field(sb, "jvm", quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                field(sb, "jvmArgs", "[" + jvmArgs + "]");
                field(sb, "jdkVersion", quote(System.getProperty("java.version")));
                field(sb, "vmName", quote(System.getProperty("java.vm.name")));
                field(sb, "vmVersion", quote(System.getProperty("java.vm.version")));
                field(sb, "warmupTime", quote(seconds(warmupNanos)));
                field(sb, "warmupRounds", Integer.toString(warmupRounds));
                field(sb, "measurementTime", quote(seconds(timeNanos)));
                field(sb, "measurementRounds", Integer.toString(rounds()));
                field(sb, "params", "{" + quote("tasks") + ": " + quote(Integer.toString(tasks)) + "}");
                sb.append("        \"primaryMetric\": {\n");
                sb.append("            \"score\": ").append(num(median(t))).append(",\n");
                sb.append("            \"scoreError\": ").append(num(halfInterquartileRange(t))).append(",\n");
                sb.append("            \"scorePercentiles\": {\"0.0\": ").append(num(quantile(t, 0))).append(", \"25.0\": ")
                        .append(num(quantile(t, 0.25))).append(", \"50.0\": ").append(num(median(t)))
                        .append(", \"75.0\": ").append(num(quantile(t, 0.75))).append(", \"100.0\": ")
                        .append(num(quantile(t, 1))).append("},\n");
                sb.append("            \"scoreUnit\": \"us/op\",\n");
                sb.append("            \"sameRoundRatio\": {\"baseline\": ").append(quote(JMH_PREFIX + BASELINE))
                        .append(", \"median\": ").append(num(median(r))).append(", \"error\": ")
                        .append(num(halfInterquartileRange(r))).append(", \"25.0\": ").append(num(quantile(r, 0.25)))
                        .append(", \"75.0\": ").append(num(quantile(r, 0.75))).append("}\n");
                sb.append("        },\n");
                sb.append("        \"secondaryMetrics\": {}\n");
                sb.append(v + 1 < micros.length ? "    },\n" : "    }\n");
            }
            return sb.append("]\n").toString();
        }

        private static void field(StringBuilder sb, String name, String json) {
            sb.append("        ").append(quote(name)).append(": ").append(json).append(",\n");
        }

        private static String seconds(long nanos) {
            return String.format(Locale.ROOT, "%s s", nanos % 1_000_000_000L == 0 ? Long.toString(nanos / 1_000_000_000L)
                    : Double.toString(nanos / 1e9));
        }
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "\"NaN\"";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
