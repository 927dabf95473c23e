package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The deadline timer does not keep finished tasks alive until their (far) deadlines. */
class TimerRetentionTest {
    /**
     * Tasks that each ran a {@code failAfter(1 h)} and ended are garbage once they end, although
     * the timer still holds entries for their deadline an hour away (regression: the demo server
     * kept ~64 000 finished requests alive this way).
     */
    @Test
    void finishedTasksWithFarDeadlinesAreCollectable() throws InterruptedException {
        List<WeakReference<Object>> refs = new ArrayList<>();
        int n = 500; // under the size at which the timer purges its heap every second
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                Object payload = new byte[1024];
                refs.add(new WeakReference<>(payload));
                g.spawn(() -> Timeout.failAfter(Duration.ofHours(1), () -> {
                    release.await();
                    return payload.hashCode();
                }));
            }
            // Keep the tasks alive until the timer holds an entry for each of them.
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            // (Entries of earlier tests may count too; they only make this wait shorter.)
            while (DeadlineTimer.heapSizeForTest() + DeadlineTimer.pendingForTest() < n) {
                assertTrue(System.nanoTime() - until < 0, "the timer never took the entries: heap "
                        + DeadlineTimer.heapSizeForTest() + ", pending " + DeadlineTimer.pendingForTest());
                Thread.sleep(10);
            }
            release.countDown();
            return null;
        });
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int alive;
        do {
            System.gc();
            Thread.sleep(20);
            alive = (int) refs.stream().filter(r -> r.get() != null).count();
        } while (alive > 0 && System.nanoTime() - until < 0);
        assertEquals(0, alive, "payloads of finished tasks still reachable");
    }
}
