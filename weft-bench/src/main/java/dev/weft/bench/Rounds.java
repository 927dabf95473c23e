package dev.weft.bench;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Interleaved rounds: several implementations of one operation measured one after another in one
 * JVM, round after round, each once per round, instead of by JMH. The machinery that
 * {@link SpawnRounds}, {@link GeneratorRounds} and {@link ChannelRounds} share; each of them says
 * why its family is measured so, what it runs and from which thread.
 *
 * <p><b>Why rounds.</b> JMH measures one benchmark after another, each for some seconds. On a
 * shared machine the same code can run several times slower for stretches of seconds to minutes,
 * so a whole benchmark's turn can fall into one such stretch and the ratios of a family then
 * compare different states of the machine. A round runs every implementation once (milliseconds),
 * so a slow stretch slows every implementation of the rounds it covers alike, and the ratio of
 * two implementations within one round is not moved by it.
 *
 * <p><b>What runs.</b> The very {@code @Benchmark} methods of a JMH benchmark class, called by
 * name ({@link #ops}) on an instance that the caller set up as JMH would, so the code measured
 * here and by JMH is the same code: one instance for all variants, or ({@link #isolatedOps}) one
 * per variant, in a class loader of its own. A method takes no parameters, one
 * {@link Blackhole}, or one JMH {@code @State} object that the caller set up for the parameters
 * the variant's record carries.
 *
 * <p><b>Order.</b> Every round runs each variant once, in an order that changes from round to
 * round so that neither the place in a round nor what the previous variant leaves behind (its
 * garbage, a pool's threads still spinning) favours one variant: over a cycle of rounds each
 * variant takes every position equally often and, within a round, directly follows every other
 * variant equally often ({@link #order}). With {@code k} variants, {@code k} prime (the seven
 * spawn variants): round {@code r} runs them in the order {@code (offset + p * stride) mod k} for
 * positions {@code p = 0 .. k-1}, where {@code offset = r mod k} and {@code stride} is the
 * {@code (r / k)}-th (cyclically) of the numbers 1 to {@code k - 1}. With {@code k} not prime (the
 * eight generator variants) the strides prime to {@code k} would put only variants an odd distance
 * apart next to each other (for eight: strides 1, 3, 5, 7), so the order is a Williams design
 * instead: round {@code r} runs {@code (r + w[p]) mod k} with {@code w = 0, 1, k-1, 2, k-2, ...},
 * which over {@code k} rounds (even {@code k}; odd {@code k} adds the {@code k} reversed rounds)
 * puts each variant in every position once and after every other variant once.
 *
 * <p><b>Time.</b> Rounds run for {@code --warmup} (not recorded; the JIT compiles the code
 * meanwhile) and then for {@code --time}; each variant's call is timed with
 * {@link System#nanoTime()} and recorded in the {@link Spec}'s unit per operation.
 *
 * <p><b>Figures</b> (see {@link #median}, {@link #halfInterquartileRange},
 * {@link #sameRoundRatios}): for each variant the median of its per-round times, with half the
 * interquartile range of those times as its spread, and the median of its same-round ratios to
 * its baseline (its time in a round divided by the baseline's time in the same round), with
 * half the interquartile range of those ratios. A garbage collection or scheduler stall that lands
 * in a few rounds moves none of the medians.
 *
 * <p><b>Output.</b> The console gets, every 10 s, that stretch's rounds and medians, and at the
 * end one line per variant (a line and a table per baseline when there are several). {@code --out FILE} gets one JSON record per variant in the shape of
 * JMH's {@code -rf json} output, with {@code "mode": "rounds"} (read by
 * {@code dev.weft.bench.report.Measurement}): {@code benchmark} is the JMH name, and
 * {@code params} the variant's (left out when it has none, as JMH does);
 * {@code primaryMetric.score} is the median time, {@code scoreError} half the interquartile range,
 * {@code scorePercentiles} the 0, 25, 50, 75 and 100th percentiles, and {@code sameRoundRatio}
 * holds {@code baseline} (the baseline record's benchmark name), {@code baselineParams} (the
 * baseline record's {@code params}, written only when they differ from the record's own: one
 * {@link Spec} may take each operation's variants to a baseline of its own), {@code median} and
 * {@code error} of the same-round ratios and their 25th and 75th percentiles.
 *
 * <p>Options of every rounds main class: {@code [--warmup 15s] [--time 85s] [--out FILE]}; times
 * are given in {@code s} or {@code ms} ({@link #nanos}).
 */
public final class Rounds {
    private Rounds() {
    }

    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * One measured implementation: a {@code @Benchmark} method, the parameters its JMH state was
     * set up with, and the variant its same-round ratio is taken to.
     *
     * @param name     what the console and {@link Result} call it; unique within a spec
     * @param method   the {@code @Benchmark} method: the record's name is the spec's prefix and this
     * @param params   the record's parameters (JMH's {@code params}); may be empty
     * @param baseline the name of the variant that this one's same-round ratio is taken to: itself
     *                 for a baseline
     */
    public record Variant(String name, String method, Map<String, String> params, String baseline) {
        public Variant {
            params = Map.copyOf(params);
        }
    }

    /**
     * What a rounds run measures and how its records are named.
     *
     * <p>Most runs compare every variant with one baseline ({@link #Spec(String, List, String,
     * String, Map, String, double, String) the shorter constructor}); a run of several operations
     * in the same rounds (the channel rounds) gives each operation's variants their own baseline,
     * and the console prints one group per baseline.
     *
     * @param title         the console's first words, e.g. {@code "SpawnRounds: spawn + join of 1000 tasks"}
     * @param variants      the variants run, in the order they are reported; every baseline named
     *                      is among them and is its own baseline
     * @param jmhPrefix     what JMH calls the benchmarks: the prefix of every record's name
     * @param unit          the records' unit, {@code us/op} or {@code ns/op}
     * @param nanosPerScore how many nanoseconds of one call make one unit of the score: 1 000 for
     *                      µs per call, the calls' operation count for ns per operation
     * @param per           what one score is, for the console table, e.g. {@code "us per 1000 tasks"}
     */
    public record Spec(String title, List<Variant> variants, String jmhPrefix, String unit, double nanosPerScore,
            String per) {
        public Spec {
            variants = List.copyOf(variants);
            List<String> names = variants.stream().map(Variant::name).toList();
            if (names.stream().distinct().count() != names.size()) {
                throw new IllegalArgumentException("two variants share a name: " + names);
            }
            for (Variant v : variants) {
                int b = names.indexOf(v.baseline());
                if (b < 0) {
                    throw new IllegalArgumentException("the baseline " + v.baseline() + " is not among " + names);
                }
                if (!variants.get(b).baseline().equals(v.baseline())) {
                    throw new IllegalArgumentException("the baseline " + v.baseline() + " has a baseline of its own");
                }
            }
        }

        /**
         * One baseline for all: a variant per {@code @Benchmark} method in {@code methods}, named by
         * it, every one with {@code params}, every same-round ratio taken to {@code baseline}.
         */
        public Spec(String title, List<String> methods, String baseline, String jmhPrefix, Map<String, String> params,
                String unit, double nanosPerScore, String per) {
            this(title, methods.stream().map(m -> new Variant(m, m, params, baseline)).toList(), jmhPrefix, unit,
                    nanosPerScore, per);
        }

        /** The variants' names, in order. */
        public List<String> names() {
            return variants.stream().map(Variant::name).toList();
        }

        /** The {@code @Benchmark} methods run, one per variant, in order. */
        List<String> methods() {
            return variants.stream().map(Variant::method).toList();
        }

        /** The baselines, in the order of the first variant that names each. */
        public List<String> baselines() {
            return variants.stream().map(Variant::baseline).distinct().toList();
        }

        /** The variant called {@code name}. */
        Variant variant(String name) {
            return variants.stream().filter(v -> v.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(name + " is not among " + names()));
        }

        /** The unit without {@code /op}, for the console. */
        String shortUnit() {
            return unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit;
        }
    }

    /**
     * {@code type} loaded again, with every class it uses but the JDK's, by a class loader of its
     * own over this JVM's class path: the JIT then profiles and compiles a variant measured
     * through it apart from the others, as a JMH fork of its own would, while the rounds still
     * run every variant in the same stretches of the machine's state. Without it the variants
     * share the benchmark's code: the channel peers' one {@code send} and {@code receive} call
     * sites saw six implementations (a megamorphic call for all), and the generator floors share
     * one wait loop. The JDK's own classes (its queues, the virtual-thread scheduler) are shared,
     * as in any JVM.
     */
    static Class<?> isolated(Class<?> type) {
        String[] path = System.getProperty("java.class.path").split(java.io.File.pathSeparator);
        java.net.URL[] urls = new java.net.URL[path.length];
        try {
            for (int i = 0; i < path.length; i++) {
                urls[i] = java.nio.file.Path.of(path[i]).toUri().toURL();
            }
            return Class.forName(type.getName(), true, new java.net.URLClassLoader(urls, ClassLoader.getPlatformClassLoader()));
        } catch (java.net.MalformedURLException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot load " + type.getName() + " again from the class path "
                    + System.getProperty("java.class.path"), e);
        }
    }

    /**
     * The operation of each variant of {@code names}, each on a new instance of {@code type} in a
     * class loader of its own ({@link #isolated}); {@code state} makes a variant's JMH state (or
     * null) from the index of the variant and its copy of {@code type}.
     */
    static List<Op> isolatedOps(Class<?> type, List<String> names, StateMaker state) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Class<?> copy = isolated(type);
            try {
                Object instance = copy.getConstructor().newInstance();
                ops.addAll(ops(copy, instance, List.of(names.get(i)), java.util.Collections.singletonList(state.make(i, copy))));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot set up " + names.get(i) + " in its own class loader", e);
            }
        }
        return List.copyOf(ops);
    }

    /** Makes the JMH state of the variant at {@code index}, with classes from {@code benchmark}'s loader. */
    @FunctionalInterface
    interface StateMaker {
        Object make(int index, Class<?> benchmark) throws ReflectiveOperationException;
    }

    /** One measured operation: a call of one {@code @Benchmark} method. */
    @FunctionalInterface
    interface Op {
        Object call() throws Exception;
    }

    /**
     * The operation of each of {@code names}, in that order, on {@code instance}: a call of the
     * public {@code @Benchmark} method of {@code type} of that name, found by its name, so that the
     * name a result is recorded under is the method that was timed. A method that takes a
     * {@link Blackhole} gets one made for these rounds: JMH's own, which costs nothing only when
     * the JVM was started with the compiler-blackhole options JMH gives its forks
     * ({@link #compilerBlackholes}); without them it costs about a nanosecond per consumed value.
     *
     * @throws IllegalStateException if a name is not a {@code @Benchmark} method without parameters
     *                               or with one {@code Blackhole}
     */
    static List<Op> ops(Class<?> type, Object instance, List<String> names) {
        return ops(type, instance, names, java.util.Collections.nCopies(names.size(), null));
    }

    /**
     * As {@link #ops(Class, Object, List)}, and a method that takes one JMH {@code @State} object
     * is called with {@code states.get(i)}, set up by the caller as JMH would set it up for the
     * {@code @Param} values its record carries (null for a method that takes none).
     *
     * @throws IllegalStateException if a method takes a parameter that is neither a
     *                               {@code Blackhole} nor of the type of its state
     */
    static List<Op> ops(Class<?> type, Object instance, List<String> names, List<?> states) {
        if (states.size() != names.size()) {
            throw new IllegalArgumentException(states.size() + " states for " + names);
        }
        Object bh = null;
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Object state = states.get(i);
            MethodHandle h;
            try {
                Method m = Arrays.stream(type.getMethods()).filter(c -> c.getName().equals(name)).findFirst()
                        .orElseThrow(() -> new NoSuchMethodException(name));
                // By name: in an isolated loader (see isolated) JMH's classes are copies of their own.
                if (Arrays.stream(m.getAnnotations()).noneMatch(a -> a.annotationType().getName().equals(Benchmark.class.getName()))) {
                    throw new IllegalStateException(name + " is not a @Benchmark method of " + type.getSimpleName());
                }
                h = MethodHandles.publicLookup().unreflect(m).bindTo(instance);
                if (m.getParameterCount() == 1 && m.getParameterTypes()[0].getName().equals(Blackhole.class.getName())) {
                    if (bh == null) {
                        bh = m.getParameterTypes()[0].getConstructor(String.class).newInstance("Today's password is"
                                + " swordfish. I understand instantiating Blackholes directly is dangerous.");
                    }
                    h = MethodHandles.insertArguments(h, 0, bh);
                } else if (m.getParameterCount() == 1 && m.getParameterTypes()[0].isInstance(state)) {
                    h = MethodHandles.insertArguments(h, 0, state);
                } else if (m.getParameterCount() != 0) {
                    throw new IllegalStateException(name + " takes JMH state that the rounds do not set up: " + m);
                }
                h = h.asType(MethodType.methodType(Object.class));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalStateException(type.getSimpleName() + " has no public method " + name + "()", e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("JMH's Blackhole could not be made for " + name, e);
            }
            MethodHandle call = h;
            ops.add(() -> {
                try {
                    return (Object) call.invokeExact();
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
     * Whether JMH's {@link Blackhole} runs as a compiler blackhole in this JVM, as in JMH's forks:
     * the JVM was started with {@code -DcompilerBlackholesEnabled=true} and the compile command
     * {@code blackhole,org/openjdk/jmh/infra/Blackhole.consumeCompiler} (JMH 1.37 passes both, with
     * the options that unlock them). The property is what {@code Blackhole} reads; the command is
     * not visible from here, so this says only that the property was given.
     */
    static boolean compilerBlackholes() {
        return Boolean.getBoolean("compilerBlackholesEnabled");
    }

    // ---- command line -----------------------------------------------------------------------

    /**
     * A rounds main class's options.
     *
     * @param warmupNanos {@code --warmup}, default 15 s
     * @param timeNanos   {@code --time}, default 85 s
     * @param out         {@code --out}, or null
     * @param extra       the values of the class's own options, by option name
     */
    record Options(long warmupNanos, long timeNanos, Path out, Map<String, String> extra) {
        /**
         * Reads {@code args}: the common options and those in {@code extraOptions}.
         *
         * @param usage the usage line for the message when an option is unknown
         */
        static Options parse(String[] args, List<String> extraOptions, String usage) {
            long warmup = TimeUnit.SECONDS.toNanos(15);
            long time = TimeUnit.SECONDS.toNanos(85);
            Path out = null;
            Map<String, String> extra = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--warmup" -> warmup = nanos(required(args[i], value));
                    case "--time" -> time = nanos(required(args[i], value));
                    case "--out" -> out = Path.of(required(args[i], value));
                    default -> {
                        if (!extraOptions.contains(args[i])) {
                            throw new IllegalArgumentException("unknown option '" + args[i] + "'; usage: " + usage);
                        }
                        extra.put(args[i], required(args[i], value));
                    }
                }
                i++;
            }
            return new Options(warmup, time, out, Map.copyOf(extra));
        }

        private static String required(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }
    }

    /** The rounds of a main class, run on the caller thread the family needs. */
    @FunctionalInterface
    interface Measure {
        Result run(long warmupNanos, long timeNanos, PrintStream console) throws Exception;
    }

    /**
     * Runs {@code measure} on a thread started by {@code caller}, joins it, prints the table and
     * writes the JSON to {@code options.out()} if given.
     *
     * @return the result, for lines of the main class's own
     * @throws IllegalStateException if the rounds failed
     */
    static Result runAndReport(Thread.Builder caller, Options options, Measure measure) throws Exception {
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = caller.start(() -> {
            try {
                result.set(measure.run(options.warmupNanos(), options.timeNanos(), System.out));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the rounds failed", failure.get());
        }
        Result r = result.get();
        System.out.println();
        System.out.print(r.table());
        System.out.printf(Locale.ROOT, "rounds done: %d in %.1f s (after %d warm-up rounds in %.1f s)%n",
                r.rounds(), r.seconds(), r.warmupRounds(), r.warmupSeconds());
        if (options.out() != null) {
            Files.writeString(options.out(), r.json(), StandardCharsets.UTF_8);
            System.out.println("wrote " + options.out());
        }
        return r;
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

    // ---- the rounds -------------------------------------------------------------------------

    /**
     * Warms up for {@code warmupNanos}, then measures rounds of {@code ops} (one per variant of
     * {@code spec}, in its order) for {@code timeNanos}, printing a line every 10 s to
     * {@code console}. Runs on the calling thread.
     *
     * @throws IllegalStateException if no round finished within {@code timeNanos}
     */
    static Result run(Spec spec, List<Op> ops, long warmupNanos, long timeNanos, PrintStream console) throws Exception {
        int k = ops.size();
        if (k != spec.variants().size()) {
            throw new IllegalArgumentException(k + " operations for " + spec.names());
        }
        console.printf(Locale.ROOT, "%s, %d variants, caller %s; %s %s (%s)%n",
                spec.title(), k, Thread.currentThread(), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.version"));
        console.printf(Locale.ROOT, "warm-up %.0f s, then rounds for %.0f s; order: %s%n",
                warmupNanos / 1e9, timeNanos / 1e9, orderRule(k));
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
                console.print(progress(spec, (now - start) / 1e9, scores(spec, times, blockStart, rounds), blockStart, rounds));
                blockStart = rounds;
                nextReport += PROGRESS_NANOS;
            }
        }
        double seconds = (now - start) / 1e9;
        if (blockStart < rounds) {
            console.print(progress(spec, seconds, scores(spec, times, blockStart, rounds), blockStart, rounds));
        }
        if (sink == Rounds.class) {
            console.println(); // never: keeps the results alive
        }
        if (rounds == 0) {
            throw new IllegalStateException("no round finished within the measuring time");
        }
        return new Result(spec, scores(spec, times, 0, rounds), warmupRounds, warmupSeconds, seconds, warmupNanos,
                timeNanos);
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

    /** Rounds {@code from} (inclusive) to {@code to} (exclusive) of each variant, in the spec's unit. */
    private static double[][] scores(Spec spec, long[][] nanos, int from, int to) {
        double[][] s = new double[nanos.length][to - from];
        for (int v = 0; v < nanos.length; v++) {
            for (int i = from; i < to; i++) {
                s[v][i - from] = nanos[v][i] / spec.nanosPerScore();
            }
        }
        return s;
    }

    /**
     * The console's lines for rounds {@code from} to {@code to}: per baseline, its median and the
     * median same-round ratio of each variant taken to it; one line per baseline.
     */
    private static String progress(Spec spec, double atSeconds, double[][] scores, int from, int to) {
        String at = String.format(Locale.ROOT, "%6.1f s  rounds %6d-%-6d  ", atSeconds, from, to - 1);
        List<String> names = spec.names();
        List<String> groups = new ArrayList<>();
        for (String baseline : spec.baselines()) {
            int base = names.indexOf(baseline);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s %.0f %s", baseline,
                    median(scores[base]), spec.shortUnit()));
            for (int v = 0; v < scores.length; v++) {
                if (v != base && spec.variants().get(v).baseline().equals(baseline)) {
                    sb.append(String.format(Locale.ROOT, ", %s %.2fx", names.get(v),
                            median(sameRoundRatios(scores[v], scores[base]))));
                }
            }
            groups.add(sb.toString());
        }
        return at + String.join("\n" + " ".repeat(at.length()), groups) + "\n";
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

    /** Whether the strides prime to {@code k} are all of 1 to {@code k - 1} ({@code k} prime, or under 3). */
    private static boolean strided(int k) {
        return k < 3 || strides(k).length == k - 1;
    }

    /** How the order is chosen, for the console. */
    static String orderRule(int k) {
        return strided(k) ? "offset r mod " + k + ", stride from " + Arrays.toString(strides(k))
                : "Williams design of " + k + (k % 2 == 0 ? "" : " and its reversal");
    }

    /** The order of the {@code k} variants in round {@code round} (see the class comment). */
    static int[] order(int round, int k) {
        int[] o = new int[k];
        if (strided(k)) {
            int[] strides = strides(k);
            int offset = round % k;
            int stride = strides[(round / k) % strides.length];
            for (int p = 0; p < k; p++) {
                o[p] = (offset + p * stride) % k;
            }
            return o;
        }
        int r = round % (k % 2 == 0 ? k : 2 * k);
        for (int p = 0; p < k; p++) {
            int w = p == 0 ? 0 : p % 2 == 1 ? (p + 1) / 2 : k - p / 2; // 0, 1, k-1, 2, k-2, ...
            o[r >= k ? k - 1 - p : p] = (r + w) % k;
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
     * @param spec          what was measured
     * @param times         per variant (in the spec's order), its time in each round, in the spec's unit
     * @param warmupRounds  rounds run before measuring
     * @param warmupSeconds how long they took
     * @param seconds       how long the measured rounds took
     * @param warmupNanos   the warm-up time asked for
     * @param timeNanos     the measuring time asked for
     */
    public record Result(Spec spec, double[][] times, int warmupRounds, double warmupSeconds, double seconds,
            long warmupNanos, long timeNanos) {

        /** The number of measured rounds. */
        public int rounds() {
            return times[0].length;
        }

        /** The per-round times of {@code variant}, one of the spec's. */
        public double[] times(String variant) {
            int v = spec.names().indexOf(variant);
            if (v < 0) {
                throw new IllegalArgumentException(variant + " is not among " + spec.names());
            }
            return times[v];
        }

        /** {@code variant}'s time in each round divided by {@code baseline}'s in the same round. */
        public double[] sameRoundRatios(String variant, String baseline) {
            return Rounds.sameRoundRatios(times(variant), times(baseline));
        }

        /**
         * Per baseline, a heading and one line per variant taken to it: median, quartiles, spread,
         * and the same-round ratio's median and quartiles.
         */
        public String table() {
            StringBuilder sb = new StringBuilder();
            for (String baseline : spec.baselines()) {
                sb.append(String.format(Locale.ROOT, "%-30s %9s %9s %9s %9s   %s%n", spec.per(), "median", "p25", "p75",
                        "± ½IQR", "÷ " + baseline + " in the same round: median (p25-p75); ÷ medians"));
                double baseMedian = median(times(baseline));
                for (int v = 0; v < times.length; v++) {
                    Variant variant = spec.variants().get(v);
                    if (!variant.baseline().equals(baseline)) {
                        continue;
                    }
                    double[] r = sameRoundRatios(variant.name(), baseline);
                    sb.append(String.format(Locale.ROOT, "%-30s %9.1f %9.1f %9.1f %9.1f   %.3fx (%.3f-%.3f); %.3fx%n",
                            variant.name(), median(times[v]), quantile(times[v], 0.25), quantile(times[v], 0.75),
                            halfInterquartileRange(times[v]), median(r), quantile(r, 0.25), quantile(r, 0.75),
                            median(times[v]) / baseMedian));
                }
            }
            return sb.toString();
        }

        /** The JSON records (see the class comment), one per variant, in the spec's order. */
        public String json() {
            String jvmArgs = String.join(", ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .map(Rounds::quote).toList());
            StringBuilder sb = new StringBuilder("[\n");
            for (int v = 0; v < times.length; v++) {
                double[] t = times[v];
                Variant variant = spec.variants().get(v);
                Variant baseline = spec.variant(variant.baseline());
                double[] r = sameRoundRatios(variant.name(), baseline.name());
                sb.append("    {\n");
                field(sb, "benchmark", quote(spec.jmhPrefix() + variant.method()));
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
                if (!variant.params().isEmpty()) {
                    field(sb, "params", params(variant.params()));
                }
                sb.append("        \"primaryMetric\": {\n");
                sb.append("            \"score\": ").append(num(median(t))).append(",\n");
                sb.append("            \"scoreError\": ").append(num(halfInterquartileRange(t))).append(",\n");
                sb.append("            \"scorePercentiles\": {\"0.0\": ").append(num(quantile(t, 0))).append(", \"25.0\": ")
                        .append(num(quantile(t, 0.25))).append(", \"50.0\": ").append(num(median(t)))
                        .append(", \"75.0\": ").append(num(quantile(t, 0.75))).append(", \"100.0\": ")
                        .append(num(quantile(t, 1))).append("},\n");
                sb.append("            \"scoreUnit\": ").append(quote(spec.unit())).append(",\n");
                sb.append("            \"sameRoundRatio\": {\"baseline\": ").append(quote(spec.jmhPrefix() + baseline.method()));
                if (!baseline.params().equals(variant.params())) {
                    sb.append(", \"baselineParams\": ").append(params(baseline.params()));
                }
                sb.append(", \"median\": ").append(num(median(r))).append(", \"error\": ")
                        .append(num(halfInterquartileRange(r))).append(", \"25.0\": ").append(num(quantile(r, 0.25)))
                        .append(", \"75.0\": ").append(num(quantile(r, 0.75))).append("}\n");
                sb.append("        },\n");
                sb.append("        \"secondaryMetrics\": {}\n");
                sb.append(v + 1 < times.length ? "    },\n" : "    }\n");
            }
            return sb.append("]\n").toString();
        }

        /** {@code params} as a JSON object, keys in alphabetical order. */
        private static String params(Map<String, String> params) {
            return "{" + String.join(", ", new java.util.TreeMap<>(params).entrySet().stream()
                    .map(p -> quote(p.getKey()) + ": " + quote(p.getValue())).toList()) + "}";
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
