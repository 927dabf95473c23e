package dev.weft.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the comparison measures and how it is drawn: five families (context, spawn, deadlines,
 * channels, generators), each a list of operations, each operation a list of implementations side by side
 * with the JDK baseline that ratios are taken to and the physical floor on this machine; and the
 * runs (JMH invocations, the interleaved rounds of the spawn, channels and generator families, and
 * the asyncio script) that produce the figures.
 *
 * <p>This is the one place that names the figures: {@code compare.sh} asks {@link ReportMain}
 * for the runs ({@code plan}), and the generator reads back the entries. {@code CatalogTest}
 * checks that every entry names an existing benchmark and is produced by exactly one run.
 */
final class Catalog {
    private Catalog() {
    }

    /** Who an implementation belongs to; sets the bar's colour and the legend. */
    enum Kind {
        /** The JDK primitive that nothing built on it can beat: the floor. */
        FLOOR("JDK floor", "#6b6b6b"),
        /** Another JDK facility. */
        JDK("JDK", "#a8a8a8"),
        /** weft. */
        WEFT("weft", "#d9480f"),
        /** A Java library (gRPC, TransmittableThreadLocal, Jox). */
        JAVA("Java library", "#1c7ed6"),
        /** kotlinx-coroutines (stackless coroutines). */
        KOTLIN("kotlinx-coroutines", "#7048e8"),
        /** CPython asyncio. */
        ASYNCIO("CPython asyncio", "#2f9e44");

        final String legend;
        final String colour;

        Kind(String legend, String colour) {
            this.legend = legend;
            this.colour = colour;
        }
    }

    /**
     * One implementation of an operation.
     *
     * @param label     what the table and chart call it
     * @param benchmark the benchmark name after {@code dev.weft.bench.} (JMH) or {@code asyncio.x}
     * @param params    the parameters its result must carry
     * @param otherModel whether it runs in another model than the operation's (a generator's body
     *                   on the consumer's own thread): shown, but not the summary's "fastest other
     *                   peer"
     */
    record Entry(String label, Kind kind, String benchmark, Map<String, String> params, boolean otherModel) {
        /** This entry, marked as running in another model ({@link #otherModel}). */
        Entry asOtherModel() {
            return new Entry(label, kind, benchmark, params, true);
        }

        /** The JMH name, {@code dev.weft.bench.<benchmark>}, or the asyncio name as it is. */
        String fullName() {
            return benchmark.startsWith("asyncio.") ? benchmark : "dev.weft.bench." + benchmark;
        }

        boolean matches(Measurement m) {
            return m.benchmark().equals(fullName()) && m.params().equals(params);
        }
    }

    /**
     * One operation drawn as one group of bars.
     *
     * @param baseline the JDK figure ratios are taken to
     * @param floor    the physical floor: the cheapest JDK primitive any implementation must use
     * @param entries  every implementation shown, baseline and floor included, in drawing order
     */
    record Operation(String id, String title, String unit, Entry baseline, Entry floor, List<Entry> entries) {
        /** The weft entries (one or more). */
        List<Entry> weft() {
            return entries.stream().filter(e -> e.kind() == Kind.WEFT).toList();
        }
    }

    /**
     * One run. By {@code tool}: {@code jmh}, its arguments go to {@code bench.sh} (JMH);
     * {@code java}, they are JVM options (the arguments before the first that does not start with
     * {@code -}), a main class in {@code weft-bench/target/benchmarks.jar} and its options, run by
     * {@code java --enable-preview -cp weft-bench/target/benchmarks.jar};
     * {@code python}, they go to {@code asyncio_bench.py}. {@code compare.sh} adds
     * {@code --out <id>.json} to the last two.
     */
    record Run(String id, String tool, List<String> fullArgs, List<String> quickArgs) {
    }

    /** One chart and one generated table. */
    record Family(String id, String title, String note, List<Operation> operations) {
    }

    // ---- the families ----------------------------------------------------------------------

    private static Entry e(String label, Kind kind, String benchmark, String... params) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        return new Entry(label, kind, benchmark, Map.copyOf(p), false);
    }

    private static Operation op(String id, String title, String unit, Entry baseline, Entry floor, Entry... rest) {
        List<Entry> all = new ArrayList<>();
        all.add(floor);
        if (baseline != floor) {
            all.add(baseline);
        }
        all.addAll(Arrays.asList(rest));
        return new Operation(id, title, unit, baseline, floor, List.copyOf(all));
    }

    private static final String C = "ContextBenchmark.";

    private static Family context() {
        List<Operation> ops = new ArrayList<>();
        for (String n : List.of("1", "100")) {
            boolean one = n.equals("1");
            String vars = one ? "1 variable set" : "100 variables set";
            Entry tlGet = e("ThreadLocal.get", Kind.FLOOR, C + "threadLocalGet", "vars", n);
            List<Entry> get = new ArrayList<>(List.of(e("weft ContextVar.get", Kind.WEFT, C + "contextVarGet", "vars", n)));
            if (one) {
                get.add(e("ScopedValue.get (1 000 reads per binding)", Kind.JDK, C + "scopedValueGetLoop"));
            }
            get.add(e("gRPC Context.Key.get", Kind.JAVA, C + "grpcKeyGet", "vars", n));
            if (one) {
                get.add(e("TransmittableThreadLocal.get", Kind.JAVA, C + "ttlGet", "vars", n));
            }
            get.add(e("kotlinx coroutineContext[key]", Kind.KOTLIN, C + "kotlinContextGet", "vars", n));
            if (one) {
                get.add(e("kotlinx ThreadContextElement read", Kind.KOTLIN, C + "kotlinThreadContextElementGetLoop"));
            }
            get.add(e("asyncio ContextVar.get", Kind.ASYNCIO, "asyncio.contextvarGet", "vars", n));
            ops.add(op("get-" + n, "get, " + vars, "ns", tlGet, tlGet, get.toArray(Entry[]::new)));

            Entry tlSet = e("ThreadLocal set + restore", Kind.FLOOR, C + "threadLocalSetRestore", "vars", n);
            List<Entry> set = new ArrayList<>(List.of(e("weft set + Token.close", Kind.WEFT, C + "contextVarSetReset", "vars", n)));
            if (one) {
                set.add(e("ScopedValue.where(k, v).run", Kind.JDK, C + "scopedValueWhereRun"));
            }
            set.add(e("gRPC withValue + attach + detach", Kind.JAVA, C + "grpcWithValueAttachDetach", "vars", n));
            if (one) {
                set.add(e("TransmittableThreadLocal set + restore", Kind.JAVA, C + "ttlSetRestore", "vars", n));
                set.add(e("kotlinx withContext(tl.asContextElement(v))", Kind.KOTLIN, C + "kotlinWithContextSetReset"));
            }
            set.add(e("asyncio var.reset(var.set(v))", Kind.ASYNCIO, "asyncio.contextvarSetReset", "vars", n));
            ops.add(op("set-" + n, "set + reset, " + vars, "ns", tlSet, tlSet, set.toArray(Entry[]::new)));

            Entry floorCopy = e("ThreadLocal.get (reading the current context)", Kind.FLOOR, C + "threadLocalGet", "vars", n);
            ops.add(op("copy-" + n, "capture the current context, " + vars, "ns", floorCopy, floorCopy,
                    e("weft Context.copyCurrent", Kind.WEFT, C + "contextCopyCurrent", "vars", n),
                    e("gRPC Context.current", Kind.JAVA, C + "grpcCurrent", "vars", n),
                    e("TTL Transmitter.capture", Kind.JAVA, C + "ttlCapture", "vars", n),
                    e("asyncio copy_context()", Kind.ASYNCIO, "asyncio.copyContext", "vars", n)));
        }
        // get-1, set-1, copy-1, get-100, ... reordered so that each operation's two sizes sit together
        List<Operation> ordered = new ArrayList<>();
        for (String kind : List.of("get-", "set-", "copy-")) {
            ops.stream().filter(o -> o.id().startsWith(kind)).forEach(ordered::add);
        }
        return new Family("context", "Context variables",
                "ns per operation. A capture has no JDK counterpart; its floor is the one read of the"
                        + " current context that any capture needs.",
                List.copyOf(ordered));
    }

    private static final String V = "TaskGroupBenchmark.VirtualCaller.";

    private static Family spawn() {
        Entry raw = e("raw Thread.ofVirtual start + join", Kind.FLOOR, V + "rawVirtualThreads", "tasks", "1000");
        return new Family("spawn", "Spawn and join 1 000 tasks",
                "us per 1 000 tasks, from a virtual caller. asyncio runs its tasks on its one thread, in a"
                        + " run of its own.",
                List.of(op("spawn-1000", "spawn + join of 1 000 trivial tasks, virtual caller", "us", raw, raw,
                        e("weft TaskGroup", Kind.WEFT, V + "weftTaskGroup", "tasks", "1000"),
                        e("StructuredTaskScope (preview)", Kind.JDK, V + "structuredTaskScope", "tasks", "1000"),
                        e("virtual-thread executor per task", Kind.JDK, V + "executorPerTask", "tasks", "1000"),
                        e("CompletableFuture.supplyAsync", Kind.JDK, V + "completableFuture", "tasks", "1000"),
                        e("kotlinx launch on Dispatchers.Default", Kind.KOTLIN, V + "kotlinDefaultDispatcher", "tasks", "1000"),
                        e("kotlinx launch on a virtual-thread dispatcher", Kind.KOTLIN, V + "kotlinVirtualThreadDispatcher",
                                "tasks", "1000"),
                        e("asyncio TaskGroup", Kind.ASYNCIO, "asyncio.taskGroup", "tasks", "1000"))));
    }

    private static final String T = "TimeoutBenchmark.";

    private static Family deadlines() {
        Entry stpe = e("ScheduledThreadPoolExecutor schedule + cancel", Kind.JDK, T + "stpeScheduleCancel");
        Entry clock = e("System.nanoTime (floor: one clock read)", Kind.FLOOR, T + "clockRead");
        return new Family("deadlines", "Deadlines",
                "ns per deadline entered and left without expiring. Ratios are to the scheduled"
                        + " executor, the JDK's way to arm a timeout; the floor is the clock read that"
                        + " turns a duration into a deadline.",
                List.of(op("deadline", "deadline enter + exit, not expiring", "ns", stpe, clock,
                        e("weft Timeout.failAfter", Kind.WEFT, T + "weftFailAfter"),
                        e("weft Timeout.moveOnAfter", Kind.WEFT, T + "weftMoveOnAfter"),
                        e("CompletableFuture.orTimeout + complete", Kind.JDK, T + "completableFutureOrTimeout"),
                        e("kotlinx withTimeout", Kind.KOTLIN, T + "kotlinWithTimeout"),
                        e("asyncio.timeout", Kind.ASYNCIO, "asyncio.timeout"))));
    }

    private static final String Q = "QueueBaselineBenchmark.";

    private static Family channels() {
        List<Operation> ops = new ArrayList<>();
        for (String pairs : List.of("1", "4")) {
            String shape = pairs + " producer" + (pairs.equals("1") ? "" : "s") + " / " + pairs + " consumer"
                    + (pairs.equals("1") ? "" : "s");
            Entry abq = e("ArrayBlockingQueue(16)", Kind.FLOOR, Q + "handOff", "impl", "ABQ_16", "pairs", pairs);
            ops.add(op("bounded16-" + pairs, "bounded(16), " + shape, "ns", abq, abq,
                    e("weft Channel.bounded(16)", Kind.WEFT, Q + "handOff", "impl", "WEFT_BOUNDED_16", "pairs", pairs),
                    e("Jox buffered(16)", Kind.JAVA, Q + "handOff", "impl", "JOX_BUFFERED_16", "pairs", pairs),
                    e("kotlinx Channel(16)", Kind.KOTLIN, Q + "kotlinHandOff", "capacity", "16", "pairs", pairs),
                    e("asyncio.Queue(16)", Kind.ASYNCIO, "asyncio.queueHandOff", "maxsize", "16", "pairs", pairs)));
        }
        for (String pairs : List.of("1", "4")) {
            String shape = pairs + " / " + pairs;
            Entry sq = e("SynchronousQueue", Kind.FLOOR, Q + "handOff", "impl", "SYNCHRONOUS_QUEUE", "pairs", pairs);
            ops.add(op("rendezvous-" + pairs, "rendezvous, " + shape, "ns", sq, sq,
                    e("weft Channel.rendezvous()", Kind.WEFT, Q + "handOff", "impl", "WEFT_RENDEZVOUS", "pairs", pairs),
                    e("Jox rendezvous", Kind.JAVA, Q + "handOff", "impl", "JOX_RENDEZVOUS", "pairs", pairs),
                    e("kotlinx Channel(RENDEZVOUS)", Kind.KOTLIN, Q + "kotlinHandOff", "capacity", "0", "pairs", pairs)));
        }
        return new Family("channels", "Channels",
                "ns per item handed from producers to consumers (virtual threads; kotlinx: coroutines on"
                        + " Dispatchers.Default). All four operations share the same rounds. asyncio has no"
                        + " rendezvous queue.",
                List.copyOf(ops));
    }

    private static Family generators() {
        Entry park = e("lock-step, park/unpark", Kind.JDK, Q + "generatorFloorPark");
        Entry floor = e("lock-step, spin 32, yield, park", Kind.FLOOR, Q + "generatorFloorSpin32Yield8");
        return new Family("generators", "Generators",
                "ns per item a virtual-thread consumer takes from a generator. weft's generator runs its"
                        + " body on a second virtual thread in lock-step with the consumer (the body computes"
                        + " the next item only when asked, the consumer waits meanwhile), so each item is a"
                        + " round trip between two threads. The lock-step rows are that round trip alone,"
                        + " two virtual threads and nothing else, by three wait policies. Ratios are to the"
                        + " JDK's primitive for it, LockSupport.park and unpark on each side. The floor is the"
                        + " cheapest of the three: each side spins 32 rounds for the other, then yields its"
                        + " carrier, then parks (weft's own policy); its spins pay only while both threads have"
                        + " a carrier, so what it costs follows the machine's state, for stretches of seconds to"
                        + " minutes (on this 2-core machine from under 100 ns to over 400 ns), and weft's"
                        + " generator moves with it; weft stops spinning after spins that failed. The plain"
                        + " Iterator, kotlinx's sequence and asyncio's async generator run the body on the"
                        + " consumer's own thread (a call and a return per item, no hand-off): a different"
                        + " model, shown for what it costs, not as a floor nor as the summary's fastest"
                        + " other peer. kotlinx's produce (a rendezvous channel between two coroutines on"
                        + " Dispatchers.Default) and the SynchronousQueue hand each item between two threads,"
                        + " but let the producer run one item ahead.",
                List.of(op("generator", "generator, per item", "ns", park, floor,
                        e("lock-step, spin while the partner runs", Kind.FLOOR, Q + "generatorFloorSpin"),
                        e("weft Generator", Kind.WEFT, Q + "generatorWeft"),
                        e("SynchronousQueue, producer one item ahead", Kind.JDK, Q + "generatorPeerSynchronousQueue"),
                        e("kotlinx produce { send }, read by a coroutine", Kind.KOTLIN, Q + "generatorPeerKotlinProduce"),
                        e("plain Iterator, one thread", Kind.JDK, Q + "generatorPeerIterator").asOtherModel(),
                        e("kotlinx sequence { yield }, one thread", Kind.KOTLIN, Q + "generatorPeerKotlinSequence").asOtherModel(),
                        e("asyncio async generator, async for", Kind.ASYNCIO, "asyncio.asyncGenerator").asOtherModel())));
    }

    /** The five families, in the order the document shows them. */
    static final List<Family> FAMILIES = List.of(context(), spawn(), deadlines(), channels(), generators());

    // ---- the runs --------------------------------------------------------------------------

    private static final List<String> QUICK = List.of("-f", "1", "-wi", "2", "-w", "200ms", "-i", "3", "-r", "200ms");

    private static Run jmh(String id, String regex, List<String> params, List<String> full) {
        List<String> f = new ArrayList<>(List.of(regex));
        f.addAll(params);
        List<String> q = new ArrayList<>(f);
        f.addAll(full);
        q.addAll(QUICK);
        return new Run(id, "jmh", List.copyOf(f), List.copyOf(q));
    }

    /** The main class of the spawn run (a {@code java} run). */
    static final String SPAWN_ROUNDS = "dev.weft.bench.SpawnRounds";

    /** The main class of the generators run (a {@code java} run). */
    static final String GENERATOR_ROUNDS = "dev.weft.bench.GeneratorRounds";

    /** The main class of the channels run (a {@code java} run). */
    static final String CHANNEL_ROUNDS = "dev.weft.bench.ChannelRounds";

    /**
     * The JVM options with which JMH 1.37 starts its forks so that {@code Blackhole.consume} is a
     * compiler blackhole (the value is kept, nothing else is done): given to the generators run,
     * whose plain-iterator and kotlinx-sequence peers consume every item through a Blackhole (a
     * quick run without them measured the plain iterator at 1.08 ns per item, JMH at 0.118).
     */
    static final List<String> COMPILER_BLACKHOLES = List.of("-XX:+UnlockDiagnosticVMOptions",
            "-XX:+UnlockExperimentalVMOptions", "-DcompilerBlackholesEnabled=true", "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=inline,org/openjdk/jmh/infra/Blackhole.consume",
            "-XX:CompileCommand=blackhole,org/openjdk/jmh/infra/Blackhole.consumeCompiler");

    /** A java run: {@code jvm} options, then {@code args} (a main class and its options), in full and quick. */
    private static Run java(String id, List<String> jvm, List<String> full, List<String> quick) {
        List<String> f = new ArrayList<>(jvm);
        f.addAll(full);
        List<String> q = new ArrayList<>(jvm);
        q.addAll(quick);
        return new Run(id, "java", List.copyOf(f), List.copyOf(q));
    }

    /**
     * The asyncio script's generator measurement: a run of its own, so that the generator family
     * (with the rounds of the {@code generators} run) can be measured again alone,
     * {@code --redo generators,asyncio-generators}.
     */
    private static final String ASYNCIO_GENERATORS = "asyncGenerator";

    /**
     * The runs, in order. JMH settings chosen so that the whole comparison takes about 15 minutes
     * on a 2-core machine (under the 20 the comparison is meant to take): 1-second iterations.
     *
     * <p>Every JMH run measures average time (the benchmarks' own {@code Mode.AverageTime}). The
     * spawn, channels and generator families are not JMH runs: JMH measures one benchmark after
     * another, and on a shared machine a whole benchmark's turn can fall into a stretch in which the
     * same code runs several times slower or faster. The spawn family's ratios so moved from 0.78x to
     * 1.41x between runs minutes apart even as medians of single operations (docs/benchmarks.md,
     * 2026-12-04); in the generator family a hand-off between two virtual threads cost 66–83 ns in
     * one stretch and 408–491 ns in another, and the JMH comparison gave weft 369 ± 322 ns, its two
     * forks at 211 and 530 ns (2026-12-04); the channels are such hand-offs too, and the JMH
     * comparison gave weft's rendezvous channel 2.58x {@code SynchronousQueue} at 1/1 where the
     * paired harness ({@code ab/run.sh chan}) gave 1.33–2.03x the same day. All three are measured by
     * a main class instead, {@code dev.weft.bench.SpawnRounds}, {@code ChannelRounds} and
     * {@code GeneratorRounds}, which run the same benchmark methods in interleaved rounds in one
     * JVM, every implementation once per round, and report medians over the rounds and each
     * implementation's median same-round ratio to its operation's baseline (raw threads;
     * {@code ArrayBlockingQueue(16)} or {@code SynchronousQueue} with the same number of pairs; the
     * park/unpark round trip). Their 15 s of warm-up and 85 s of rounds take about as long as the
     * spawn and generator JMH runs did (two forks of 3 + 4 one-second iterations for each of seven or
     * eight benchmarks, about 105 s and 120 s) and half as long as the channels run (two forks of
     * 2 + 4 for each of sixteen, over 200 s); {@code --quick}: 2 s and 5 s.
     */
    static final List<Run> RUNS = List.of(
            jmh("context-1", "ContextBenchmark\\.(threadLocalGet|contextVarGet|scopedValueGetLoop|grpcKeyGet|ttlGet"
                            + "|kotlinContextGet|kotlinThreadContextElementGetLoop|threadLocalSetRestore|contextVarSetReset"
                            + "|scopedValueWhereRun|grpcWithValueAttachDetach|ttlSetRestore|kotlinWithContextSetReset"
                            + "|contextCopyCurrent|grpcCurrent|ttlCapture)$",
                    List.of("-p", "vars=1"), List.of("-f", "1", "-wi", "2", "-w", "1s", "-i", "4", "-r", "1s")),
            jmh("context-100", "ContextBenchmark\\.(threadLocalGet|contextVarGet|grpcKeyGet|kotlinContextGet"
                            + "|threadLocalSetRestore|contextVarSetReset|grpcWithValueAttachDetach"
                            + "|contextCopyCurrent|grpcCurrent|ttlCapture)$",
                    List.of("-p", "vars=100"), List.of("-f", "1", "-wi", "2", "-w", "1s", "-i", "4", "-r", "1s")),
            new Run("spawn", "java", List.of(SPAWN_ROUNDS, "--tasks", "1000", "--warmup", "15s", "--time", "85s"),
                    List.of(SPAWN_ROUNDS, "--tasks", "1000", "--warmup", "2s", "--time", "5s")),
            jmh("deadlines", "TimeoutBenchmark\\.(weftFailAfter|weftMoveOnAfter|stpeScheduleCancel"
                            + "|completableFutureOrTimeout|kotlinWithTimeout|clockRead)$",
                    List.of(), List.of("-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s")),
            java("channels", List.of(), List.of(CHANNEL_ROUNDS, "--warmup", "15s", "--time", "85s"),
                    List.of(CHANNEL_ROUNDS, "--warmup", "2s", "--time", "5s")),
            java("generators", COMPILER_BLACKHOLES, List.of(GENERATOR_ROUNDS, "--warmup", "15s", "--time", "85s"),
                    List.of(GENERATOR_ROUNDS, "--warmup", "2s", "--time", "5s")),
            new Run("asyncio", "python", List.of("--skip", ASYNCIO_GENERATORS), List.of("--quick", "--skip", ASYNCIO_GENERATORS)),
            new Run("asyncio-generators", "python", List.of("--only", ASYNCIO_GENERATORS),
                    List.of("--quick", "--only", ASYNCIO_GENERATORS)));
}
