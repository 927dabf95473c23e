package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The amplification case, with the server's default limits: 100 clients send
 * {@code /fanout?n=1000&ms=1900} (a hundred thousand sub-tasks asked for) and disconnect. Cheap
 * requests keep their latency, and honest fan-outs sent right after are answered within their
 * deadline plus a bounded cancellation latency, because the fan-out budget admits only ten of the
 * hundred and the disconnect watch cancels those ten.
 */
@Tag("stress")
class AmplificationTest {
    static final int ABANDONED = 100;
    static final int HONEST = 5;
    static final String FANOUT = "/fanout?n=1000&ms=1900";
    static final long DEADLINE_MS = 2000;
    /**
     * Allowed past the deadline for a fan-out's answer, as the client sees it. Measured on the shared
     * 2-core machine: 34-930 ms over ten runs (load average 13-17); about twice the worst, so that a
     * loaded CI machine does not flake it.
     */
    static final long CANCELLATION_BOUND_MS = 2000;

    /** One honest client's attempts: status and milliseconds of each. */
    record Attempt(int status, long millis) {
    }

    /** 100 abandoned fan-outs neither starve /hello nor delay honest fan-outs past their deadline plus a bound. */
    @Test
    void abandonedFanoutsStarveNeitherCheapRequestsNorHonestFanouts() throws Exception {
        assumeTrue(DisconnectWatch.available(), "no /proc/net/tcp on this system");
        Queue<String> log = ServerTesting.newLog();
        DemoServer s = ServerTesting.start(false, Duration.ofMillis(DEADLINE_MS), Duration.ofSeconds(1), log);
        try (RawHttp probe = new RawHttp(s.port())) {
            long[] idle = helloLatencies(probe, 300);
            long idleP50 = percentile(idle, 50);

            // The storm: 100 fan-outs, then every client disconnects.
            long admittedBefore = s.admission().reservationsTotal();
            long refusedBefore = s.stats().refusedBusy();
            long firstSent = System.nanoTime();
            List<RawHttp> abandoned = new ArrayList<>();
            for (int i = 0; i < ABANDONED; i++) {
                RawHttp c = new RawHttp(s.port());
                c.send("GET " + FANOUT + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: abandoned-" + i + "\r\n\r\n");
                abandoned.add(c);
            }
            ServerTesting.await("every abandoned fan-out is admitted or refused", Duration.ofSeconds(30),
                    () -> s.admission().reservationsTotal() - admittedBefore + s.stats().refusedBusy() - refusedBefore
                            >= ABANDONED);
            long admitted = s.admission().reservationsTotal() - admittedBefore;
            long stormStart = System.nanoTime();
            for (RawHttp c : abandoned) {
                c.close();
            }
            long closedAfterMs = (stormStart - firstSent) / 1_000_000;

            // Honest fan-outs (retrying on 503) and a /hello probe, at the same time.
            List<Queue<Attempt>> honest = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            AtomicBoolean done = new AtomicBoolean();
            for (int i = 0; i < HONEST; i++) {
                Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
                honest.add(attempts);
                threads.add(Thread.ofVirtual().start(() -> honestClient(s.port(), attempts)));
            }
            Queue<Long> storm = new ConcurrentLinkedQueue<>();
            Thread prober = Thread.ofVirtual().start(() -> {
                while (!done.get()) {
                    try {
                        long t = System.nanoTime();
                        RawHttp.Reply r = probe.get("/hello");
                        storm.add(r != null && r.status() == 200 ? (System.nanoTime() - t) / 1000 : -1L);
                        Thread.sleep(5);
                    } catch (Exception e) {
                        storm.add(-1L);
                        return;
                    }
                }
            });
            for (Thread t : threads) {
                assertTrue(t.join(Duration.ofSeconds(60)), "an honest client did not finish");
            }
            long allHonestDoneMs = (System.nanoTime() - stormStart) / 1_000_000;
            done.set(true);
            assertTrue(prober.join(Duration.ofSeconds(30)), "the probe did not finish");
            ServerTesting.await("the abandoned fan-outs are cancelled and every task ended", Duration.ofSeconds(30),
                    () -> s.inFlight() == 0 && s.admission().subtasksInFlight() == 0);

            long[] during = storm.stream().mapToLong(Long::longValue).toArray();
            long maxAttempt = honest.stream().flatMap(Queue::stream).mapToLong(Attempt::millis).max().orElse(-1);
            System.out.printf("amplification: %d of %d abandoned fan-outs admitted, %d refused 503; /hello idle"
                            + " p50 %d us p99 %d us; during the storm (%d probes) p50 %d us p90 %d us p99 %d us max %d us;"
                            + " honest fan-outs: %s; slowest answer %d ms (deadline %d ms); all honest done in %d ms;"
                            + " clients gone %d (closed %d ms after the first send)%n",
                    admitted, ABANDONED, s.stats().refusedBusy(), idleP50, percentile(idle, 99), during.length,
                    percentile(during, 50), percentile(during, 90), percentile(during, 99), percentile(during, 100),
                    honest.stream().map(q -> q.stream().map(a -> a.status() + "@" + a.millis()).toList().toString())
                            .toList(), maxAttempt, DEADLINE_MS, allHonestDoneMs, s.stats().clientGone(), closedAfterMs);

            assertTrue(Arrays.stream(during).allMatch(us -> us >= 0), "a /hello failed during the storm");
            assertTrue(during.length >= 10, "too few probes: " + during.length);
            // "A small multiple of the idle latency": the median within 10x (at least 5 ms, for sub-ms idle
            // figures). The tail is bounded loosely: on 2 cores, the honest fan-outs' own 5000 tasks waking
            // at their deadline delay a probe by 45-440 ms at p99 (measured; the worst single probe 1.1 s
            // with the machine's load average at 17), which is load, not amplification.
            assertTrue(percentile(during, 50) <= Math.max(10 * idleP50, 5_000),
                    "/hello p50 went from " + idleP50 + " us to " + percentile(during, 50) + " us");
            assertTrue(percentile(during, 100) <= 3_000_000, "a /hello took " + percentile(during, 100) + " us");
            for (Queue<Attempt> attempts : honest) {
                assertNotNull(attempts.peek(), "an honest client made no attempt");
                for (Attempt a : attempts) {
                    assertTrue(a.status() == 200 || a.status() == 503 || a.status() == 504, "status " + a.status());
                    assertTrue(a.millis() <= DEADLINE_MS + CANCELLATION_BOUND_MS, "an honest fan-out took "
                            + a.millis() + " ms");
                }
                int last = attempts.stream().reduce((a, b) -> b).orElseThrow().status();
                assertTrue(last == 200 || last == 504, "an honest client was refused to the end: " + attempts);
            }
            if (closedAfterMs < 1500) { // else an admitted one may have finished its 1.9 s before its client left
                assertEquals(admitted, s.stats().clientGone(), "every admitted abandoned fan-out was cancelled");
            } else {
                assertTrue(s.stats().clientGone() >= 1, "no abandoned fan-out was cancelled");
            }
        } finally {
            DemoServer.Stats st = s.shutdown();
            assertTrue(st.clean(), st.toString());
        }
    }

    /** Sends the fan-out until it is admitted (503s retried after 20 ms), recording each attempt. */
    private static void honestClient(int port, Queue<Attempt> attempts) {
        try (RawHttp c = new RawHttp(port)) {
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < until) {
                long t = System.nanoTime();
                RawHttp.Reply r = c.get(FANOUT);
                attempts.add(new Attempt(r == null ? -1 : r.status(), (System.nanoTime() - t) / 1_000_000));
                if (r == null || r.status() != 503) {
                    return;
                }
                Thread.sleep(20);
            }
        } catch (Exception e) {
            attempts.add(new Attempt(-2, -1));
        }
    }

    private static long[] helloLatencies(RawHttp c, int n) throws Exception {
        for (int i = 0; i < 100; i++) {
            c.get("/hello"); // warm-up
        }
        long[] us = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            assertEquals(200, c.get("/hello").status());
            us[i] = (System.nanoTime() - t) / 1000;
        }
        return us;
    }

    private static long percentile(long[] values, int p) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v.length == 0 ? -1 : v[Math.min(v.length - 1, (int) Math.ceil(p / 100.0 * v.length) - 1 < 0 ? 0
                : (int) Math.ceil(p / 100.0 * v.length) - 1)];
    }
}
