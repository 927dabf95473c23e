package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Joiners racing the task's completion: a joiner that arrives while the task completes is woken
 * or sees it completed, never left parked (a lost wake-up would hang the round, and the bound
 * turns the hang into a failure), and every join returns the task's value.
 */
@Tag("stress")
class JoinRaceStressTest {
    private static final int ROUNDS = 20_000;
    private static final int JOINERS = 3;

    @Test
    void aJoinerRacingTheCompletionIsNeverLeftWaiting() {
        assertTimeoutPreemptively(TestSupport.BODY_BOUND, () -> {
            AtomicInteger joined = new AtomicInteger();
            TaskGroup.run(g -> {
                for (int i = 0; i < ROUNDS; i++) {
                    Integer value = i;
                    CountDownLatch go = new CountDownLatch(1);
                    // The task spins a round-dependent moment after the start signal, so the
                    // completion lands before, during and after the joiners' registration.
                    Task<Integer> t = g.spawn(() -> {
                        go.await();
                        for (int k = (value * 7) % 64; k > 0; k--) {
                            Thread.onSpinWait();
                        }
                        return value;
                    });
                    Task<?>[] joiners = new Task<?>[JOINERS];
                    for (int j = 0; j < JOINERS; j++) {
                        joiners[j] = g.spawn(() -> {
                            assertEquals(value, t.join(), "join's value in round " + value);
                            joined.incrementAndGet();
                            return null;
                        });
                    }
                    go.countDown();
                    assertEquals(value, t.join());
                    for (Task<?> j : joiners) {
                        j.join();
                    }
                }
                return null;
            });
            assertEquals(ROUNDS * JOINERS, joined.get());
            assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
        });
    }
}
