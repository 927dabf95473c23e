package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.internal.Time;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The timer's link of a thread record is created on first use: racing with the end of the
 * thread ({@link ThreadDeadlines#disarm}) it never leaves the timer linked to a record that has
 * ended, and racing with another arm it is created once.
 */
class LazyArmRaceTest {
    private static final int ROUNDS = 20_000;

    /** An arm racing with the disarm at a task's end leaves no live link to the ended record. */
    @Test
    @Tag("stress")
    void armRacingWithDisarmLeavesNoLinkToTheEndedRecord() throws Exception {
        race((r, deadline) -> r.arm(deadline), (r, deadline) -> r.disarm(), r -> {
            ThreadDeadlines.Arm a = r.armForTest();
            assertNotNull(a, "disarm always leaves an arm behind");
            assertNull(a.record, "the arm left behind after disarm still links to the record");
        });
    }

    /** Two threads arming a record for the first time share one link to it. */
    @Test
    @Tag("stress")
    void concurrentFirstArmsShareOneLink() throws Exception {
        AtomicReference<ThreadDeadlines.Arm> seen = new AtomicReference<>();
        race((r, deadline) -> r.arm(deadline), (r, deadline) -> r.arm(deadline - 1), r -> {
            ThreadDeadlines.Arm a = r.armForTest();
            assertNotNull(a, "armed but no link");
            assertSame(r, a.record, "the link points at another record");
            r.disarm();
            assertNull(a.record, "disarm did not cut the one link");
            assertNotSame(seen.getAndSet(a), a, "two records share an arm");
        });
    }

    private interface Step {
        void run(ThreadRecord r, long deadline);
    }

    private interface Check {
        void check(ThreadRecord r);
    }

    /** Runs {@code a} and {@code b} at once on a fresh record each round, then checks it. */
    private static void race(Step a, Step b, Check after) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        CyclicBarrier end = new CyclicBarrier(2);
        AtomicReference<ThreadRecord> current = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long far = Time.now() + Duration.ofHours(1).toNanos();
        Thread other = Thread.ofPlatform().name("lazy-arm-racer").start(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    start.await();
                    b.run(current.get(), far);
                    end.await();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                start.reset();
                end.reset();
            }
        });
        try {
            for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
                ThreadRecord r = ThreadRecord.forGenerator(Thread.ofVirtual().unstarted(() -> { }));
                current.set(r);
                start.await(TestSupport.PROMPT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                a.run(r, far);
                end.await(TestSupport.PROMPT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                after.check(r);
            }
        } finally {
            other.interrupt();
            other.join(TestSupport.PROMPT.toMillis());
        }
        if (failure.get() != null && !(failure.get() instanceof InterruptedException)) {
            throw new AssertionError("the racing thread failed", failure.get());
        }
        assertFalse(other.isAlive(), "the racing thread did not end");
    }
}
