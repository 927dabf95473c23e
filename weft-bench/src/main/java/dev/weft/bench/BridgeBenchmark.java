package dev.weft.bench;

import dev.weft.Context;
import dev.weft.ContextVar;
import dev.weft.TaskGroup;
import dev.weft.micrometer.MicrometerBridge;
import dev.weft.opentelemetry.OpenTelemetryBridge;
import dev.weft.slf4j.MdcBridge;
import dev.weft.spi.Bridges;
import dev.weft.spi.ContextBridge;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.MDC;

/**
 * What bridges cost (issue 11, item 7): weft's spawn+join of 1 000 tasks, {@code Context.run},
 * {@code Context.copyCurrent} and {@code ContextVar.get} with 0, 1 and 3 bridges registered, beside
 * what Micrometer ({@code ContextSnapshot.wrap}, {@code setThreadLocals}) and OpenTelemetry
 * ({@code Context.wrap}, as {@code Context.taskWrapping} does per task; {@code makeCurrent}) cost
 * for the same job, and the MDC's own put/get.
 *
 * <h2>Setup</h2>
 * <ul>
 * <li>The benchmark thread is virtual ({@code -Djmh.executor=VIRTUAL}); spawning is compared only
 *     with spawning from a virtual caller.
 * <li>The bridges are registered by hand ({@link Bridges#register}) so that their number is the
 *     parameter: 1 = the MDC (Logback); 3 = the MDC, OpenTelemetry's fallback bridge (OpenTelemetry
 *     keeps its default thread-local storage here) and Micrometer's (one user accessor). The
 *     shaded jar leaves out the bridge modules' {@code META-INF/services} (weft-bench/pom.xml), so
 *     no other benchmark gets a bridge by discovery, and here only the registered ones run.
 * <li>Each library has state on the benchmark thread (an MDC entry, an OpenTelemetry context
 *     value, the accessor's thread-local), so every capture and install has something to carry.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Djmh.executor=VIRTUAL")
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class BridgeBenchmark {
    static final ThreadLocal<String> TENANT = new ThreadLocal<>();
    static final io.opentelemetry.context.ContextKey<String> OTEL_KEY = ContextKey.named("bench");
    static final ContextVar<String> VAR = ContextVar.of("bench");
    static final Runnable NOOP = () -> { };
    static final int TASKS = 1000;

    static {
        ContextRegistry.getInstance().registerThreadLocalAccessor("bench.tenant", TENANT::get, TENANT::set, TENANT::remove);
    }

    /** How many bridges are registered: 0, 1 (MDC) or 3 (MDC, OpenTelemetry, Micrometer). */
    @Param({"0", "1", "3"})
    public int bridges;

    private final List<Bridges.Registration> registrations = new ArrayList<>();
    private Scope otelScope;
    private Context context;

    /** Puts state in each library on this thread and registers the bridges. */
    @Setup(Level.Trial)
    public void setUp() {
        if (!Bridges.bridges().isEmpty()) {
            throw new IllegalStateException("bridges were discovered by ServiceLoader: " + Bridges.bridges()
                    + "; the shaded jar must leave out the bridge modules' META-INF/services");
        }
        libraryState();
        List<ContextBridge> list = switch (bridges) {
            case 0 -> List.of();
            case 1 -> List.of(new MdcBridge());
            case 3 -> List.of(new MdcBridge(), new OpenTelemetryBridge(), new MicrometerBridge());
            default -> throw new IllegalArgumentException("bridges must be 0, 1 or 3");
        };
        list.forEach(b -> registrations.add(Bridges.register(b)));
        VAR.set("v");
        context = Context.copyCurrent();
    }

    void libraryState() {
        MDC.put("request", "r-1");
        TENANT.set("acme");
        otelScope = io.opentelemetry.context.Context.root().with(OTEL_KEY, "v").makeCurrent();
    }

    /** Unregisters the bridges and clears the libraries' state. */
    @TearDown(Level.Trial)
    public void tearDown() {
        registrations.forEach(Bridges.Registration::close);
        registrations.clear();
        otelScope.close();
        MDC.clear();
        TENANT.remove();
    }

    /** weft: a task group spawning 1 000 tasks, each a copy of this context (with the bridges' state). */
    @Benchmark
    public Object spawnJoin1000() {
        return TaskGroup.run(g -> {
            for (int i = 0; i < TASKS; i++) {
                g.spawn(NOOP::run);
            }
            return null;
        });
    }

    /** weft: enter and leave a context (install and restore every bridge). */
    @Benchmark
    public void contextRun() {
        context.run(NOOP);
    }

    /** weft: capture the current context (and every bridge's state). */
    @Benchmark
    public Context copyCurrent() {
        return Context.copyCurrent();
    }

    /** weft: ContextVar.get; bridges are not on this path at all. */
    @Benchmark
    public String contextVarGet() {
        return VAR.get();
    }

    /**
     * The MDC with weft's bridges registered: put and get go to Logback's own adapter (the MDC
     * bridge carries the map across contexts, it does not replace the adapter), so this is
     * {@link Peers#mdcPutGet} again, whatever the number of bridges.
     */
    @Benchmark
    public String mdcPutGetWithBridges() {
        MDC.put("k", "v");
        return MDC.get("k");
    }

    /** The peers, which do not depend on how many weft bridges there are. */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = "-Djmh.executor=VIRTUAL")
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Peers {
        private final ContextSnapshotFactory factory = ContextSnapshotFactory.builder().build();
        private ContextSnapshot snapshot;
        private io.opentelemetry.context.Context otel;
        private Scope otelScope;

        /** The same library state as the weft benchmarks. */
        @Setup(Level.Trial)
        public void setUp() {
            MDC.put("request", "r-1");
            TENANT.set("acme");
            otelScope = io.opentelemetry.context.Context.root().with(OTEL_KEY, "v").makeCurrent();
            snapshot = factory.captureAll();
            otel = io.opentelemetry.context.Context.current();
        }

        /** Clears it. */
        @TearDown(Level.Trial)
        public void tearDown() {
            otelScope.close();
            MDC.clear();
            TENANT.remove();
        }

        /** Baseline: 1 000 raw virtual threads started and joined. */
        @Benchmark
        public Thread rawSpawnJoin1000() throws InterruptedException {
            return startJoin(i -> NOOP);
        }

        /** Micrometer: each thread runs {@code captureAll().wrap(task)} (a capture per task, as weft's spawn does). */
        @Benchmark
        public Thread micrometerWrapSpawnJoin1000() throws InterruptedException {
            return startJoin(i -> factory.captureAll().wrap(NOOP));
        }

        /** OpenTelemetry: each thread runs {@code Context.current().wrap(task)} (what {@code Context.taskWrapping} does). */
        @Benchmark
        public Thread otelWrapSpawnJoin1000() throws InterruptedException {
            return startJoin(i -> io.opentelemetry.context.Context.current().wrap(NOOP));
        }

        /** Micrometer: set a snapshot's thread-locals and restore them (its Context.run). */
        @Benchmark
        public void micrometerSetThreadLocals() {
            try (ContextSnapshot.Scope s = snapshot.setThreadLocals()) {
                NOOP.run();
            }
        }

        /** OpenTelemetry: make a context current and close the scope (its Context.run). */
        @Benchmark
        public void otelMakeCurrent() {
            try (Scope s = otel.makeCurrent()) {
                NOOP.run();
            }
        }

        /** Logback's MDC adapter: put and get (weft does not sit on this path; the MDC bridge only carries it). */
        @Benchmark
        public String mdcPutGet() {
            MDC.put("k", "v");
            return MDC.get("k");
        }

        private static Thread startJoin(java.util.function.IntFunction<Runnable> task) throws InterruptedException {
            Thread[] threads = new Thread[TASKS];
            Thread.Builder b = Thread.ofVirtual();
            for (int i = 0; i < TASKS; i++) {
                threads[i] = b.start(task.apply(i));
            }
            for (Thread t : threads) {
                t.join();
            }
            return threads[0];
        }
    }
}
