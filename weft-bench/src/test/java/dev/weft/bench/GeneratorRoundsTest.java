package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/** The generator rounds: their variants, baseline and floor, and a short real run with its records. */
class GeneratorRoundsTest {

    /**
     * Every variant is a @Benchmark method of QueueBaselineBenchmark that moves ITEMS items per
     * call, and the baseline and the floor are the generator table's (park/unpark, spin-32-yield-park).
     */
    @Test
    void variantsAreTheGeneratorBenchmarkMethods() {
        assertEquals(8, GeneratorRounds.VARIANTS.size());
        for (String name : GeneratorRounds.VARIANTS) {
            Method m = Arrays.stream(QueueBaselineBenchmark.class.getMethods()).filter(c -> c.getName().equals(name))
                    .findFirst().orElseThrow(() -> new AssertionError(name + " is not a method"));
            assertTrue(m.isAnnotationPresent(Benchmark.class), name);
            assertEquals(QueueBaselineBenchmark.ITEMS, m.getAnnotation(OperationsPerInvocation.class).value(), name);
        }
        assertEquals("generatorFloorPark", GeneratorRounds.BASELINE);
        assertEquals("generatorFloorSpin32Yield8", GeneratorRounds.FLOOR);
    }

    /**
     * A short real run from a platform thread (no warm-up, 500 ms): every variant is timed in every
     * round, in ns per item (a call's time divided by its 20 000 items: an item costs tens to
     * thousands of ns here, never the hundreds of µs a whole call takes), and its records are
     * named as JMH names the benchmarks, with no parameters, in ns/op, with their same-round ratio
     * to park/unpark (ReportTest reads such records back with the report's parser). From a
     * virtual thread the run is refused.
     */
    @Test
    void shortRunFromAPlatformThreadRecordsNanosecondsPerItem() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Rounds.Result r = RoundsTest.shortRun(Thread.ofPlatform(), GeneratorRounds::run, TimeUnit.MILLISECONDS.toNanos(500),
                console);
        assertTrue(r.rounds() > 0, console.toString(StandardCharsets.UTF_8));
        for (double[] times : r.times()) {
            assertEquals(r.rounds(), times.length);
            assertTrue(Arrays.stream(times).allMatch(ns -> ns > 0 && ns < 20_000), Arrays.toString(times));
        }
        String json = r.json();
        for (String v : GeneratorRounds.VARIANTS) {
            assertTrue(json.contains("\"benchmark\": \"dev.weft.bench.QueueBaselineBenchmark." + v + "\",\n"), json);
        }
        assertEquals(GeneratorRounds.VARIANTS.size(), RoundsTest.occurrences(json, "\"scoreUnit\": \"ns/op\","), json);
        assertEquals(GeneratorRounds.VARIANTS.size(), RoundsTest.occurrences(json, "\"sameRoundRatio\": {\"baseline\": "
                + "\"dev.weft.bench.QueueBaselineBenchmark.generatorFloorPark\", \"median\": "), json);
        assertFalse(json.contains("\"params\""), json);
        assertTrue(GeneratorRounds.floorLine(r).startsWith("generatorWeft ÷ generatorFloorSpin32Yield8 in the same round"));
        RoundsTest.assertRefusedFromAVirtualThread(GeneratorRounds::run);
    }
}
