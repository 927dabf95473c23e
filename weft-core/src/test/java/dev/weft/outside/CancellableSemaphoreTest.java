package dev.weft.outside;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.DeadlineExceededException;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cancellable semaphore built from outside the {@code dev.weft} package with the public
 * {@link dev.weft.Suspension} API behaves like weft's own blocking calls.
 */
class CancellableSemaphoreTest {
    private static final long WAIT_NANOS = Duration.ofSeconds(10).toNanos();

    private static void awaitCondition(BooleanSupplier c, String what) throws InterruptedException {
        long until = System.nanoTime() + WAIT_NANOS;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    /** acquire waits while no permit is free, and returns once one is released. */
    @Test
    void acquireBlocksUntilARelease() throws Exception {
        CancellableSemaphore sem = new CancellableSemaphore(0);
        TaskGroup.run(g -> {
            Task<String> t = g.spawn(() -> {
                sem.acquire();
                return "acquired";
            });
            awaitCondition(() -> sem.queueLength() == 1, "the acquirer to queue");
            assertFalse(t.isDone(), "acquire returned without a permit");
            sem.release();
            assertEquals("acquired", t.join());
            return null;
        });
        assertEquals(0, sem.availablePermits());
        assertEquals(0, sem.queueLength());
    }

    /** Cancelling the scope wakes a blocked acquire; it throws, the scope absorbs it, no permit moves. */
    @Test
    void blockedAcquireIsCancelledByItsScope() throws Exception {
        CancellableSemaphore sem = new CancellableSemaphore(0);
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        AtomicBoolean acquired = new AtomicBoolean();
        TaskGroup.run(g -> {
            g.spawn(() -> CancelScope.run(s -> {
                scope.set(s);
                sem.acquire();
                acquired.set(true);
                return null;
            }));
            awaitCondition(() -> sem.queueLength() == 1, "the acquirer to queue");
            scope.get().cancel();
            return null;
        });
        assertFalse(acquired.get(), "acquire returned after its scope was cancelled");
        assertTrue(scope.get().cancelledCaught());
        assertEquals(0, sem.queueLength(), "the cancelled waiter stayed queued");
        sem.release();
        assertEquals(1, sem.availablePermits(), "a release after the cancellation lost its permit");
    }

    /** A deadline stops a blocked acquire: failAfter fails with DeadlineExceededException. */
    @Test
    void blockedAcquireIsCancelledByADeadline() {
        CancellableSemaphore sem = new CancellableSemaphore(0);
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(Duration.ofMillis(20), () -> {
                    sem.acquire();
                    return null;
                }));
        assertInstanceOf(CancelledException.class, e.getCause());
        assertEquals(0, sem.queueLength());
        assertEquals(0, sem.availablePermits());
    }

    /** A cancelled caller does not take a free permit: acquire is a cancellation point. */
    @Test
    void cancelledCallerDoesNotTakeAFreePermit() {
        CancellableSemaphore sem = new CancellableSemaphore(1);
        CancelScope.run(s -> {
            s.cancel();
            assertThrows(CancelledException.class, sem::acquire);
            return null;
        });
        assertEquals(1, sem.availablePermits());
    }

    /**
     * Under 10 000 rounds of a release racing a cancellation at random moments, the permit is
     * never lost nor duplicated: either the waiter got it (and acquire returned), or it is back
     * in the pool.
     */
    @Test
    @Tag("stress")
    void noPermitIsLostUnderARandomCancellationSweep() {
        SplittableRandom random = new SplittableRandom(20261202);
        for (int round = 0; round < 10_000; round++) {
            CancellableSemaphore sem = new CancellableSemaphore(0);
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            AtomicBoolean acquired = new AtomicBoolean();
            int releaseDelay = random.nextInt(40);
            int cancelDelay = random.nextInt(40);
            boolean releaseFirst = random.nextBoolean();
            TaskGroup.run(g -> {
                g.spawn(() -> CancelScope.run(s -> {
                    scope.set(s);
                    sem.acquire();
                    acquired.set(true);
                    return null;
                }));
                while (scope.get() == null) {
                    Thread.onSpinWait();
                }
                spin(releaseFirst ? releaseDelay : cancelDelay);
                if (releaseFirst) {
                    sem.release();
                } else {
                    scope.get().cancel();
                }
                spin(releaseFirst ? cancelDelay : releaseDelay);
                if (releaseFirst) {
                    scope.get().cancel();
                } else {
                    sem.release();
                }
                return null;
            });
            int held = acquired.get() ? 1 : 0;
            int round0 = round;
            assertEquals(1, sem.availablePermits() + held, () -> "round " + round0 + ": permits "
                    + sem.availablePermits() + ", acquired " + acquired.get());
            assertEquals(0, sem.queueLength(), () -> "round " + round0 + ": a waiter stayed queued");
        }
    }

    private static void spin(int n) {
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }
}
