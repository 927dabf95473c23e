package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** The spawn rounds' records on fixed numbers, their variants, and a short real run. */
class SpawnRoundsTest {

    /** The JSON record carries the median, half the IQR and the same-round ratio of fixed rounds. */
    @Test
    void resultReportsMediansSpreadsAndSameRoundRatios() {
        double[][] micros = new double[SpawnRounds.VARIANTS.size()][];
        Arrays.fill(micros, new double[] {100, 100, 100, 100, 100});
        micros[0] = new double[] {120, 480, 240, 450, 270};                    // weftTaskGroup
        micros[1] = new double[] {100, 400, 200, 500, 300};                    // rawVirtualThreads
        Rounds.Result r = new Rounds.Result(SpawnRounds.spec(1000), micros, 10, 1.0, 2.0, TimeUnit.SECONDS.toNanos(1),
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
        assertTrue(json.contains("\"scoreUnit\": \"us/op\","), json);
        assertTrue(r.table().contains("weftTaskGroup"), r.table());
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

    /**
     * A short real run from a virtual thread (10 tasks, 300 ms): every variant is timed in every
     * round, and the console names the rounds. From a platform thread the run is refused, as the
     * JMH benchmark's setup refuses it.
     */
    @Test
    void shortRunFromAVirtualThread() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Rounds.Result r = RoundsTest.shortRun(Thread.ofVirtual(), (warmup, time, out) -> SpawnRounds.run(10, warmup, time, out),
                TimeUnit.MILLISECONDS.toNanos(300), console);
        assertTrue(r.rounds() > 0, console.toString(StandardCharsets.UTF_8));
        for (double[] times : r.times()) {
            assertEquals(r.rounds(), times.length);
            assertTrue(Arrays.stream(times).allMatch(us -> us > 0), Arrays.toString(times));
        }
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("rounds"), console.toString(StandardCharsets.UTF_8));
        assertThrows(IllegalStateException.class, () -> SpawnRounds.run(10, 0, 1, new PrintStream(new ByteArrayOutputStream())));
    }
}
