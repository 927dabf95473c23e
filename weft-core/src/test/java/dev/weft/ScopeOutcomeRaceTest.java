package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A scope's outcome (why it was cancelled, which task failed, with what) is published as one
 * value: a reader never sees the reason without the failed task.
 */
class ScopeOutcomeRaceTest {
    /**
     * Two tasks fail at the same moment while two siblings spin on {@link Weft#checkpoint()}: every
     * cancellation message names a task that failed (never "null"), and the group's outcome is one
     * of the two failures, whole.
     */
    @Test
    @Tag("stress")
    void cancellationMessageAlwaysNamesTheFailedTask() {
        for (int round = 0; round < 1_000; round++) {
            List<String> messages = new CopyOnWriteArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch spinning = new CountDownLatch(2);
            RuntimeException fa = new RuntimeException("a");
            RuntimeException fb = new RuntimeException("b");
            TaskGroup[] group = new TaskGroup[1];
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("g", g -> {
                group[0] = g;
                for (int i = 0; i < 2; i++) {
                    g.spawn(() -> {
                        spinning.countDown();
                        try {
                            while (go.getCount() > 0) {
                                Weft.checkpoint();
                                Thread.yield();
                            }
                            // Poll hard while the failures land; then park, so that spinning never
                            // keeps the failing tasks off the (two) carriers.
                            for (int n = 0; n < 200_000; n++) {
                                Weft.checkpoint();
                            }
                            Weft.sleep(Duration.ofSeconds(30));
                            throw new AssertionError("never cancelled");
                        } catch (CancelledException e) {
                            messages.add(e.getMessage());
                            throw e;
                        }
                    });
                }
                g.spawn("fa", () -> {
                    go.await();
                    throw fa;
                });
                g.spawn("fb", () -> {
                    go.await();
                    throw fb;
                });
                spinning.await();
                go.countDown();
                return null;
            }));
            int r = round;
            assertEquals(2, messages.size(), () -> "round " + r + ": " + messages);
            for (String m : messages) {
                assertTrue(m.endsWith("because task 'fa' failed") || m.endsWith("because task 'fb' failed"),
                        () -> "round " + r + ": " + m);
            }
            ScopeOutcome o = group[0].scope.outcome;
            assertEquals(ScopeOutcome.Why.FAILURE, o.why());
            assertTrue(Set.of("task 'fa'", "task 'fb'").contains(o.failedTask()), o.failedTask());
            assertSame(o.failedTask().equals("task 'fa'") ? fa : fb, o.failure(), "task and failure from two outcomes");
            assertTrue(eg.exceptions().contains(o.failure()));
        }
    }
}
