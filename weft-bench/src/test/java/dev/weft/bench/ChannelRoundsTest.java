package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bench.QueueBaselineBenchmark.Impl;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/** The channel rounds: their variants and baselines, fixed rounds' records, and a short real run. */
class ChannelRoundsTest {

    private static final String HAND_OFF = "dev.weft.bench.QueueBaselineBenchmark.handOff";

    /**
     * The sixteen variants are the comparison's channel entries: per operation (bounded(16) and
     * rendezvous, 1/1 and 4/4) the JDK baseline, weft and Jox through handOff and kotlinx through
     * kotlinHandOff, each with JMH's parameters of its own benchmark; every variant of an operation
     * is taken to ArrayBlockingQueue(16) (bounded) or SynchronousQueue (rendezvous) with the same
     * pairs, and every method is a @Benchmark moving ITEMS items per call.
     */
    @Test
    void variantsAreTheChannelEntriesEachTakenToItsOperationsJdkBaseline() {
        Rounds.Spec spec = ChannelRounds.spec();
        assertEquals(16, spec.variants().size());
        for (Rounds.Variant v : spec.variants()) {
            Method m = Arrays.stream(QueueBaselineBenchmark.class.getMethods()).filter(c -> c.getName().equals(v.method()))
                    .findFirst().orElseThrow(() -> new AssertionError(v.method() + " is not a method"));
            assertTrue(m.isAnnotationPresent(Benchmark.class), v.method());
            assertEquals(QueueBaselineBenchmark.ITEMS, m.getAnnotation(OperationsPerInvocation.class).value(), v.method());
            String pairs = v.params().get("pairs");
            boolean rendezvous = v.method().equals("kotlinHandOff") ? v.params().get("capacity").equals("0")
                    : v.params().get("impl").equals("SYNCHRONOUS_QUEUE") || v.params().get("impl").endsWith("_RENDEZVOUS");
            Rounds.Variant base = spec.variants().stream().filter(b -> b.name().equals(v.baseline())).findFirst().orElseThrow();
            assertEquals("handOff", base.method(), v.name());
            assertEquals(Map.of("impl", rendezvous ? "SYNCHRONOUS_QUEUE" : "ABQ_16", "pairs", pairs), base.params(), v.name());
        }
        assertEquals(List.of("ABQ_16 1/1", "ABQ_16 4/4", "SYNCHRONOUS_QUEUE 1/1", "SYNCHRONOUS_QUEUE 4/4"), spec.baselines());
        assertEquals(Map.of("capacity", "0", "pairs", "4"), spec.variants().getLast().params());
        assertEquals(List.of(Impl.ABQ_16, Impl.SYNCHRONOUS_QUEUE),
                ChannelRounds.OPERATIONS.stream().map(ChannelRounds.Operation::baseline).distinct().toList());
    }

    /**
     * Fixed rounds give each record JMH's name and parameters, ns/op, and its same-round ratio to
     * its operation's baseline: weft's rendezvous channel at 1/1 divided round by round by
     * SynchronousQueue at 1/1 (1.5x, not the quotient of the medians 480 / 300 = 1.6x), named
     * with the baseline's parameters because they differ from its own; a baseline's record names
     * itself, with no baselineParams.
     */
    @Test
    void recordsCarryJmhParamsAndTheirOperationsBaseline() {
        Rounds.Spec spec = ChannelRounds.spec();
        List<String> names = spec.names();
        double[][] nanos = new double[names.size()][];
        Arrays.fill(nanos, new double[] {100, 100, 100, 100, 100});
        nanos[names.indexOf("SYNCHRONOUS_QUEUE 1/1")] = new double[] {200, 400, 300, 250, 500};
        nanos[names.indexOf("WEFT_RENDEZVOUS 1/1")] = new double[] {300, 560, 480, 400, 600};
        Rounds.Result r = new Rounds.Result(spec, nanos, 10, 1.0, 2.0, TimeUnit.SECONDS.toNanos(1),
                TimeUnit.SECONDS.toNanos(2));
        String json = r.json();
        assertEquals(12, RoundsTest.occurrences(json, "\"benchmark\": \"" + HAND_OFF + "\",\n"), json);
        assertEquals(4, RoundsTest.occurrences(json, "\"benchmark\": \"" + HAND_OFF.replace("handOff", "kotlinHandOff") + "\",\n"), json);
        assertEquals(16, RoundsTest.occurrences(json, "\"scoreUnit\": \"ns/op\","), json);
        assertTrue(json.contains("\"params\": {\"impl\": \"WEFT_RENDEZVOUS\", \"pairs\": \"1\"},\n"
                + "        \"primaryMetric\": {\n            \"score\": 480.0,\n"), json);
        assertTrue(json.contains("\"sameRoundRatio\": {\"baseline\": \"" + HAND_OFF + "\", \"baselineParams\": {\"impl\":"
                + " \"SYNCHRONOUS_QUEUE\", \"pairs\": \"1\"}, \"median\": 1.5, "), json);
        assertTrue(json.contains("\"params\": {\"capacity\": \"16\", \"pairs\": \"4\"},"), json);
        assertTrue(json.contains("\"baselineParams\": {\"impl\": \"ABQ_16\", \"pairs\": \"4\"}, \"median\": 1.0, "), json);
        assertEquals(12, RoundsTest.occurrences(json, "\"baselineParams\": "), "the four baselines name themselves: " + json);
        assertTrue(r.table().contains("÷ SYNCHRONOUS_QUEUE 1/1 in the same round"), r.table());
    }

    /**
     * A short real run from a platform thread (no warm-up, 1 s): every variant is timed in every
     * round, in ns per item (a call's time divided by its 20 000 items: an item costs tens to
     * thousands of ns, never the milliseconds a whole call takes). From a virtual thread the run
     * is refused.
     */
    @Test
    void shortRunFromAPlatformThreadRecordsNanosecondsPerItem() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Rounds.Result r = RoundsTest.shortRun(Thread.ofPlatform(), ChannelRounds::run, TimeUnit.SECONDS.toNanos(1), console);
        assertTrue(r.rounds() > 0, console.toString(StandardCharsets.UTF_8));
        for (double[] times : r.times()) {
            assertEquals(r.rounds(), times.length);
            assertTrue(Arrays.stream(times).allMatch(ns -> ns > 0 && ns < 20_000), Arrays.toString(times));
        }
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("SYNCHRONOUS_QUEUE 4/4"),
                console.toString(StandardCharsets.UTF_8));
        RoundsTest.assertRefusedFromAVirtualThread(ChannelRounds::run);
    }
}
