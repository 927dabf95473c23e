package dev.weft.bench;

import dev.weft.bench.QueueBaselineBenchmark.Impl;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The comparison's channels family, measured in interleaved rounds ({@link Rounds}) instead of by
 * JMH: 20 000 items per call handed from producers to consumers, for the four operations of the
 * family (bounded(16) and rendezvous, each with 1 producer / 1 consumer and 4 / 4), every
 * implementation of every operation once per round, in one JVM, round after round.
 *
 * <p><b>Why rounds.</b> A channel hand-off is a hand-off between two virtual threads, and on the
 * 2-core machine the comparison runs on what such a hand-off costs depends on the host, whose
 * state lasts seconds to minutes before it changes. In one 7-minute trace the lock-step floor of
 * the generator family cost 57 ns per item in most of the rounds and 614 ns in the others, weft's
 * generator 186 and 509 ns in the same rounds (2026-12-04,
 * {@code weft-bench/results/2026-12-04/generator-states-summary.txt}). JMH measures one benchmark
 * after another, so a channel row and the JDK queue it is divided by can each spend their whole
 * turn in a different state, and the ratio then says as much about the host as about the channel:
 * the JMH comparison gave weft's rendezvous channel 2.58x {@code SynchronousQueue} at 1/1, where
 * the paired harness ({@code weft-bench/ab/run.sh chan}), which alternates the two in one JVM, gave
 * 1.33–2.03x the same day. In rounds every implementation takes its share of every state, and a
 * same-round ratio divides two times measured in the same state. The ratio itself can still
 * depend on the state: in the first run of these rounds (2026-12-04, 19:43 UTC) weft's rendezvous
 * channel at 1/1 was 2.4–2.5x {@code SynchronousQueue} for 70 s, while {@code SynchronousQueue}
 * took 77–80 ns per item, and 1.4–1.6x in the last 15 s, when it took 260–290 ns; the median
 * over the rounds weighs the states as the run met them, the console's 10-second lines show
 * which.
 *
 * <p><b>Each variant in a class loader of its own.</b> Every variant calls its own copy of
 * {@link QueueBaselineBenchmark} and of the classes it uses but the JDK's ({@link Rounds#isolated}),
 * so the JIT profiles and compiles it apart, as in a JMH fork of its own; the rounds still give
 * every variant the same stretches of the machine. Without it the variants share code, the channel peers' one {@code send} and {@code receive} call sites in {@code handOff}
 * among them, which a real program using one implementation does not: on 2026-12-04 the
 * channel rounds without it put {@code ArrayBlockingQueue(16)} at 1/1 at 183 ns per item, with it
 * at 160 ns.
 *
 * <p><b>What runs.</b> The very {@code @Benchmark} methods of {@link QueueBaselineBenchmark},
 * {@code handOff} and {@code kotlinHandOff}, for the parameter combinations the comparison shows
 * ({@link #OPERATIONS}): per operation its JDK baseline, weft's channel and Jox's through
 * {@code handOff} (state {@code Channels}: {@code impl} and {@code pairs}), and kotlinx's
 * {@code Channel(capacity)} through {@code kotlinHandOff} (state {@code KotlinChannels}:
 * {@code capacity} and {@code pairs}; 16 for the bounded operations, 0, {@code RENDEZVOUS}, for
 * the rendezvous ones). Each combination gets its own state object, set up once as JMH sets it
 * up per trial ({@code Channels.create()} makes the channel, which is empty again after every
 * call, as between JMH's invocations), from the variant's own copy of the classes, and the
 * method is called with it ({@link Rounds#isolatedOps}).
 * The caller is a platform thread, as JMH's worker is for this class (each call starts and joins
 * its own virtual threads or coroutines); {@link #run} refuses a virtual one. Neither method
 * consumes through a {@code Blackhole} (the consumers check each item), so the JVM options that
 * make JMH's Blackhole a compiler blackhole, which the generator rounds need, do not apply here.
 *
 * <p><b>One round for all four operations.</b> All sixteen variants share one round rather than
 * one group of rounds per operation: the operations then share the host's states too, so the
 * family's times stay comparable from operation to operation (1/1 beside 4/4, bounded beside
 * rendezvous), and a round lasts some tens of milliseconds, far shorter than a state. Sixteen is
 * not prime, so the order is {@link Rounds}' Williams design: over sixteen rounds each variant
 * takes every position once and directly follows every other once, so neither the 4/4 variants'
 * eight threads nor kotlinx's {@code Dispatchers.Default} workers, still spinning when the next
 * call starts, favour one variant.
 *
 * <p><b>Figures.</b> A call moves 20 000 items (the methods' {@code @OperationsPerInvocation}), so
 * its time divided by that is the time per item, in {@code ns/op} as JMH reports these
 * benchmarks. Each variant's same-round ratio is taken to its operation's JDK baseline, the
 * baseline of the comparison's channel tables: {@code ArrayBlockingQueue(16)} for bounded(16),
 * {@code SynchronousQueue} for rendezvous, with the same {@code pairs}.
 *
 * <p><b>Time.</b> The defaults, 15 s of warm-up and 85 s of rounds, take about half as long as
 * the JMH channels run they replace (sixteen benchmarks, two forks of 2 + 4 one-second iterations
 * each, and JVM starts: over 200 s), and give some thousand rounds.
 *
 * <p><b>Output.</b> {@code --out FILE} gets one record per variant ({@link Rounds}' JSON):
 * {@code benchmark} is the JMH name, {@code dev.weft.bench.QueueBaselineBenchmark.handOff} or
 * {@code .kotlinHandOff}, and {@code params} are JMH's for that benchmark,
 * {@code {"impl": "ABQ_16", "pairs": "1"}} or {@code {"capacity": "16", "pairs": "1"}} (JMH gives
 * a benchmark only the parameters of its own state); the score is in {@code ns/op}; the
 * same-round ratio names its baseline's record by name and {@code baselineParams}.
 *
 * <p>Usage: {@code java --enable-preview -cp weft-bench/target/benchmarks.jar
 * dev.weft.bench.ChannelRounds [--warmup 15s] [--time 85s] [--out FILE]}; times are given in
 * {@code s} or {@code ms}. {@code weft-bench/compare.sh} runs it for the channels run.
 */
public final class ChannelRounds {
    private ChannelRounds() {
    }

    /**
     * One operation of the channels family.
     *
     * @param name           {@code bounded16} or {@code rendezvous}
     * @param pairs          producers, and as many consumers
     * @param impls          the {@code handOff} implementations, the JDK baseline first
     * @param kotlinCapacity the {@code kotlinHandOff} capacity: 16, or 0 for a rendezvous
     */
    public record Operation(String name, int pairs, List<Impl> impls, int kotlinCapacity) {
        public Operation {
            impls = List.copyOf(impls);
        }

        /** The JDK baseline that this operation's same-round ratios are taken to. */
        public Impl baseline() {
            return impls.getFirst();
        }
    }

    /** The operations, in the order the comparison's channel tables show them. */
    public static final List<Operation> OPERATIONS = List.of(
            new Operation("bounded16", 1, List.of(Impl.ABQ_16, Impl.WEFT_BOUNDED_16, Impl.JOX_BUFFERED_16), 16),
            new Operation("bounded16", 4, List.of(Impl.ABQ_16, Impl.WEFT_BOUNDED_16, Impl.JOX_BUFFERED_16), 16),
            new Operation("rendezvous", 1, List.of(Impl.SYNCHRONOUS_QUEUE, Impl.WEFT_RENDEZVOUS, Impl.JOX_RENDEZVOUS), 0),
            new Operation("rendezvous", 4, List.of(Impl.SYNCHRONOUS_QUEUE, Impl.WEFT_RENDEZVOUS, Impl.JOX_RENDEZVOUS), 0));

    /** What JMH calls the benchmarks: the prefix of every record's name. */
    public static final String JMH_PREFIX = "dev.weft.bench.QueueBaselineBenchmark.";

    private static final String USAGE = "ChannelRounds [--warmup 15s] [--time 85s] [--out FILE]";

    /** A {@code handOff} variant's name, e.g. {@code "ABQ_16 1/1"}. */
    static String name(Impl impl, int pairs) {
        return impl + " " + pairs + "/" + pairs;
    }

    /** A {@code kotlinHandOff} variant's name, e.g. {@code "kotlin Channel(16) 1/1"}. */
    static String kotlinName(int capacity, int pairs) {
        return "kotlin Channel(" + capacity + ") " + pairs + "/" + pairs;
    }

    /**
     * What the rounds measure: ns per item, one variant per implementation of every operation,
     * each taken to its operation's JDK baseline, records named and parametrised as JMH does.
     */
    public static Rounds.Spec spec() {
        List<Rounds.Variant> variants = new ArrayList<>();
        for (Operation op : OPERATIONS) {
            String pairs = Integer.toString(op.pairs());
            String baseline = name(op.baseline(), op.pairs());
            for (Impl impl : op.impls()) {
                variants.add(new Rounds.Variant(name(impl, op.pairs()), "handOff",
                        Map.of("impl", impl.name(), "pairs", pairs), baseline));
            }
            variants.add(new Rounds.Variant(kotlinName(op.kotlinCapacity(), op.pairs()), "kotlinHandOff",
                    Map.of("capacity", Integer.toString(op.kotlinCapacity()), "pairs", pairs), baseline));
        }
        return new Rounds.Spec("ChannelRounds: " + QueueBaselineBenchmark.ITEMS + " items per call, "
                + OPERATIONS.size() + " operations", variants, JMH_PREFIX, "ns/op", QueueBaselineBenchmark.ITEMS,
                "ns per item");
    }

    /**
     * Runs the rounds (see the class comment) from a platform thread.
     *
     * @param args {@code [--warmup TIME] [--time TIME] [--out FILE]}
     * @throws Exception if an operation fails, the caller cannot be started, or the file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Rounds.Options options = Rounds.Options.parse(args, List.of(), USAGE);
        Rounds.runAndReport(Thread.ofPlatform().name("channel-rounds"), options, ChannelRounds::run);
    }

    /**
     * Sets up one JMH state per variant, warms up for {@code warmupNanos}, then measures rounds for
     * {@code timeNanos}, printing lines every 10 s to {@code console}.
     *
     * @throws IllegalStateException if called from a virtual thread (JMH's worker for these is a
     *                               platform thread), or if no round finished in time
     */
    static Rounds.Result run(long warmupNanos, long timeNanos, PrintStream console) throws Exception {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("the channel rounds run from a platform thread, as JMH's worker does");
        }
        Rounds.Spec spec = spec();
        return Rounds.run(spec, Rounds.isolatedOps(QueueBaselineBenchmark.class, spec.methods(),
                (i, b) -> state(spec.variants().get(i), b)), warmupNanos, timeNanos, console);
    }

    /**
     * The JMH state of {@code v}, set up as JMH sets it up for a trial with {@code v}'s
     * parameters, from the classes of {@code benchmark}'s own loader.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object state(Rounds.Variant v, Class<?> benchmark) throws ReflectiveOperationException {
        ClassLoader l = benchmark.getClassLoader();
        int pairs = Integer.parseInt(v.params().get("pairs"));
        if (v.method().equals("kotlinHandOff")) {
            Class<?> k = Class.forName(QueueBaselineBenchmark.KotlinChannels.class.getName(), true, l);
            Object s = k.getConstructor().newInstance();
            k.getField("capacity").setInt(s, Integer.parseInt(v.params().get("capacity")));
            k.getField("pairs").setInt(s, pairs);
            return s;
        }
        Class<?> c = Class.forName(QueueBaselineBenchmark.Channels.class.getName(), true, l);
        Class impl = Class.forName(Impl.class.getName(), true, l);
        Object s = c.getConstructor().newInstance();
        c.getField("impl").set(s, Enum.valueOf(impl, v.params().get("impl")));
        c.getField("pairs").setInt(s, pairs);
        c.getMethod("create").invoke(s);
        return s;
    }
}
