package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Deadlines at scale: many tasks with a timeout each, and a long loop of timeouts entered and
 * exited on one thread. The second checks that the deadline timer lets go of scopes that have
 * exited ({@link DeadlineTimer#heapSizeForTest()}, {@link DeadlineTimer#pendingForTest()}), so
 * a loop of two million far deadlines leaves a bounded footprint.
 *
 * <p>The timer is one per JVM: what a test leaves in it is seen by the next. The footprint
 * checks therefore measure growth over the heap's size before the test, and run first.
 */
@org.junit.jupiter.api.Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManyDeadlinesTest {
    /** What the timer may hold once a loop of exited scopes has been drained. */
    private static final int BOUND = 10_000;

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** Polls {@code value} until it is below {@code bound}, failing after {@code max}; returns the last value. */
    private static int awaitBelow(IntSupplier value, int bound, Duration max, String what) throws InterruptedException {
        long until = System.nanoTime() + max.toNanos();
        int v;
        while ((v = value.getAsInt()) >= bound) {
            if (System.nanoTime() - until > 0) {
                fail(what + " still " + v + " after " + max.toMillis() + " ms (bound " + bound + ")");
            }
            Thread.sleep(10);
        }
        return v;
    }

    /**
     * 100 000 tasks in one group, each inside its own failAfter: most have 10 s and finish, one
     * in a thousand has 5 ms and expires (half in a weft sleep, half in a JDK sleep). Every
     * result is the right one.
     */
    @Test
    @Order(3)
    void hundredThousandTasksWithTheirOwnTimeouts() {
        final int n = 100_000;
        final int expireEvery = 1_000;
        long t0 = System.nanoTime();
        List<Task<Integer>> tasks = new ArrayList<>(n);
        TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                final int id = i;
                tasks.add(g.spawn(() -> {
                    if (id % expireEvery == 0) {
                        try {
                            return Timeout.failAfter(Duration.ofMillis(5), () -> {
                                if (id % (2 * expireEvery) == 0) {
                                    Weft.sleep(Duration.ofSeconds(30));
                                } else {
                                    Thread.sleep(30_000);
                                }
                                return id;
                            });
                        } catch (DeadlineExceededException e) {
                            return -id - 1;
                        }
                    }
                    return Timeout.failAfter(Duration.ofSeconds(10), () -> {
                        Weft.sleep(Duration.ofMillis(1));
                        Weft.checkpoint();
                        return id * 2;
                    });
                }));
            }
            return null;
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        int expired = 0;
        for (int i = 0; i < n; i++) {
            Task<Integer> t = tasks.get(i);
            assertEquals(Task.State.SUCCESS, t.state(), t.toString());
            int expected = i % expireEvery == 0 ? -i - 1 : i * 2;
            assertEquals(expected, t.join(), "task " + i);
            if (i % expireEvery == 0) {
                expired++;
            }
        }
        System.out.printf("[ManyDeadlinesTest] %d tasks with a timeout each (%d expiring) in %d ms; "
                + "timer heap %d, pending %d%n", n, expired, ms, DeadlineTimer.heapSizeForTest(),
                DeadlineTimer.pendingForTest());
        assertEquals(n / expireEvery, expired);
        assertTrue(ms < 60_000, "took " + ms + " ms");
    }

    /**
     * Two million failAfter(1 h) entered and exited in a loop on one thread: the timer drains
     * them and keeps none, so once drained it holds fewer than {@value #BOUND} entries.
     */
    @Test
    @Order(1)
    void twoMillionExitedTimeoutsAreNotHeldByTheTimer() throws InterruptedException {
        final int n = 2_000_000;
        int before = DeadlineTimer.heapSizeForTest();
        Duration hour = Duration.ofHours(1);
        int maxPending = 0;
        long sum = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            final int v = i;
            sum += Timeout.failAfter(hour, () -> v & 1);
            if ((i & 0xffff) == 0) {
                maxPending = Math.max(maxPending, DeadlineTimer.pendingForTest());
            }
        }
        long loopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(n / 2, sum);
        int pending = awaitBelow(DeadlineTimer::pendingForTest, BOUND, Duration.ofSeconds(10), "pending registrations");
        int growth = awaitBelow(() -> DeadlineTimer.heapSizeForTest() - before, BOUND, Duration.ofSeconds(10),
                "timer heap growth");
        System.out.printf("[ManyDeadlinesTest] %d failAfter(1 h) in %d ms (%.1f ns each); max pending seen %d; "
                + "after drain: pending %d, heap grew by %d%n", n, loopMs, loopMs * 1e6 / n, maxPending, pending, growth);
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /**
     * Nested far deadlines in a loop (an outer one that stays open, an inner one per
     * iteration): the outer stays registered, the exited inner ones are not held.
     */
    @Test
    @Order(2)
    void exitedInnerTimeoutsInsideALongLivedOuterOneAreNotHeld() throws InterruptedException {
        int before = DeadlineTimer.heapSizeForTest();
        Timeout.failAfter(Duration.ofHours(2), () -> {
            for (int i = 0; i < 500_000; i++) {
                Timeout.failAfter(Duration.ofHours(1), () -> CancelScope.run(s -> {
                    s.setDeadline(Deadline.after(Duration.ofMinutes(30)));
                    return null;
                }));
            }
            awaitBelow(DeadlineTimer::pendingForTest, BOUND, Duration.ofSeconds(10), "pending registrations");
            awaitBelow(() -> DeadlineTimer.heapSizeForTest() - before, BOUND, Duration.ofSeconds(10),
                    "timer heap growth");
            return null;
        });
    }

    /**
     * A burst of 100 000 scopes with far deadlines, all open at once (so the timer moves them
     * into its heap), then all exited: the timer must not keep the exited scopes (and through
     * them their tasks, results and contexts) until their deadlines an hour away.
     */
    @Test
    @Order(4)
    void burstOfOpenFarDeadlinesIsReleasedAfterTheScopesExit() throws InterruptedException {
        final int n = 100_000;
        // Entries left by earlier tests' ended tasks are stale: the timer purges them within a second or so.
        int before = awaitBelow(DeadlineTimer::heapSizeForTest, BOUND, Duration.ofSeconds(10),
                "stale timer entries of earlier tests");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        Thread owner = Thread.ofVirtual().start(() -> TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                g.spawn(() -> Timeout.failAfter(Duration.ofHours(1), () -> {
                    entered.incrementAndGet();
                    release.await();
                    return null;
                }));
            }
            return null;
        }));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (entered.get() < n || DeadlineTimer.heapSizeForTest() - before < n / 2) {
            assertTrue(System.nanoTime() - until < 0, "the burst never built up: entered " + entered.get()
                    + ", heap " + DeadlineTimer.heapSizeForTest());
            Thread.sleep(10);
        }
        int peak = DeadlineTimer.heapSizeForTest();
        release.countDown();
        assertTrue(owner.join(Duration.ofSeconds(30)));
        // A little later traffic, as a server would have, to give the timer rounds to work in.
        for (int i = 0; i < 5_000; i++) {
            Timeout.failAfter(Duration.ofHours(1), () -> null);
        }
        int heap = awaitBelow(() -> DeadlineTimer.heapSizeForTest() - before, BOUND,
                Duration.ofSeconds(10), "timer heap after the burst");
        System.out.printf("[ManyDeadlinesTest] burst of %d open far deadlines: heap peak %d, after exit %d%n",
                n, peak, heap);
    }
}
