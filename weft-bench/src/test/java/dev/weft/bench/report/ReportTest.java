package dev.weft.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bench.report.Catalog.Family;
import dev.weft.bench.report.Catalog.Operation;
import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report generator on the fixed input in {@code src/test/resources/report-fixture}. */
class ReportTest {
    static Path fixture() {
        try {
            return Path.of(ReportTest.class.getResource("/report-fixture/run.properties").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The fixture's one record whose benchmark name ends with {@code suffix}. */
    static Measurement fixtureRecord(String suffix) {
        return Measurement.loadAll(fixture()).stream().filter(m -> m.benchmark().endsWith(suffix)).findFirst()
                .orElseThrow(() -> new AssertionError("no fixture record for " + suffix));
    }

    static Report fixtureReport() {
        return new Report(Measurement.loadAll(fixture()), RunInfo.load(fixture()));
    }

    static Operation operation(String id) {
        for (Family f : Catalog.FAMILIES) {
            for (Operation op : f.operations()) {
                if (op.id().equals(id)) {
                    return op;
                }
            }
        }
        throw new AssertionError("no operation " + id);
    }

    /** The three result files are read, in the JMH shape, and files that are not JSON are skipped. */
    @Test
    void loadsEveryJsonFileOfTheDirectory() {
        List<Measurement> all = Measurement.loadAll(fixture());
        assertEquals(21, all.size());
        assertTrue(all.stream().anyMatch(m -> m.benchmark().equals("asyncio.taskGroup")
                && m.runtime().equals("CPython 3.11.7")));
        assertTrue(all.stream().anyMatch(m -> m.runtime().equals("JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)")));
    }

    /**
     * Scores in µs and ms per op are converted to the operation's unit (weft's spawn record is a
     * rounds record in ms/op); JMH's "NaN" error is NaN.
     */
    @Test
    void convertsUnitsAndReadsNaNErrors() {
        Report r = fixtureReport();
        Operation spawn = operation("spawn-1000");
        assertEquals(300.0, r.score(spawn.weft().getFirst(), "us"), 1e-9);
        assertEquals(10.0, r.error(spawn.weft().getFirst(), "us"), 1e-9);
        assertEquals(300_000.0, r.score(spawn.weft().getFirst(), "ns"), 1e-6);
        Operation get = operation("get-1");
        var grpc = get.entries().stream().filter(e -> e.label().startsWith("gRPC")).findFirst().orElseThrow();
        assertEquals(6.0, r.score(grpc, "ns"));
        assertTrue(Double.isNaN(r.error(grpc, "ns")));
    }

    /**
     * A sample-mode record's figure is the median of its invocations (JMH's 50th percentile), not
     * the mean JMH writes as its score; its error is half the range of the per-iteration medians
     * of the histogram (195 to 215 µs), not JMH's confidence interval of the mean nor half the
     * interquartile range of all invocations (200 to 900 µs: 350).
     */
    @Test
    void sampleModeRecordIsReadAsItsMedianAndTheSpreadOfItsIterationMedians() {
        Measurement raw = fixtureRecord("PlatformCaller.rawVirtualThreads");
        assertEquals(Measurement.Statistic.MEDIAN, raw.statistic());
        assertEquals("us/op", raw.unit());
        assertEquals(200.0, raw.score(), 1e-9);  // the mean is 505
        assertEquals(10.0, raw.error(), 1e-9);   // JMH's error of the mean is 400
        Measurement get = fixtureRecord("ContextBenchmark.contextVarGet");
        assertEquals(Measurement.Statistic.MEAN, get.statistic());
        assertEquals(3.0, get.score());
        assertEquals(0.2, get.error());
    }

    /** A sample-mode record of one iteration has no spread to tell: its error is NaN, its median stands. */
    @Test
    void sampleModeRecordOfOneIterationHasNoError() {
        List<Measurement> ms = Measurement.parse("""
                [{"benchmark": "b", "mode": "sample", "primaryMetric": {"score": 9.0, "scoreError": 1.0,
                  "scoreUnit": "us/op", "scorePercentiles": {"50.0": 4.0}, "rawDataHistogram": [[[[4.0, 3], [20.0, 1]]]]}}]
                """, "one.json");
        assertEquals(4.0, ms.getFirst().score());
        assertTrue(Double.isNaN(ms.getFirst().error()));
    }

    /** Throughput, single-shot and mode-less records are refused, naming the file, the benchmark and the fix. */
    @Test
    void otherModesAreRefusedWithTheFix() {
        for (String mode : List.of("\"thrpt\"", "\"ss\"", "null")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Measurement.parse("[{\"benchmark\": \"x.B.m\","
                    + " \"mode\": " + mode + ", \"primaryMetric\": {\"score\": 5.0, \"scoreError\": 1.0,"
                    + " \"scoreUnit\": \"ops/us\"}}]", "spawn.json"));
            assertTrue(e.getMessage().startsWith("spawn.json: x.B.m was measured in mode "), e.getMessage());
            assertTrue(e.getMessage().contains("-bm avgt") && e.getMessage().contains("-bm sample"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Measurement.parse("[{\"benchmark\": \"x.B.m\","
                + " \"mode\": \"sample\", \"primaryMetric\": {\"score\": 5.0, \"scoreError\": 1.0,"
                + " \"scoreUnit\": \"us/op\"}}]", "spawn.json"));
        assertTrue(e.getMessage().startsWith("spawn.json: x.B.m") && e.getMessage().contains("50.0"), e.getMessage());
    }

    /**
     * What the rounds runner writes is what this parser reads: a result of fixed rounds, written
     * by {@code Rounds.Result.json()} for the spawn rounds and parsed back, gives each variant its
     * median, half its interquartile range and its same-round ratio to raw threads (so writer and
     * reader cannot drift apart unnoticed).
     */
    @Test
    void roundsRunnerOutputIsReadBackAsWritten() {
        double[][] micros = new double[dev.weft.bench.SpawnRounds.VARIANTS.size()][];
        java.util.Arrays.fill(micros, new double[] {100, 100, 100, 100, 100});
        micros[0] = new double[] {120, 480, 240, 450, 270}; // weftTaskGroup
        micros[1] = new double[] {100, 400, 200, 500, 300}; // rawVirtualThreads
        var result = new dev.weft.bench.Rounds.Result(dev.weft.bench.SpawnRounds.spec(1000), micros, 10, 1.0, 2.0,
                1_000_000_000L, 2_000_000_000L);
        List<Measurement> read = Measurement.parse(result.json(), "spawn.json");
        assertEquals(micros.length, read.size());
        Measurement weft = read.stream().filter(m -> m.benchmark().endsWith("VirtualCaller.weftTaskGroup"))
                .findFirst().orElseThrow();
        assertEquals(Measurement.Statistic.ROUNDS, weft.statistic());
        assertEquals(Map.of("tasks", "1000"), weft.params());
        assertEquals(270.0, weft.score(), 1e-9); // the mean is 312
        assertEquals(105.0, weft.error(), 1e-9); // p25 240, p75 450
        assertEquals("dev.weft.bench.TaskGroupBenchmark.VirtualCaller.rawVirtualThreads", weft.sameRound().baseline());
        assertEquals(1.2, weft.sameRound().median(), 1e-9); // ratios by round 1.2, 1.2, 1.2, 0.9, 0.9; of the medians 0.9
    }

    /**
     * The generator rounds' records read back by this parser and drawn: named as JMH names the
     * benchmarks, without parameters, in ns per item, each with its same-round ratio to the
     * park/unpark round trip; the generator table then shows medians, weft's ratio as the median of
     * its same-round ratios (0.50×, not the quotient of the medians 240 / 500 = 0.48×), and says
     * so instead of naming a confidence interval.
     */
    @Test
    void generatorRoundsOutputIsReadBackAndDrawnAsRounds() {
        List<String> variants = dev.weft.bench.GeneratorRounds.VARIANTS;
        double[][] nanos = new double[variants.size()][];
        java.util.Arrays.fill(nanos, new double[] {100, 100, 100, 100, 100});
        nanos[variants.indexOf("generatorWeft")] = new double[] {250, 240, 330, 225, 220};
        nanos[variants.indexOf("generatorFloorPark")] = new double[] {500, 400, 600, 450, 550};
        var result = new dev.weft.bench.Rounds.Result(dev.weft.bench.GeneratorRounds.spec(), nanos, 10, 1.0, 2.0,
                1_000_000_000L, 2_000_000_000L);
        List<Measurement> read = Measurement.parse(result.json(), "generators.json");
        assertEquals(variants.size(), read.size());
        for (int v = 0; v < variants.size(); v++) {
            Measurement m = read.get(v);
            assertEquals("dev.weft.bench.QueueBaselineBenchmark." + variants.get(v), m.benchmark());
            assertEquals(Map.of(), m.params());
            assertEquals("ns/op", m.unit());
            assertEquals(Measurement.Statistic.ROUNDS, m.statistic());
            assertEquals("dev.weft.bench.QueueBaselineBenchmark.generatorFloorPark", m.sameRound().baseline());
        }
        Measurement weft = read.getFirst();
        assertEquals(240.0, weft.score(), 1e-9);
        assertEquals(12.5, weft.error(), 1e-9); // p25 225, p75 250
        assertEquals(0.5, weft.sameRound().median(), 1e-9); // ratios by round 0.5, 0.6, 0.55, 0.5, 0.4

        Report r = new Report(read, RunInfo.load(fixture()));
        String block = r.blocks().get("generators");
        assertTrue(block.contains("| **weft Generator** | 240 ± 12.5 | 0.50× |\n"), block);
        assertTrue(block.contains("| lock-step, park/unpark (baseline) | 500 ± 50.0 | 1.00× |\n"), block);
        assertTrue(block.contains(" Times are medians over interleaved rounds"), block);
        assertTrue(block.contains("Ratios are medians of the per-round ratios to lock-step, park/unpark in the same round,"
                + " not quotients of the medians."), block);
        assertFalse(block.contains("99.9%"), block);
    }

    /**
     * The channel rounds' records read back by this parser and drawn: each entry of the channel
     * tables finds its record by JMH's name and parameters, and its ratio is the median of its
     * same-round ratios to its own operation's baseline, also across benchmarks (kotlinx's
     * kotlinHandOff to SynchronousQueue's handOff: 0.50×, not 100 / 300 = 0.33×; weft's rendezvous
     * channel 1.50×, not 480 / 300 = 1.60×); the note names both baselines.
     */
    @Test
    void channelRoundsOutputIsReadBackAndDrawnWithEachOperationsBaseline() {
        dev.weft.bench.Rounds.Spec spec = dev.weft.bench.ChannelRounds.spec();
        List<String> names = spec.names();
        double[][] nanos = new double[names.size()][];
        java.util.Arrays.fill(nanos, new double[] {100, 100, 100, 100, 100});
        nanos[names.indexOf("SYNCHRONOUS_QUEUE 1/1")] = new double[] {200, 400, 300, 250, 500};
        nanos[names.indexOf("WEFT_RENDEZVOUS 1/1")] = new double[] {300, 560, 480, 400, 600};
        nanos[names.indexOf("kotlin Channel(0) 1/1")] = new double[] {100, 100, 150, 125, 100};
        var result = new dev.weft.bench.Rounds.Result(spec, nanos, 10, 1.0, 2.0, 1_000_000_000L, 2_000_000_000L);
        List<Measurement> read = Measurement.parse(result.json(), "channels.json");
        Measurement kotlin = read.stream().filter(m -> m.benchmark().endsWith(".kotlinHandOff")
                && m.params().equals(Map.of("capacity", "0", "pairs", "1"))).findFirst().orElseThrow();
        assertEquals(new Measurement.SameRoundRatio("dev.weft.bench.QueueBaselineBenchmark.handOff",
                Map.of("impl", "SYNCHRONOUS_QUEUE", "pairs", "1"), 0.5, 0.125), kotlin.sameRound());

        Report r = new Report(read, RunInfo.load(fixture()));
        for (Operation op : Catalog.FAMILIES.stream().filter(f -> f.id().equals("channels")).findFirst().orElseThrow()
                .operations()) {
            for (Catalog.Entry e : op.entries()) {
                assertEquals(!e.fullName().startsWith("asyncio."), r.sameRoundRatio(e, op.baseline()), e.label());
            }
        }
        String block = r.blocks().get("channels");
        assertTrue(block.contains("| **weft Channel.rendezvous()** | 480 ± 80.0 | 1.50× |\n"), block);
        assertTrue(block.contains("| kotlinx Channel(RENDEZVOUS) | 100 ± 12.5 | 0.50× |\n"), block);
        assertTrue(block.contains("Ratios are medians of the per-round ratios to ArrayBlockingQueue(16), SynchronousQueue"
                + " in the same round, not quotients of the medians."), block);
    }

    /**
     * A rounds record is read as written: the median of the per-round times as its score, half
     * their interquartile range as its error, and its same-round ratio to the baseline it names.
     */
    @Test
    void roundsRecordIsReadWithItsSameRoundRatio() {
        Measurement weft = fixtureRecord("VirtualCaller.weftTaskGroup");
        assertEquals(Measurement.Statistic.ROUNDS, weft.statistic());
        assertEquals("spawn.json", weft.file());
        assertEquals(0.3, weft.score());
        assertEquals(0.01, weft.error());
        assertEquals(new Measurement.SameRoundRatio("dev.weft.bench.TaskGroupBenchmark.VirtualCaller.rawVirtualThreads",
                weft.params(), 1.2, 0.05), weft.sameRound());
        Measurement executor = fixtureRecord("VirtualCaller.executorPerTask");
        assertEquals(null, executor.sameRound());
        var e = assertThrows(IllegalArgumentException.class, () -> Measurement.parse("""
                [{"benchmark": "x.B.m", "mode": "rounds", "primaryMetric": {"score": 5.0, "scoreError": 1.0,
                  "scoreUnit": "us/op", "sameRoundRatio": 1.2}}]
                """, "spawn.json"));
        assertTrue(e.getMessage().startsWith("spawn.json: x.B.m: sameRoundRatio"), e.getMessage());
    }

    /**
     * The spawn family's table, floor line, summary row and chart come from the interleaved
     * rounds: times are the medians, ratios the medians of the same-round ratios (weft 1.20×, not
     * the quotient of its median and raw threads' median, 1.50×; StructuredTaskScope 1.10×, not
     * 1.25×); a rounds record without a same-round ratio (the executor per task) and asyncio's mean
     * fall back to the quotient of the times. The text and chart say so; the other families keep
     * the confidence-interval wording.
     */
    @Test
    void spawnFamilyIsDrawnFromTheRoundsAndTheirSameRoundRatios() throws Exception {
        Report r = fixtureReport();
        String spawn = r.blocks().get("spawn");
        assertTrue(spawn.contains("| raw Thread.ofVirtual start + join (floor) | 200 ± 10.0 | 1.00× |\n"), spawn);
        assertTrue(spawn.contains("| **weft TaskGroup** | 300 ± 10.0 | 1.20× |\n"), spawn);
        assertTrue(spawn.contains("| StructuredTaskScope (preview) | 250 ± 5.00 | 1.10× |\n"), spawn);
        assertTrue(spawn.contains("| virtual-thread executor per task | 180 ± 8.00 | 0.90× |\n"), spawn);
        assertTrue(spawn.contains("| CompletableFuture.supplyAsync | not measured | — |\n"), spawn);
        assertTrue(spawn.contains("| asyncio TaskGroup | 4000 ± 100 | 20.0× |\n"), spawn);
        assertTrue(spawn.contains(" Times are medians over interleaved rounds (one JVM runs each implementation once per"
                + " round, in an order that changes from round to round, round after round for a fixed time), so that"
                + " a stretch in which the machine runs slower falls on every implementation alike"), spawn);
        assertTrue(spawn.contains("error: half the interquartile range of the per-round times. Ratios are medians of the"
                + " per-round ratios to raw Thread.ofVirtual start + join in the same round, not quotients of the medians."
                + " asyncio TaskGroup is a mean, error: half-width of the 99.9% confidence interval; its ratio is its mean"
                + " divided by the baseline's median.\n"), spawn);
        assertFalse(spawn.contains("sample mode"), spawn);
        assertTrue(r.blocks().get("context").contains(" Error: half-width of the 99.9% confidence interval.\n"));
        assertFalse(r.blocks().get("context").contains("median"));
        assertTrue(r.blocks().get("summary").contains("| spawn + join of 1 000 trivial tasks, virtual caller"
                + " | raw Thread.ofVirtual start + join 200 µs | 300 µs | **1.20×** |"), r.blocks().get("summary"));

        Document svg = parse(r.charts().get("spawn"));
        barTitled(svg, "weft TaskGroup: 300 µs, 1.20×");
        barTitled(svg, "StructuredTaskScope (preview): 250 µs, 1.10×");
        barTitled(svg, "virtual-thread executor per task: 180 µs, 0.90×");
        barTitled(svg, "raw Thread.ofVirtual start + join: 200 µs, 1.00×");
        // ratios 0.86 (the executor's whisker) .. 20.5 (asyncio's): axis 0.1× .. 100×,
        // x(r) = 330 + (log10 r + 1) / 3 * 400; weft's whisker from x(1.15) to x(1.25), its same-round
        // ratio ± half their IQR (from its times it would run from x(290 / 200) to x(310 / 200))
        assertTrue(hasLine(svg, "471.4", "476.3"), "weft's whisker: its same-round ratio ± half their IQR");
        assertTrue(hasLine(svg, "454.6", "459.8"), "the executor's whisker: (180 ± 8) / 200");
        assertTrue(texts(svg).contains("Medians over interleaved rounds; bar: median of same-round ratios, whisker:"
                + " ± half their IQR (asyncio TaskGroup: mean, 99.9% CI)."), texts(svg).toString());
        assertTrue(texts(parse(r.charts().get("context")))
                .contains("Whiskers: 99.9% confidence interval of each time, divided by the baseline's mean."));
    }

    /**
     * A same-round ratio counts only against the record it names, in the same file: with raw
     * threads' result from another file (another run), weft's ratio is the quotient of the times.
     */
    @Test
    void sameRoundRatioNeedsTheBaselineOfTheSameRun() {
        List<Measurement> ms = new ArrayList<>();
        for (Measurement m : Measurement.loadAll(fixture())) {
            ms.add(m.benchmark().endsWith("VirtualCaller.rawVirtualThreads")
                    ? new Measurement(m.benchmark(), m.params(), m.score(), m.error(), m.unit(), m.runtime(), "other.json",
                            m.statistic(), m.sameRound())
                    : m);
        }
        Report r = new Report(ms, RunInfo.load(fixture()));
        Operation spawn = operation("spawn-1000");
        assertEquals(1.5, r.ratio(spawn.weft().getFirst(), spawn.baseline(), "us"), 1e-9);
        assertEquals(1.2, fixtureReport().ratio(spawn.weft().getFirst(), spawn.baseline(), "us"), 1e-9);
    }

    /**
     * Sample-mode records (here the fixture's platform-caller ones, shown as the spawn family) are
     * drawn from their medians and their spread, the text says so and names asyncio, whose figure
     * is a mean; ratios are quotients of the times.
     */
    @Test
    void sampleModeFamilyIsDrawnFromTheMedians() throws Exception {
        List<Measurement> ms = new ArrayList<>();
        for (Measurement m : Measurement.loadAll(fixture())) {
            if (m.file().equals("spawn.json")) {
                continue;
            }
            ms.add(m.benchmark().contains(".PlatformCaller.")
                    ? new Measurement(m.benchmark().replace(".PlatformCaller.", ".VirtualCaller."), m.params(), m.score(),
                            m.error(), m.unit(), m.runtime(), m.file(), m.statistic(), m.sameRound())
                    : m);
        }
        Report r = new Report(ms, RunInfo.load(fixture()));
        String spawn = r.blocks().get("spawn");
        assertTrue(spawn.contains("| raw Thread.ofVirtual start + join (floor) | 200 ± 10.0 | 1.00× |\n"), spawn);
        assertTrue(spawn.contains("| **weft TaskGroup** | 300 ± 10.0 | 1.50× |\n"), spawn);
        assertTrue(spawn.contains("| asyncio TaskGroup | 4000 ± 100 | 20.0× |\n"), spawn);
        assertTrue(spawn.contains("Times are medians of single operations (JMH sample mode"), spawn);
        assertTrue(spawn.contains("error: half the range of the medians of the single measured iterations."
                + " asyncio TaskGroup is a mean, error: half-width of the 99.9% confidence interval.\n"), spawn);
        assertTrue(r.blocks().get("summary").contains("| spawn + join of 1 000 trivial tasks, virtual caller"
                + " | raw Thread.ofVirtual start + join 200 µs | 300 µs | **1.50×** |"), r.blocks().get("summary"));
        Document svg = parse(r.charts().get("spawn"));
        barTitled(svg, "weft TaskGroup: 300 µs, 1.50×");
        // ratios 0.95 (raw's whisker) .. 20.5 (asyncio's): axis 0.1× .. 100×; weft's whisker from
        // x(290 / 200) to x(310 / 200)
        assertTrue(hasLine(svg, "484.8", "488.7"), "weft's whisker: ± half the range of its iteration medians");
        assertTrue(texts(svg).contains("Medians of single operations; whiskers: ± half the range of the iterations'"
                + " medians (asyncio TaskGroup: mean, 99.9% CI)."), texts(svg).toString());
    }

    /** The floor line gives the floor, weft's ratio and difference to it, and weft against asyncio. */
    @Test
    void floorLineStatesTheFloorWeftsDistanceAndAsyncio() {
        Report r = fixtureReport();
        assertEquals("floor `ThreadLocal.get` 2.00 ns; weft ContextVar.get 3.00 ns, **1.50× the floor** (+1.00 ns);"
                + " asyncio ContextVar.get 40.0 ns: weft is 13.3× faster.", r.floorLine(operation("get-1")));
        // spawn: the ratio is weft's same-round ratio, the difference that of the medians
        assertEquals("floor `raw Thread.ofVirtual start + join` 200 µs; weft TaskGroup 300 µs, **1.20× the floor**"
                + " (+100 µs); asyncio TaskGroup 4000 µs: weft is 13.3× faster.", r.floorLine(operation("spawn-1000")));
        assertEquals("floor `System.nanoTime (floor: one clock read)` 20.0 ns; weft Timeout.failAfter 36.0 ns,"
                + " **1.80× the floor** (+16.0 ns); weft Timeout.moveOnAfter not measured; asyncio.timeout not measured.",
                r.floorLine(operation("deadline")));
    }

    /** Family tables: ratio to the baseline, the error when there is one, "not measured" when absent. */
    @Test
    void familyTableShowsRatiosErrorsAndMissingFigures() {
        String context = fixtureReport().blocks().get("context");
        assertTrue(context.contains("![Context variables: each implementation's ratio to the JDK baseline, log scale](bench/context.svg)"));
        assertTrue(context.contains("| ThreadLocal.get (floor) | 2.00 ± 0.100 | 1.00× |\n"), context);
        assertTrue(context.contains("| **weft ContextVar.get** | 3.00 ± 0.200 | 1.50× |\n"), context);
        assertTrue(context.contains("| gRPC Context.Key.get | 6.00 | 3.00× |\n"), context);
        assertTrue(context.contains("| TransmittableThreadLocal.get | not measured | — |\n"), context);
        String deadlines = fixtureReport().blocks().get("deadlines");
        assertTrue(deadlines.contains("| implementation | ns | × ScheduledThreadPoolExecutor schedule + cancel |\n"), deadlines);
        assertTrue(deadlines.contains("| ScheduledThreadPoolExecutor schedule + cancel (baseline) | 90.0 ± 5.00 | 1.00× |\n"));
        assertTrue(deadlines.contains("| **weft Timeout.failAfter** | 36.0 ± 1.00 | 0.40× |\n"), deadlines);
    }

    /** The summary: floor, weft, their ratio, the fastest other implementation, asyncio and its ratio. */
    @Test
    void summaryRowPerOperation() {
        String summary = fixtureReport().blocks().get("summary");
        assertTrue(summary.contains("| get, 1 variable set | ThreadLocal.get 2.00 ns | 3.00 ns | **1.50×** |"
                + " gRPC Context.Key.get 6.00 ns | 40.0 ns | 13.3× |\n"), summary);
        // deadlines: the baseline (STPE) is not the floor, so it competes as the fastest other one
        assertTrue(summary.contains("| deadline enter + exit, not expiring | System.nanoTime (floor: one clock read) 20.0 ns"
                + " | 36.0 ns | **1.80×** | ScheduledThreadPoolExecutor schedule + cancel 90.0 ns | — | — |\n"), summary);
        long rows = summary.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| operation")).count();
        assertEquals(Catalog.FAMILIES.stream().mapToLong(f -> f.operations().size()).sum(), rows);
    }

    /** The run block carries command, dates, runtimes and machine from the inputs, no smoke banner. */
    @Test
    void runBlockFromRunProperties() {
        String run = fixtureReport().blocks().get("run");
        assertTrue(run.contains("- **Command:** `weft-bench/compare.sh`\n"), run);
        assertTrue(run.contains("- **Date:** 2026-12-01 10:00 UTC to 2026-12-01 10:13 UTC\n"), run);
        assertTrue(run.contains("- **JDK:** JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS); JMH 1.37;"
                + " kotlinx-coroutines 1.11.0\n"), run);
        assertTrue(run.contains("- **asyncio:** CPython 3.11.7, in the same sitting"), run);
        assertTrue(run.contains("  - `context-1`: `ContextBenchmark\\.(threadLocalGet|contextVarGet|grpcKeyGet)$ -p vars=1 -f 1`\n"), run);
        assertTrue(run.contains("  - `deadlines`: `unknown`\n"), run);
        assertTrue(run.contains("  - `asyncio`: no arguments\n"), run);
        assertFalse(run.contains("Smoke run"));
    }

    /** A --quick run is labelled as a smoke run in the document and in every chart. */
    @Test
    void quickRunIsLabelledEverywhere() {
        Properties p = new Properties();
        p.putAll(RunInfo.load(fixture()).props());
        p.setProperty("mode", "quick");
        Report r = new Report(Measurement.loadAll(fixture()), new RunInfo(p));
        assertTrue(r.blocks().get("run").startsWith("> **Smoke run (`--quick`): these figures prove the pipeline, they are not results.**"));
        for (String svg : r.charts().values()) {
            assertTrue(svg.contains("SMOKE RUN (--quick)"));
        }
        for (String svg : fixtureReport().charts().values()) {
            assertFalse(svg.contains("SMOKE RUN"));
        }
    }

    /** Bars start at 1× and end at the ratio on a log axis of whole decades; whiskers are the CI. */
    @Test
    void chartBarsAreRatiosOnALogAxisWithWhiskers() throws Exception {
        Document svg = parse(fixtureReport().charts().get("context"));
        // ratios in the fixture's context family span 0.95 (a whisker) to 20.5: axis 0.1× .. 100×,
        // so x(r) = 330 + (log10 r + 1) / 3 * 400.
        Element weft = barTitled(svg, "weft ContextVar.get: 3.00 ns, 1.50×");
        assertEquals("463.3", weft.getAttribute("x"));  // x(1)
        assertEquals("23.5", weft.getAttribute("width")); // x(1.5) - x(1)
        assertEquals("#d9480f", weft.getAttribute("fill"));
        Element asyncio = barTitled(svg, "asyncio ContextVar.get: 40.0 ns, 20.0×");
        assertEquals("#2f9e44", asyncio.getAttribute("fill"));
        List<String> ticks = texts(svg).stream().filter(t -> t.endsWith("×") && !t.contains(" ")).toList();
        assertTrue(ticks.containsAll(List.of("0.1×", "1×", "10×", "100×")), ticks.toString());
        assertTrue(texts(svg).contains("not measured"));
        // whisker of weft: from x(1.4) to x(1.6), at the row's centre line
        assertTrue(hasLine(svg, "482.8", "490.5"), "weft's whisker");
    }

    /** A whisker whose lower end is at or below zero runs to the axis' left end, with no cap there. */
    @Test
    void whiskerBelowZeroRunsToTheAxisEnd() throws Exception {
        Document svg = parse(fixtureReport().charts().get("channels"));
        barTitled(svg, "weft Channel.bounded(16): 150 ns, 1.50×");
        // axis: 0.1× .. 10× (weft's upper whisker 3.5×); the whisker starts at the left end, 330.
        assertTrue(hasLine(svg, "330.0", null), "whisker clamped to the axis' left end");
    }

    /**
     * The generator family: ratios to the two-thread floor, weft slower than asyncio said so, a
     * same-thread peer far below the floor shown with its digits, the park floor not measured.
     */
    @Test
    void generatorFamilyAgainstTheTwoThreadFloor() {
        Report r = fixtureReport();
        assertEquals("floor `lock-step, spin 32, yield, park` 100 ns; weft Generator 250 ns,"
                + " **2.50× the floor** (+150 ns); asyncio async generator, async for 150 ns: weft is 1.67× slower.",
                r.floorLine(operation("generator")));
        String block = r.blocks().get("generators");
        assertTrue(block.startsWith("![Generators: each implementation's ratio to the JDK baseline, log scale](bench/generators.svg)"),
                block);
        assertTrue(block.contains("| implementation | ns | × lock-step, park/unpark |\n"), block);
        assertTrue(block.contains("| lock-step, spin 32, yield, park (floor) | 100 ± 10.0 | 0.20× |\n"), block);
        assertTrue(block.contains("| lock-step, park/unpark (baseline) | 500 ± 20.0 | 1.00× |\n"), block);
        assertTrue(block.contains("| lock-step, spin while the partner runs | not measured | — |\n"), block);
        assertTrue(block.contains("| **weft Generator** | 250 ± 50.0 | 0.50× |\n"), block);
        assertTrue(block.contains("| kotlinx sequence { yield }, one thread | 2.00 ± 0.100 | 0.0040× |\n"), block);
        assertTrue(block.contains("| asyncio async generator, async for | 150 ± 5.00 | 0.30× |\n"), block);
        String summary = r.blocks().get("summary");
        assertTrue(summary.contains("| generator, per item | lock-step, spin 32, yield, park 100 ns | 250 ns"
                + " | **2.50×** | lock-step, park/unpark 500 ns | 150 ns | 0.60× |\n"), summary);
    }

    /** The generator chart spans the decades from the same-thread peer (0.004×) to the baseline (1×). */
    @Test
    void generatorChartSpansItsDecades() throws Exception {
        Document svg = parse(fixtureReport().charts().get("generators"));
        // ratios 0.0038 (a whisker) .. 1.04 (the baseline's whisker): axis 0.001× .. 10×,
        // so x(r) = 330 + (log10 r + 3) / 4 * 400; a bar below 1× runs from x(r) to x(1)
        Element weft = barTitled(svg, "weft Generator: 250 ns, 0.50×");
        assertEquals("599.9", weft.getAttribute("x")); // x(0.5)
        assertEquals("30.1", weft.getAttribute("width")); // x(1) - x(0.5)
        barTitled(svg, "kotlinx sequence { yield }, one thread: 2.00 ns, 0.0040×");
        List<String> ticks = texts(svg).stream().filter(t -> t.endsWith("×") && !t.contains(" ")).toList();
        assertTrue(ticks.containsAll(List.of("0.001×", "0.01×", "0.1×", "1×", "10×")), ticks.toString());
        assertFalse(ticks.contains("100×"), ticks.toString());
    }

    /** Ratios below 0.1 keep two significant digits. */
    @Test
    void smallRatiosKeepTheirDigits() {
        assertEquals("0.39×", Fmt.ratio(0.39));
        assertEquals("0.039×", Fmt.ratio(0.039));
        assertEquals("0.0042×", Fmt.ratio(0.0042));
        assertEquals("12.3×", Fmt.ratio(12.34));
    }

    /** The same inputs give the same bytes (no clock, fixed locale), so committed charts can be checked. */
    @Test
    void renderingIsDeterministic() {
        assertEquals(fixtureReport().charts(), fixtureReport().charts());
        assertEquals(fixtureReport().blocks(), fixtureReport().blocks());
    }

    /** Only the text between a block's markers changes; prose around it stays; applying twice is stable. */
    @Test
    void applyReplacesOnlyBetweenMarkers() {
        String doc = "# Title\nprose before\n" + Report.open("run") + "\nold figures\n" + Report.close("run")
                + "\nprose after\n";
        String once = Report.apply(doc, Map.of("run", "new figures\n"));
        assertEquals("# Title\nprose before\n" + Report.open("run") + "\nnew figures\n" + Report.close("run")
                + "\nprose after\n", once);
        assertEquals(once, Report.apply(once, Map.of("run", "new figures\n")));
    }

    /** A missing or repeated marker fails and names the block and the fix. */
    @Test
    void applyFailsOnAMissingMarker() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Report.apply("no markers here\n", Map.of("channels", "x\n")));
        assertTrue(e.getMessage().contains("<!-- generated:channels -->"), e.getMessage());
        String twice = Report.open("run") + "\n" + Report.close("run") + "\n" + Report.open("run") + "\n" + Report.close("run");
        assertThrows(IllegalArgumentException.class, () -> Report.apply(twice, Map.of("run", "x\n")));
    }

    /** Two results for one entry (a run repeated under another name) fail instead of picking one. */
    @Test
    void duplicateResultsFail(@TempDir Path dir) throws Exception {
        Files.copy(fixture().resolve("run.properties"), dir.resolve("run.properties"));
        Files.copy(fixture().resolve("jmh.json"), dir.resolve("a.json"));
        Files.copy(fixture().resolve("jmh.json"), dir.resolve("b.json"));
        Report r = new Report(Measurement.loadAll(dir), RunInfo.load(dir));
        var e = assertThrows(IllegalStateException.class, r::blocks);
        assertTrue(e.getMessage().contains("a.json") && e.getMessage().contains("b.json"), e.getMessage());
    }

    /** A result directory without run.properties is refused with the fix. */
    @Test
    void missingRunPropertiesIsExplained(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> RunInfo.load(dir));
        assertTrue(e.getMessage().contains("compare.sh"), e.getMessage());
    }

    /** generate writes the document and charts; check then reports them up to date, and stale after an edit. */
    @Test
    void generateThenCheck(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("benchmarks.md");
        StringBuilder sb = new StringBuilder("# Benchmarks\nhand-written\n");
        for (String name : List.of("run", "summary", "context", "spawn", "deadlines", "channels", "generators")) {
            sb.append(Report.open(name)).append('\n').append(Report.close(name)).append('\n');
        }
        Files.writeString(doc, sb);
        Path charts = dir.resolve("bench");
        String[] opts = {"--results", fixture().toString(), "--doc", doc.toString(), "--charts", charts.toString()};
        assertEquals(0, ReportMain.run(concat("generate", opts), System.out, System.err));
        assertTrue(Files.readString(doc).startsWith("# Benchmarks\nhand-written\n"));
        assertTrue(Files.readString(doc).contains("**1.50× the floor**"));
        for (Family f : Catalog.FAMILIES) {
            assertTrue(Files.exists(charts.resolve(f.id() + ".svg")), f.id());
        }
        assertEquals(0, ReportMain.run(concat("check", opts), System.out, System.err));
        Files.writeString(charts.resolve("spawn.svg"), "<svg/>");
        assertEquals(1, ReportMain.run(concat("check", opts), System.out, System.err));
    }

    /** The JSON reader: nesting, escapes, numbers, literals, and errors that give the offset. */
    @Test
    void jsonReader() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\\\"\": \"x\\u00e9\\n\", \"c\": {}} ");
        assertEquals("{a=[1.0, -25.0, true, false, null], b\"=xé\n, c={}}", String.valueOf(v));
        assertTrue(Double.isNaN(Json.number("NaN")));
        var e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
        assertTrue(e.getMessage().contains("offset 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\" 1}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static Element barTitled(Document svg, String title) {
        NodeList rects = svg.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getTextContent().equals(title)) {
                return r;
            }
        }
        throw new AssertionError("no bar titled '" + title + "'");
    }

    static List<String> texts(Document svg) {
        List<String> out = new ArrayList<>();
        NodeList t = svg.getElementsByTagName("text");
        for (int i = 0; i < t.getLength(); i++) {
            out.add(t.item(i).getTextContent());
        }
        return out;
    }

    /** Whether a horizontal line runs from x1 (to x2, if given). */
    static boolean hasLine(Document svg, String x1, String x2) {
        NodeList lines = svg.getElementsByTagName("line");
        for (int i = 0; i < lines.getLength(); i++) {
            Element l = (Element) lines.item(i);
            if (l.getAttribute("x1").equals(x1) && l.getAttribute("y1").equals(l.getAttribute("y2"))
                    && (x2 == null || l.getAttribute("x2").equals(x2))) {
                return true;
            }
        }
        return false;
    }
}
