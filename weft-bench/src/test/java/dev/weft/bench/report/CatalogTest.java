package dev.weft.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.bench.ChannelRounds;
import dev.weft.bench.GeneratorRounds;
import dev.weft.bench.Rounds;
import dev.weft.bench.SpawnRounds;
import dev.weft.bench.report.Catalog.Entry;
import dev.weft.bench.report.Catalog.Family;
import dev.weft.bench.report.Catalog.Kind;
import dev.weft.bench.report.Catalog.Operation;
import dev.weft.bench.report.Catalog.Run;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/** The catalog names real benchmarks, and the runs produce each of its figures exactly once. */
class CatalogTest {
    static List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        for (Family f : Catalog.FAMILIES) {
            for (Operation op : f.operations()) {
                all.addAll(op.entries());
            }
        }
        return all;
    }

    static boolean jmh(Entry e) {
        return !e.benchmark().startsWith("asyncio.");
    }

    /** Every JMH entry is a {@code @Benchmark} method, and every parameter value it names is declared. */
    @Test
    void everyEntryNamesAnExistingBenchmarkAndParameterValue() throws Exception {
        for (Entry e : entries()) {
            if (!jmh(e)) {
                continue;
            }
            int dot = e.benchmark().lastIndexOf('.');
            Class<?> c = Class.forName("dev.weft.bench." + e.benchmark().substring(0, dot).replace('.', '$'));
            Method m = null;
            for (Method candidate : c.getMethods()) {
                if (candidate.getName().equals(e.benchmark().substring(dot + 1)) && candidate.isAnnotationPresent(Benchmark.class)) {
                    m = candidate;
                }
            }
            if (m == null) {
                fail(e.fullName() + " is not a @Benchmark method");
            }
            List<Class<?>> states = new ArrayList<>(List.of(m.getParameterTypes()));
            states.add(c);
            for (Map.Entry<String, String> p : e.params().entrySet()) {
                assertTrue(paramAllows(states, p.getKey(), p.getValue()),
                        e.fullName() + ": no @Param " + p.getKey() + " allows " + p.getValue());
            }
        }
    }

    private static boolean paramAllows(List<Class<?>> states, String name, String value) {
        for (Class<?> s : states) {
            Field f;
            try {
                f = s.getField(name);
            } catch (NoSuchFieldException notHere) {
                continue;
            }
            Param p = f.getAnnotation(Param.class);
            if (p == null) {
                continue;
            }
            if (f.getType().isEnum()) {
                for (Object constant : f.getType().getEnumConstants()) {
                    if (((Enum<?>) constant).name().equals(value)) {
                        return true;
                    }
                }
                return false;
            }
            // a value outside the declared defaults is still runnable when the run passes it with -p
            return true;
        }
        return false;
    }

    /**
     * Every JMH-named entry is produced by exactly one run: selected by one JMH run, with its
     * parameter values among the run's, or one of the implementations of the spawn, channel or
     * generator rounds.
     */
    @Test
    void everyJmhEntryIsProducedByExactlyOneRun() {
        for (Entry e : entries()) {
            if (!jmh(e)) {
                continue;
            }
            List<String> by = new ArrayList<>();
            for (Run r : Catalog.RUNS) {
                boolean produces = switch (r.tool()) {
                    case "jmh" -> selects(r.fullArgs(), e) && selects(r.quickArgs(), e);
                    case "java" -> rounds(r.fullArgs(), e) && rounds(r.quickArgs(), e);
                    default -> false;
                };
                if (produces) {
                    by.add(r.id());
                }
            }
            assertEquals(1, by.size(), e.fullName() + " " + e.params() + " is produced by " + by);
        }
    }

    /** Every JMH or java run produces at least one entry: no run measures what nothing shows. */
    @Test
    void everyRunIsUsed() {
        for (Run r : Catalog.RUNS) {
            if (r.tool().equals("jmh")) {
                assertTrue(entries().stream().anyMatch(e -> jmh(e) && selects(r.fullArgs(), e)), r.id());
            } else if (r.tool().equals("java")) {
                assertTrue(entries().stream().anyMatch(e -> jmh(e) && rounds(r.fullArgs(), e)), r.id());
            }
        }
    }

    private static boolean selects(List<String> args, Entry e) {
        if (!Pattern.compile(args.getFirst()).matcher(e.fullName()).find()) {
            return false;
        }
        for (int i = 1; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-p")) {
                String[] kv = args.get(i + 1).split("=", 2);
                String v = e.params().get(kv[0]);
                if (v != null && !List.of(kv[1].split(",")).contains(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether a java run with {@code args} writes a record that {@code e} matches: for
     * {@link SpawnRounds}, one of its variants under the JMH name, with the run's {@code --tasks};
     * for {@link GeneratorRounds}, one of its variants under the JMH name, without parameters; for
     * {@link ChannelRounds}, one of its variants under the JMH name, with that variant's parameters.
     */
    private static boolean rounds(List<String> args, Entry e) {
        assertEquals(SpawnRounds.class.getName(), Catalog.SPAWN_ROUNDS);
        assertEquals(GeneratorRounds.class.getName(), Catalog.GENERATOR_ROUNDS);
        assertEquals(ChannelRounds.class.getName(), Catalog.CHANNEL_ROUNDS);
        if (mainClass(args).equals(Catalog.CHANNEL_ROUNDS)) {
            return ChannelRounds.spec().variants().stream()
                    .anyMatch(v -> e.fullName().equals(ChannelRounds.JMH_PREFIX + v.method()) && e.params().equals(v.params()));
        }
        if (mainClass(args).equals(Catalog.GENERATOR_ROUNDS)) {
            return GeneratorRounds.VARIANTS.stream().anyMatch(v -> e.fullName().equals(GeneratorRounds.JMH_PREFIX + v))
                    && e.params().isEmpty();
        }
        assertEquals(Catalog.SPAWN_ROUNDS, mainClass(args), "the java runs are the spawn, channel and generator rounds: "
                + args);
        String tasks = option(args, "--tasks");
        return SpawnRounds.VARIANTS.stream().anyMatch(v -> e.fullName().equals(SpawnRounds.JMH_PREFIX + v))
                && e.params().equals(Map.of("tasks", tasks == null ? "1000" : tasks));
    }

    /**
     * The spawn family comes from the interleaved rounds, not from JMH: the spawn run is a java
     * run of SpawnRounds whose warm-up and measuring time, in full, are no longer than the JMH run
     * it replaces took (about 105 s; the JVM's start is a second), with a short --quick form;
     * every one of its variants is a catalog entry; and every JMH run measures average time.
     */
    @Test
    void spawnRunIsInterleavedRoundsWithinTheJmhRunsTime() {
        roundsRun("spawn", Catalog.SPAWN_ROUNDS, 102);
        for (String v : SpawnRounds.VARIANTS) {
            assertTrue(entries().stream().anyMatch(e -> e.fullName().equals(SpawnRounds.JMH_PREFIX + v)), v + " is not shown");
        }
        for (Run r : Catalog.RUNS) {
            if (r.tool().equals("jmh")) {
                assertEquals(null, option(r.fullArgs(), "-bm"), r.id() + " " + r.fullArgs());
                assertEquals(null, option(r.quickArgs(), "-bm"), r.id() + " " + r.quickArgs());
            }
        }
    }

    /**
     * The generator family comes from the interleaved rounds, not from JMH: the generators run is a
     * java run of GeneratorRounds whose warm-up and measuring time, in full, are no longer than the
     * JMH run it replaces took (about 120 s), with a short --quick form; every one of its variants
     * is a catalog entry, and its baseline is the generator table's; it runs with JMH's compiler
     * blackholes, as the JMH run did.
     */
    @Test
    void generatorRunIsInterleavedRoundsWithinTheJmhRunsTime() {
        Run generators = roundsRun("generators", Catalog.GENERATOR_ROUNDS, 115);
        assertTrue(generators.fullArgs().containsAll(Catalog.COMPILER_BLACKHOLES), "JMH's blackholes: " + generators.fullArgs());
        assertTrue(generators.quickArgs().containsAll(Catalog.COMPILER_BLACKHOLES), "JMH's blackholes: " + generators.quickArgs());
        for (String v : GeneratorRounds.VARIANTS) {
            assertTrue(entries().stream().anyMatch(e -> e.fullName().equals(GeneratorRounds.JMH_PREFIX + v)), v + " is not shown");
        }
        Operation generator = Catalog.FAMILIES.stream().flatMap(f -> f.operations().stream())
                .filter(op -> op.id().equals("generator")).findFirst().orElseThrow();
        assertEquals(GeneratorRounds.JMH_PREFIX + GeneratorRounds.BASELINE, generator.baseline().fullName());
        assertEquals(GeneratorRounds.JMH_PREFIX + GeneratorRounds.FLOOR, generator.floor().fullName());
    }

    /**
     * The channels family comes from the interleaved rounds, not from JMH: the channels run is a
     * java run of ChannelRounds whose warm-up and measuring time, in full, are no longer than the
     * JMH run it replaces took (over 200 s; the rounds take the spawn run's 100 s), with a short
     * --quick form; every one of its variants is a catalog entry of the channels family, and each
     * entry's same-round baseline in the rounds is its operation's baseline in the table.
     */
    @Test
    void channelRunIsInterleavedRoundsWithEachOperationsBaseline() {
        roundsRun("channels", Catalog.CHANNEL_ROUNDS, 102);
        Rounds.Spec spec = ChannelRounds.spec();
        Family channels = Catalog.FAMILIES.stream().filter(f -> f.id().equals("channels")).findFirst().orElseThrow();
        for (Rounds.Variant v : spec.variants()) {
            Operation op = channels.operations().stream()
                    .filter(o -> o.entries().stream().anyMatch(e -> matches(e, v))).findFirst()
                    .orElseThrow(() -> new AssertionError(v.name() + " is not shown"));
            Rounds.Variant base = spec.variants().stream().filter(b -> b.name().equals(v.baseline())).findFirst().orElseThrow();
            assertTrue(matches(op.baseline(), base), v.name() + " is taken to " + base.name() + ", its table to "
                    + op.baseline().label());
        }
    }

    private static boolean matches(Entry e, Rounds.Variant v) {
        return e.fullName().equals(ChannelRounds.JMH_PREFIX + v.method()) && e.params().equals(v.params());
    }

    /**
     * The run {@code id}: a java run of {@code mainClass} whose warm-up and measuring time are 60 s
     * to {@code maxSeconds} in full and at most 10 s with --quick.
     */
    private static Run roundsRun(String id, String mainClass, double maxSeconds) {
        Run run = Catalog.RUNS.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
        assertEquals("java", run.tool());
        assertEquals(mainClass, mainClass(run.fullArgs()));
        assertEquals(mainClass, mainClass(run.quickArgs()));
        double full = seconds(option(run.fullArgs(), "--warmup")) + seconds(option(run.fullArgs(), "--time"));
        assertTrue(full >= 60 && full <= maxSeconds, "the full " + id + " run measures " + full + " s: " + run.fullArgs());
        double quick = seconds(option(run.quickArgs(), "--warmup")) + seconds(option(run.quickArgs(), "--time"));
        assertTrue(quick <= 10, "the quick " + id + " run measures " + quick + " s: " + run.quickArgs());
        return run;
    }

    /** A java run's main class: its first argument that is not a JVM option. */
    private static String mainClass(List<String> args) {
        return args.stream().filter(a -> !a.startsWith("-")).findFirst().orElseThrow();
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i < 0 ? null : args.get(i + 1);
    }

    private static double seconds(String time) {
        return time.endsWith("ms") ? Double.parseDouble(time.substring(0, time.length() - 2)) / 1000
                : Double.parseDouble(time.substring(0, time.length() - 1));
    }

    /** asyncio entries name measurements the script makes, with parameters it sets. */
    @Test
    void asyncioEntriesAreInTheScript() throws Exception {
        String script = Files.readString(Path.of("asyncio_bench.py"));
        for (Entry e : entries()) {
            if (jmh(e)) {
                continue;
            }
            String name = e.benchmark().substring("asyncio.".length());
            assertTrue(script.contains("(\"" + name + "\""), "asyncio_bench.py does not measure " + name);
            for (String key : e.params().keySet()) {
                assertTrue(script.contains("\"" + key + "\": "), "asyncio_bench.py does not set " + key);
            }
        }
        assertTrue(Catalog.RUNS.stream().anyMatch(r -> r.tool().equals("python")));
    }

    /** Each operation: distinct labels, a weft entry, its baseline and floor drawn, one unit we convert to. */
    @Test
    void operationsAreWellFormed() {
        Set<String> ids = new HashSet<>();
        for (Family f : Catalog.FAMILIES) {
            assertFalse(f.operations().isEmpty(), f.id());
            for (Operation op : f.operations()) {
                assertTrue(ids.add(op.id()), "duplicate operation id " + op.id());
                assertEquals(op.entries().size(), op.entries().stream().map(Entry::label).distinct().count(), op.id());
                assertFalse(op.weft().isEmpty(), op.id() + " has no weft entry");
                assertTrue(op.entries().contains(op.baseline()) && op.entries().contains(op.floor()), op.id());
                assertEquals(Kind.FLOOR, op.floor().kind(), op.id());
                assertTrue(List.of("ns", "us").contains(op.unit()), op.id());
            }
        }
        assertEquals(List.of("context", "spawn", "deadlines", "channels", "generators"),
                Catalog.FAMILIES.stream().map(Family::id).toList());
    }
}
