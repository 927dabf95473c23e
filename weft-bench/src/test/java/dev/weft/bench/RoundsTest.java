package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The rounds' statistics on fixed numbers, their order of variants, and their options. */
class RoundsTest {

    /** The median is the middle value (or the mean of the two middle ones), not the mean of all. */
    /**
     * Each isolated variant has its own copy of the benchmark class and of weft's classes, so
     * the JIT profiles it apart; the JDK's classes stay shared.
     */
    @Test
    void isolatedVariantsHaveCopiesOfTheirOwnButShareTheJdk() throws Exception {
        Class<?> a = Rounds.isolated(QueueBaselineBenchmark.class);
        Class<?> b = Rounds.isolated(QueueBaselineBenchmark.class);
        assertEquals(QueueBaselineBenchmark.class.getName(), a.getName());
        assertTrue(a != QueueBaselineBenchmark.class && a != b, "each call loads the class again");
        Class<?> weftA = Class.forName("dev.weft.Channel", false, a.getClassLoader());
        Class<?> weftB = Class.forName("dev.weft.Channel", false, b.getClassLoader());
        assertTrue(weftA != dev.weft.Channel.class && weftA != weftB, "weft's classes are copied too");
        assertTrue(Class.forName("java.util.concurrent.ArrayBlockingQueue", false, a.getClassLoader())
                == java.util.concurrent.ArrayBlockingQueue.class, "the JDK's are shared");
        List<Rounds.Op> ops = Rounds.isolatedOps(QueueBaselineBenchmark.class,
                List.of("generatorPeerIterator", "generatorPeerIterator"), (i, benchmark) -> null);
        assertEquals(2, ops.size());
        ops.get(0).call();
        ops.get(1).call();
    }

    @Test
    void medianIsTheMiddleValueNotTheMean() {
        double[] times = {205, 190, 4000, 200, 210}; // one round slowed by a collection
        assertEquals(205, Rounds.median(times));  // the mean is 961
        assertEquals(202.5, Rounds.median(new double[] {210, 190, 200, 205}));
        assertEquals(7, Rounds.median(new double[] {7}));
        assertTrue(Double.isNaN(Rounds.median(new double[0])));
        assertArrayEquals(new double[] {205, 190, 4000, 200, 210}, times, "the input is left as it was");
    }

    /** Quantiles interpolate linearly between order statistics ("type 7"). */
    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] x = {40, 10, 30, 20};
        assertEquals(10, Rounds.quantile(x, 0));
        assertEquals(17.5, Rounds.quantile(x, 0.25));  // h = 0.75: 10 + 0.75 * 10
        assertEquals(25, Rounds.quantile(x, 0.5));
        assertEquals(32.5, Rounds.quantile(x, 0.75));
        assertEquals(40, Rounds.quantile(x, 1));
    }

    /**
     * The spread is half the interquartile range: the outlying round does not widen it, as it
     * would a standard deviation (about 1 700 here) or half the range (1 905).
     */
    @Test
    void spreadIsHalfTheInterquartileRange() {
        assertEquals(5, Rounds.halfInterquartileRange(new double[] {205, 190, 4000, 200, 210})); // (210 - 200) / 2
        assertEquals(7.5, Rounds.halfInterquartileRange(new double[] {40, 10, 30, 20}));         // (32.5 - 17.5) / 2
        assertEquals(0, Rounds.halfInterquartileRange(new double[] {3}));
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
        double[] r = Rounds.sameRoundRatios(weft, raw);
        assertArrayEquals(new double[] {1.2, 1.2, 1.2, 0.9, 0.9}, r, 1e-12);
        assertEquals(1.2, Rounds.median(r), 1e-12);
        assertEquals(0.9, Rounds.median(weft) / Rounds.median(raw), 1e-12); // not what is reported
        assertThrows(IllegalArgumentException.class, () -> Rounds.sameRoundRatios(new double[2], new double[3]));
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
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, Rounds.strides(k));
        assertArrayEquals(new int[] {1, 3}, Rounds.strides(4));
        assertBalanced(k, k * Rounds.strides(k).length);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, Rounds.order(0, k));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 0}, Rounds.order(1, k));
        assertArrayEquals(new int[] {0, 2, 4, 6, 1, 3, 5}, Rounds.order(7, k));
    }

    /**
     * With a number of variants that is not prime (eight generator variants, also four and nine)
     * the order is a Williams design: over its cycle each variant takes every position equally
     * often and directly follows every other variant equally often, which the strides prime to
     * eight (1, 3, 5, 7) would not do (they never put variants an even distance apart side by side).
     */
    @Test
    void orderIsBalancedForANumberOfVariantsThatIsNotPrime() {
        for (int k : new int[] {4, 8, 9}) {
            assertBalanced(k, k % 2 == 0 ? k : 2 * k);
        }
        assertArrayEquals(new int[] {0, 1, 7, 2, 6, 3, 5, 4}, Rounds.order(0, 8));
        assertArrayEquals(new int[] {0, 1, 7, 2, 6, 3, 5, 4}, Rounds.order(8, 8));
    }

    /**
     * Over rounds 0 to {@code cycle - 1} of {@code k} variants, every round runs each variant once,
     * each variant takes every position equally often, and each directly follows every other
     * variant equally often.
     */
    private static void assertBalanced(int k, int cycle) {
        int[][] position = new int[k][k];
        int[][] follows = new int[k][k];
        for (int round = 0; round < cycle; round++) {
            int[] o = Rounds.order(round, k);
            assertEquals(k, Arrays.stream(o).distinct().count(), "k " + k + ", round " + round + ": " + Arrays.toString(o));
            for (int p = 0; p < k; p++) {
                position[o[p]][p]++;
                if (p > 0) {
                    follows[o[p]][o[p - 1]]++;
                }
            }
        }
        for (int v = 0; v < k; v++) {
            for (int u = 0; u < k; u++) {
                assertEquals(cycle / k, position[v][u], "k " + k + ": variant " + v + " at position " + u);
                assertEquals(v == u ? 0 : cycle / k, follows[v][u], "k " + k + ": variant " + v + " after " + u);
            }
        }
    }

    /**
     * A spec gives every variant a baseline among its variants that is its own baseline, so that
     * the variants fall into one group per baseline; the one-baseline form gives all the same
     * parameters and baseline.
     */
    @Test
    void everyBaselineIsAVariantTakenToItself() {
        Rounds.Spec one = new Rounds.Spec("t", List.of("a", "b"), "b", "x.", Map.of("n", "1"), "ns/op", 1, "ns");
        assertEquals(List.of(new Rounds.Variant("a", "a", Map.of("n", "1"), "b"), new Rounds.Variant("b", "b",
                Map.of("n", "1"), "b")), one.variants());
        assertEquals(List.of("b"), one.baselines());
        Rounds.Variant a = new Rounds.Variant("a", "m", Map.of(), "a");
        Rounds.Variant b = new Rounds.Variant("b", "m", Map.of(), "a");
        assertEquals(List.of("a"), new Rounds.Spec("t", List.of(a, b), "x.", "ns/op", 1, "ns").baselines());
        assertThrows(IllegalArgumentException.class, () -> new Rounds.Spec("t", List.of(a, b,
                new Rounds.Variant("c", "m", Map.of(), "b")), "x.", "ns/op", 1, "ns"));
        assertThrows(IllegalArgumentException.class, () -> new Rounds.Spec("t", List.of(a,
                new Rounds.Variant("c", "m", Map.of(), "d")), "x.", "ns/op", 1, "ns"));
        assertThrows(IllegalArgumentException.class, () -> new Rounds.Spec("t", List.of(a, a), "x.", "ns/op", 1, "ns"));
    }

    /** "85s" and "500ms" are read; a time without a unit is refused. */
    @Test
    void timesNeedAUnit() {
        assertEquals(TimeUnit.SECONDS.toNanos(85), Rounds.nanos("85s"));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), Rounds.nanos("500ms"));
        assertThrows(IllegalArgumentException.class, () -> Rounds.nanos("85"));
    }

    /**
     * Asserts that {@code measure}, called from a virtual thread, fails with an
     * {@link IllegalStateException} that asks for a platform thread (JMH's worker for the
     * benchmarks it runs).
     */
    static void assertRefusedFromAVirtualThread(Rounds.Measure measure) throws InterruptedException {
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                measure.run(0, 1, new PrintStream(new ByteArrayOutputStream()));
            } catch (Throwable e) {
                refused.set(e);
            }
        }).join();
        assertTrue(refused.get() instanceof IllegalStateException e && e.getMessage().contains("platform thread"),
                String.valueOf(refused.get()));
    }

    /** How often {@code part} occurs in {@code text}, overlaps counted. */
    static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Runs {@code measure} without warm-up for {@code timeNanos} on a thread {@code caller} starts,
     * its console into {@code console}, and returns its result; fails if it failed or did not end
     * within 60 s.
     */
    static Rounds.Result shortRun(Thread.Builder caller, Rounds.Measure measure, long timeNanos,
            ByteArrayOutputStream console) throws InterruptedException {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = caller.start(() -> {
            try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8)) {
                outcome.set(measure.run(0, timeNanos, out));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        assertTrue(t.join(Duration.ofSeconds(60)), "the run did not end within 60 s");
        if (!(outcome.get() instanceof Rounds.Result r)) {
            throw new AssertionError("the run failed: " + outcome.get());
        }
        return r;
    }
}
