package dev.weft.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /** Every JMH entry is selected by exactly one JMH run, with its parameter values among the run's. */
    @Test
    void everyJmhEntryIsProducedByExactlyOneRun() {
        for (Entry e : entries()) {
            if (!jmh(e)) {
                continue;
            }
            List<String> by = new ArrayList<>();
            for (Run r : Catalog.RUNS) {
                if (r.tool().equals("jmh") && selects(r.fullArgs(), e) && selects(r.quickArgs(), e)) {
                    by.add(r.id());
                }
            }
            assertEquals(1, by.size(), e.fullName() + " " + e.params() + " is produced by " + by);
        }
    }

    /** Every JMH run produces at least one entry: no run measures what nothing shows. */
    @Test
    void everyRunIsUsed() {
        for (Run r : Catalog.RUNS) {
            if (r.tool().equals("jmh")) {
                assertTrue(entries().stream().anyMatch(e -> jmh(e) && selects(r.fullArgs(), e)), r.id());
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
     * The spawn run measures sample time in µs (the report shows medians of single operations), in
     * its full and quick forms, with at least two measured iterations (so that the spread of the
     * iteration medians is defined) and no more measuring time than its average-time form had
     * (2 forks of 3 + 4 one-second iterations). Every other JMH run measures average time.
     */
    @Test
    void spawnRunMeasuresSampleTimeWithinItsOldBudget() {
        for (Run r : Catalog.RUNS) {
            if (!r.tool().equals("jmh")) {
                continue;
            }
            for (List<String> args : List.of(r.fullArgs(), r.quickArgs())) {
                if (r.id().equals("spawn")) {
                    assertEquals("sample", option(args, "-bm"), r.id() + " " + args);
                    assertEquals("us", option(args, "-tu"), r.id() + " " + args);
                    int forks = Integer.parseInt(option(args, "-f"));
                    int iterations = Integer.parseInt(option(args, "-i"));
                    assertTrue(forks * iterations >= 2, r.id() + " " + args);
                    double seconds = forks * (Integer.parseInt(option(args, "-wi")) * seconds(option(args, "-w"))
                            + iterations * seconds(option(args, "-r")));
                    assertTrue(seconds <= 2 * (3 + 4), r.id() + " measures " + seconds + " s per benchmark: " + args);
                } else {
                    assertEquals(null, option(args, "-bm"), r.id() + " " + args);
                }
            }
        }
        assertTrue(Catalog.RUNS.stream().anyMatch(r -> r.id().equals("spawn")));
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
