package dev.weft.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelledException;
import dev.weft.DeadlineExceededException;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 100 concurrent calls with a 200 ms weft budget against a handler that sleeps 2 s, over loopback
 * Netty: every call ends with {@link DeadlineExceededException} on the client, every handler that
 * started is cancelled on the server, both within stated bounds (a call whose budget runs out
 * before the server dispatches it starts no handler). Prints the measured latencies.
 */
class GrpcBudgetLoadTest {
    static final int CALLS = 100;
    static final Duration BUDGET = Duration.ofMillis(200);
    /** Stated bounds, generous for a shared 2-core machine; the measured values are printed. */
    static final long CLIENT_MAX_MS = BUDGET.toMillis() + 1800;
    static final long SERVER_LATE_MAX_MS = 1000;

    @Test
    void hundredOfHundredCallsEndAtTheBudgetOnBothSides() throws Exception {
        ConcurrentLinkedQueue<Long> serverLateNanos = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        try (Fixture f = new Fixture(Fixture.Transport.NETTY_LOOPBACK, Echo.service(req -> {
            if (req.equals("warm-up")) {
                return req;
            }
            started.incrementAndGet();
            dev.weft.Deadline mine = Timeout.current().orElseThrow();
            try {
                Weft.sleep(Duration.ofSeconds(2));
                unexpected.add("a handler slept its 2 s");
                return "late";
            } catch (CancelledException e) {
                serverLateNanos.add(-mine.remaining().toNanos());
                throw e;
            }
        }), WeftServerInterceptor.create(), WeftClientInterceptor.create())) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            for (int i = 0; i < 10; i++) {
                stub.call("warm-up");
            }
            List<Long> clientNanos = Collections.synchronizedList(new ArrayList<>());
            TaskGroup.run(g -> {
                for (int i = 0; i < CALLS; i++) {
                    g.spawn(() -> {
                        long t0 = System.nanoTime();
                        try {
                            Timeout.failAfter(BUDGET, () -> stub.call("x"));
                            unexpected.add("a call returned");
                        } catch (DeadlineExceededException e) {
                            clientNanos.add(System.nanoTime() - t0);
                        } catch (RuntimeException e) {
                            unexpected.add("client got " + e);
                        }
                        return null;
                    });
                }
                return null;
            });
            assertTrue(unexpected.isEmpty(), unexpected.toString());
            assertEquals(CALLS, clientNanos.size(), "every call ended with DeadlineExceededException");
            // A call whose budget ran out before the server dispatched it never starts a handler:
            // nothing to cancel. Every handler that did start must end cancelled, soon.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (serverLateNanos.size() < started.get() && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            System.out.printf("grpc budget load: %d handlers started, %d cancelled%n", started.get(),
                    serverLateNanos.size());
            assertEquals(started.get(), serverLateNanos.size(), "every handler that started was cancelled");
            assertTrue(started.get() > 0, "some handler started");
            List<Long> client = sortedMillis(clientNanos);
            List<Long> server = sortedMillis(serverLateNanos);
            System.out.printf("grpc budget load: %d/%d DeadlineExceededException; client ms to exception p50 %d p99 %d"
                    + " max %d (bound %d); server handler cancelled relative to its own deadline (negative: the client's cancel came first) ms p50 %d p99 %d max %d"
                    + " (bound %d)%n", clientNanos.size(), CALLS, pct(client, 50), pct(client, 99), client.getLast(),
                    CLIENT_MAX_MS, pct(server, 50), pct(server, 99), server.getLast(), SERVER_LATE_MAX_MS);
            assertTrue(client.getFirst() >= BUDGET.toMillis() - 1, "no call ended before its budget: " + client.getFirst());
            assertTrue(client.getLast() <= CLIENT_MAX_MS, "slowest client " + client.getLast() + " ms");
            assertTrue(server.getLast() <= SERVER_LATE_MAX_MS, "slowest server cancel " + server.getLast() + " ms late");
        }
    }

    private static List<Long> sortedMillis(java.util.Collection<Long> nanos) {
        List<Long> ms = new ArrayList<>();
        for (long n : nanos) {
            ms.add(n / 1_000_000);
        }
        Collections.sort(ms);
        return ms;
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }
}
