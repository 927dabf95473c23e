package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** One pass through every kernel mechanism together: context, spawn, cancel, failure, timeout, shield. */
class SmokeTest {
    static final ContextVar<String> V = ContextVar.of("v", "-");

    /** A context follows a task; cancel, failure, timeouts and a shield each end as documented, leaving no interrupt. */
    @Test
    void kernelMechanismsWorkTogetherWithoutLeakingInterrupts() throws Exception {
        try (var t = V.set("a")) {
            assertEquals("a", V.get());
            String seen = TaskGroup.run(g -> g.spawn(() -> V.get()).join());
            assertEquals("a", seen);
        }
        assertEquals("-", V.get());
        // cancel a sleeping task
        long t0 = System.nanoTime();
        TaskGroup.run(g -> {
            Task<Void> t = g.spawn(() -> { Thread.sleep(10_000); return null; });
            Task<Void> u = g.spawn(() -> { Weft.sleep(Duration.ofSeconds(10)); return null; });
            Weft.sleep(Duration.ofMillis(20));
            g.cancel();
            return null;
        });
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        assertFalse(Thread.currentThread().isInterrupted());
        // failure
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> { throw new IllegalStateException("boom"); });
            g.spawn(() -> { Thread.sleep(10_000); return null; });
            Weft.sleep(Duration.ofSeconds(10));
            return null;
        }));
        assertEquals(1, eg.exceptions().size());
        // timeout
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ofMillis(50), () -> {
            Thread.sleep(10_000);
            return null;
        }));
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(Timeout.moveOnAfter(Duration.ofMillis(30), () -> { Weft.sleep(Duration.ofSeconds(5)); return 1; }).isEmpty());
        // shield
        AtomicBoolean released = new AtomicBoolean();
        CountDownLatch inShield = new CountDownLatch(1);
        Object r = CancelScope.run(s -> {
            try {
                CancelScope.shield(() -> {
                    inShield.countDown();
                    s.cancel();
                    Thread.sleep(50);
                    released.set(true);
                    return null;
                });
                fail("shield exit should deliver");
            } finally {
                assertTrue(released.get());
            }
            return 1;
        });
        assertNull(r);
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
