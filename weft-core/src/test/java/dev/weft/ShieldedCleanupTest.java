package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Story 002 of {@code docs/stories.md}: a task cancelled while its {@code finally} releases a pooled connection must not
 * leak the connection. {@code acquire; try { use } finally { CancelScope.shield(release) }}:
 * the release runs to its end even when the cancellation lands during it, and the cancellation
 * still stops the task afterwards. Without the shield, a release that blocks is cut short and
 * the connection leaks (shown deterministically).
 */
@org.junit.jupiter.api.Timeout(60)
class ShieldedCleanupTest {

    /** How the release waits: on weft's sleep or on a JDK sleep (which weft would interrupt). */
    enum ReleaseWait {
        WEFT, JDK
    }

    /** What a worker is doing; read by the canceller to record where the cancel landed. */
    enum Phase {
        ACQUIRING, USING, RELEASING
    }

    /** A connection handed out by {@link FakePool}; released once. */
    static final class Conn {
        final int id;
        final AtomicBoolean released = new AtomicBoolean();

        Conn(int id) {
            this.id = id;
        }
    }

    /**
     * A connection pool that only counts: {@code active} is acquired minus released. Acquiring
     * and releasing take time, as a network round trip would. Shared by many threads.
     */
    static final class FakePool {
        final AtomicInteger acquired = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger doubleReleases = new AtomicInteger();
        final ReleaseWait wait;
        final Duration releaseTime;
        /** Counted down when a release starts, for the deterministic tests; may be null. */
        volatile CountDownLatch releaseStarted;

        FakePool(ReleaseWait wait, Duration releaseTime) {
            this.wait = wait;
            this.releaseTime = releaseTime;
        }

        Conn acquire() {
            Weft.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(2)));
            // No cancellation point from here until the caller's try: the connection is counted
            // exactly when the caller owns it.
            active.incrementAndGet();
            return new Conn(acquired.incrementAndGet());
        }

        void release(Conn c) throws InterruptedException {
            CountDownLatch l = releaseStarted;
            if (l != null) {
                l.countDown();
            }
            if (wait == ReleaseWait.WEFT) {
                Weft.sleep(releaseTime);
            } else {
                Thread.sleep(releaseTime);
            }
            if (!c.released.compareAndSet(false, true)) {
                doubleReleases.incrementAndGet();
                return;
            }
            released.incrementAndGet();
            active.decrementAndGet();
        }
    }

    /** The worker of story 002, with the fix: it loops until cancelled, releasing under a shield. */
    static void shieldedWorker(FakePool pool, Phase[] phase) throws Exception {
        for (;;) {
            phase[0] = Phase.ACQUIRING;
            Conn c = pool.acquire();
            try {
                phase[0] = Phase.USING;
                if (ThreadLocalRandom.current().nextBoolean()) {
                    Weft.sleep(Duration.ofMillis(1));
                } else {
                    Thread.sleep(1);
                }
            } finally {
                phase[0] = Phase.RELEASING;
                CancelScope.shield(() -> {
                    pool.release(c);
                    return null;
                });
            }
        }
    }

    /** The worker of story 002 as first written: the release is not protected. */
    static void naiveWorker(FakePool pool) throws Exception {
        for (;;) {
            Conn c = pool.acquire();
            try {
                Weft.sleep(Duration.ofMillis(1));
            } finally {
                pool.release(c);
            }
        }
    }

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /**
     * A worker cancelled at random moments (during acquire, use or release): after every
     * iteration no connection is active, none was released twice, and the task ended CANCELLED.
     */
    @ParameterizedTest
    @EnumSource(ReleaseWait.class)
    void shieldedReleaseNeverLeaksUnderRandomCancellation(ReleaseWait wait) {
        FakePool pool = new FakePool(wait, Duration.ofMillis(2));
        int iterations = 150;
        AtomicIntegerArray landed = new AtomicIntegerArray(Phase.values().length);
        for (int i = 0; i < iterations; i++) {
            Phase[] phase = {Phase.ACQUIRING};
            List<Task<Void>> task = new ArrayList<>();
            TaskGroup.run(g -> {
                task.add(g.spawn(() -> shieldedWorker(pool, phase)));
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(0, 8_000_000));
                landed.incrementAndGet(phase[0].ordinal());
                task.getFirst().cancel();
                return null;
            });
            assertEquals(0, pool.active.get(), "iteration " + i + ": a connection leaked");
            assertEquals(Task.State.CANCELLED, task.getFirst().state(), "iteration " + i + ": the cancellation was lost");
        }
        assertEquals(pool.acquired.get(), pool.released.get());
        assertEquals(0, pool.doubleReleases.get());
        System.out.printf("[ShieldedCleanupTest] %s: %d iterations, %d connections, cancels landed in %s: %s%n",
                wait, iterations, pool.acquired.get(), Arrays.toString(Phase.values()), landed);
    }

    /** Many workers share the pool; their group is cancelled by a deadline at a random moment: nothing leaks. */
    @ParameterizedTest
    @EnumSource(ReleaseWait.class)
    void shieldedReleaseNeverLeaksWhenDeadlineCancelsManyWorkers(ReleaseWait wait) {
        FakePool pool = new FakePool(wait, Duration.ofMillis(3));
        for (int round = 0; round < 20; round++) {
            List<Task<Void>> tasks = new ArrayList<>();
            Duration budget = Duration.ofMillis(ThreadLocalRandom.current().nextInt(1, 30));
            try {
                Timeout.failAfter(budget, () -> TaskGroup.run(g -> {
                    for (int w = 0; w < 16; w++) {
                        Phase[] phase = {Phase.ACQUIRING};
                        tasks.add(g.spawn(() -> shieldedWorker(pool, phase)));
                    }
                    for (Task<Void> t : tasks) {
                        t.join();
                    }
                    return null;
                }));
            } catch (DeadlineExceededException expected) {
                // the workers never finish on their own
            }
            assertEquals(0, pool.active.get(), "round " + round + ": connections leaked");
            for (Task<Void> t : tasks) {
                assertEquals(Task.State.CANCELLED, t.state());
            }
        }
        assertEquals(pool.acquired.get(), pool.released.get());
        assertEquals(0, pool.doubleReleases.get());
    }

    /** Deterministically cancelled during the release: the shielded release completes, then the task ends CANCELLED. */
    @ParameterizedTest
    @EnumSource(ReleaseWait.class)
    void cancelDuringShieldedReleaseStillReleasesAndCancels(ReleaseWait wait) throws Exception {
        FakePool pool = new FakePool(wait, Duration.ofMillis(50));
        CountDownLatch releasing = new CountDownLatch(1);
        pool.releaseStarted = releasing;
        List<Task<Void>> task = new ArrayList<>();
        TaskGroup.run(g -> {
            task.add(g.spawn(() -> shieldedWorker(pool, new Phase[1])));
            TestSupport.await(releasing, "releasing");
            task.getFirst().cancel();
            return null;
        });
        assertEquals(Task.State.CANCELLED, task.getFirst().state());
        assertEquals(1, pool.acquired.get());
        assertEquals(1, pool.released.get(), "the release was cut short");
        assertEquals(0, pool.active.get());
    }

    /**
     * The naive worker, cancelled during its release (a JDK sleep, interrupted by the
     * cancellation): the release is cut short and the connection leaks. This is story 002's bug.
     */
    @Test
    void naiveReleaseLeaksWhenCancelledDuringRelease() throws Exception {
        for (ReleaseWait wait : ReleaseWait.values()) {
            FakePool pool = new FakePool(wait, Duration.ofSeconds(10));
            CountDownLatch releasing = new CountDownLatch(1);
            pool.releaseStarted = releasing;
            List<Task<Void>> task = new ArrayList<>();
            long t0 = System.nanoTime();
            TaskGroup.run(g -> {
                task.add(g.spawn(() -> naiveWorker(pool)));
                TestSupport.await(releasing, "releasing");
                task.getFirst().cancel();
                return null;
            });
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), wait + ": the release was not interrupted");
            assertEquals(Task.State.CANCELLED, task.getFirst().state());
            assertEquals(1, pool.acquired.get());
            assertEquals(0, pool.released.get());
            assertEquals(1, pool.active.get(), wait + ": the naive release should have leaked the connection");
        }
    }

    /**
     * Story 002's closing advice: a shield with a grace deadline inside bounds a release that
     * hangs; the task still ends CANCELLED, in bounded time.
     */
    @Test
    void shieldWithGraceDeadlineBoundsAHangingRelease() {
        FakePool pool = new FakePool(ReleaseWait.JDK, Duration.ofSeconds(30));
        CountDownLatch releasing = new CountDownLatch(1);
        pool.releaseStarted = releasing;
        List<Task<Void>> task = new ArrayList<>();
        CountDownLatch acquired = new CountDownLatch(1);
        long t0 = System.nanoTime();
        TaskGroup.run(g -> {
            task.add(g.spawn(() -> {
                Conn c = pool.acquire();
                try {
                    acquired.countDown();
                    Weft.sleep(Duration.ofSeconds(30));
                } finally {
                    CancelScope.shield(() -> Timeout.moveOnAfter(Duration.ofMillis(50), () -> {
                        pool.release(c);
                        return null;
                    }));
                }
            }));
            TestSupport.await(acquired, "acquired");
            task.getFirst().cancel();
            TestSupport.await(releasing, "releasing");
            return null;
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 50 && ms < 5_000, "grace period not honoured: " + ms + " ms");
        assertEquals(Task.State.CANCELLED, task.getFirst().state());
        assertEquals(1, pool.active.get(), "a hanging release gives up after its grace period");
    }
}
