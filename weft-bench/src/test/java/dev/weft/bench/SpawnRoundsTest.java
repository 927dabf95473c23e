package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** The spawn rounds' statistics on fixed numbers, their order of variants, and a short real run. */
class SpawnRoundsTest {

    /** The median is the middle value (or the mean of the two middle ones), not the mean of all. */
    @Test
    void medianIsTheMiddleValueNotTheMean() {
        double[] times = {205, 190, 4000, 200, 210}; // one round slowed by a collection
        assertEquals(205, SpawnRounds.median(times));  // the mean is 961
        assertEquals(202.5, SpawnRounds.median(new double[] {210, 190, 200, 205}));
        assertEquals(7, SpawnRounds.median(new double[] {7}));
        assertTrue(Double.isNaN(SpawnRounds.median(new double[0])));
        assertArrayEquals(new double[] {205, 190, 4000, 200, 210}, times, "the input is left as it was");
    }

    /** Quantiles interpolate linearly between order statistics ("type 7"). */
    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] x = {40, 10, 30, 20};
        assertEquals(10, SpawnRounds.quantile(x, 0));
        assertEquals(17.5, SpawnRounds.quantile(x, 0.25));  // h = 0.75: 10 + 0.75 * 10
        assertEquals(25, SpawnRounds.quantile(x, 0.5));
        assertEquals(32.5, SpawnRounds.quantile(x, 0.75));
        assertEquals(40, SpawnRounds.quantile(x, 1));
    }

    /**
     * The spread is half the interquartile range: the outlying round does not widen it, as it
     * would a standard deviation (about 1 700 here) or half the range (1 905).
     */
    @Test
    void spreadIsHalfTheInterquartileRange() {
        assertEquals(5, SpawnRounds.halfInterquartileRange(new double[] {205, 190, 4000, 200, 210})); // (210 - 200) / 2
        assertEquals(7.5, SpawnRounds.halfInterquartileRange(new double[] {40, 10, 30, 20}));         // (32.5 - 17.5) / 2
        assertEquals(0, SpawnRounds.halfInterquartileRange(new double[] {3}));
    }

    /**
     * The same-round ratio divides each round's time by the baseline's time in that round: here
     * the implementation is 1.2x the baseline in three rounds and 0.9x in two, so the median of the
     * ratios is 1.2, while the quotient of the two medians is 270 / 300 = 0.9 and that of the
     * means 312 / 300 = 1.04.
     */
    @Test
    void sameRoundRatioIsTakenRoundByRound() {
        double[] raw = {100, 400, 200, 500, 300};
        double[] weft = {120, 480, 240, 450, 270};
        double[] r = SpawnRounds.sameRoundRatios(weft, raw);
        assertArrayEquals(new double[] {1.2, 1.2, 1.2, 0.9, 0.9}, r, 1e-12);
        assertEquals(1.2, SpawnRounds.median(r), 1e-12);
        assertEquals(0.9, SpawnRounds.median(weft) / SpawnRounds.median(raw), 1e-12); // not what is reported
        assertThrows(IllegalArgumentException.class, () -> SpawnRounds.sameRoundRatios(new double[2], new double[3]));
    }

    /** The JSON record carries the median, half the IQR and the same-round ratio of fixed rounds. */
    @Test
    void resultReportsMediansSpreadsAndSameRoundRatios() {
        double[][] micros = new double[SpawnRounds.VARIANTS.size()][];
        Arrays.fill(micros, new double[] {100, 100, 100, 100, 100});
        micros[0] = new double[] {120, 480, 240, 450, 270};                    // weftTaskGroup
        micros[1] = new double[] {100, 400, 200, 500, 300};                    // rawVirtualThreads
        SpawnRounds.Result r = new SpawnRounds.Result(1000, micros, 10, 1.0, 2.0, TimeUnit.SECONDS.toNanos(1),
                TimeUnit.SECONDS.toNanos(2));
        assertEquals(5, r.rounds());
        String json = r.json();
        assertTrue(json.contains("\"benchmark\": \"dev.weft.bench.TaskGroupBenchmark.VirtualCaller.weftTaskGroup\""), json);
        assertTrue(json.contains("\"mode\": \"rounds\""), json);
        assertTrue(json.contains("\"params\": {\"tasks\": \"1000\"}"), json);
        assertTrue(json.contains("\"score\": 270.0,\n            \"scoreError\": 105.0,"), json); // p25 240, p75 450
        assertTrue(json.contains("\"sameRoundRatio\": {\"baseline\": "
                + "\"dev.weft.bench.TaskGroupBenchmark.VirtualCaller.rawVirtualThreads\", \"median\": 1.2, "), json);
        assertTrue(json.contains("\"measurementRounds\": 5,"), json);
        assertTrue(r.table().contains("weftTaskGroup"), r.table());
    }

    /**
     * Every round runs each variant once; over all offsets and strides (7 x 6 rounds) each variant
     * takes every position equally often and, within a round, directly follows every other
     * variant equally often.
     */
    @Test
    void orderRotatesAndChangesStride() {
        int k = SpawnRounds.VARIANTS.size();
        assertEquals(7, k);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, SpawnRounds.strides(k));
        assertArrayEquals(new int[] {1, 3}, SpawnRounds.strides(4));
        int[][] position = new int[k][k];
        int[][] follows = new int[k][k];
        int cycle = k * SpawnRounds.strides(k).length;
        for (int round = 0; round < cycle; round++) {
            int[] o = SpawnRounds.order(round, k);
            assertEquals(k, Arrays.stream(o).distinct().count(), "round " + round + ": " + Arrays.toString(o));
            for (int p = 0; p < k; p++) {
                position[o[p]][p]++;
                if (p > 0) {
                    follows[o[p]][o[p - 1]]++;
                }
            }
        }
        for (int v = 0; v < k; v++) {
            for (int u = 0; u < k; u++) {
                assertEquals(cycle / k, position[v][u], "variant " + v + " at position " + u);
                assertEquals(v == u ? 0 : cycle / k, follows[v][u], "variant " + v + " after " + u);
            }
        }
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, SpawnRounds.order(0, k));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 0}, SpawnRounds.order(1, k));
        assertArrayEquals(new int[] {0, 2, 4, 6, 1, 3, 5}, SpawnRounds.order(7, k));
    }

    /** Every variant is a @Benchmark method of TaskGroupBenchmark, and the baseline is one of them. */
    @Test
    void variantsAreTheBenchmarkMethods() throws Exception {
        for (String name : SpawnRounds.VARIANTS) {
            Method m = TaskGroupBenchmark.class.getMethod(name);
            assertTrue(m.isAnnotationPresent(Benchmark.class), name);
        }
        assertTrue(SpawnRounds.VARIANTS.contains(SpawnRounds.BASELINE));
    }

    /** "85s" and "500ms" are read; a time without a unit is refused. */
    @Test
    void timesNeedAUnit() {
        assertEquals(TimeUnit.SECONDS.toNanos(85), SpawnRounds.nanos("85s"));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), SpawnRounds.nanos("500ms"));
        assertThrows(IllegalArgumentException.class, () -> SpawnRounds.nanos("85"));
    }

    /**
     * A short real run from a virtual thread (10 tasks, 300 ms): every variant is timed in every
     * round, and the console names the rounds. From a platform thread the run is refused, as the
     * JMH benchmark's setup refuses it.
     */
    @Test
    void shortRunFromAVirtualThread() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8)) {
                outcome.set(SpawnRounds.run(10, 0, TimeUnit.MILLISECONDS.toNanos(300), out));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        assertTrue(t.join(java.time.Duration.ofSeconds(60)), "the run did not end within 60 s");
        if (!(outcome.get() instanceof SpawnRounds.Result r)) {
            throw new AssertionError("the run failed: " + outcome.get());
        }
        assertTrue(r.rounds() > 0, console.toString(StandardCharsets.UTF_8));
        for (double[] times : r.micros()) {
            assertEquals(r.rounds(), times.length);
            assertTrue(Arrays.stream(times).allMatch(us -> us > 0), Arrays.toString(times));
        }
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("rounds"), console.toString(StandardCharsets.UTF_8));
        assertThrows(IllegalStateException.class, () -> SpawnRounds.run(10, 0, 1, new PrintStream(new ByteArrayOutputStream())));
    }
}
