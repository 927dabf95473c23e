package dev.weft;

import static dev.weft.TestSupport.WAKE_BOUND;
import static dev.weft.TestSupport.millisSince;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Delivery is level-triggered for JDK calls too: a thread that is still cancelled (not
 * shielded) and whose interrupt was consumed, by a swallowed {@link CancelledException} or a
 * caught {@link InterruptedException}, is interrupted again when it blocks again in a JDK call.
 * Threads that are not cancelled are never interrupted.
 */
class ReinterruptAfterSwallowTest {
    private static final Duration BUDGET = Duration.ofMillis(50);

    /** The acceptance, once: a swallowed cancellation followed by queue.take() ends promptly. */
    private static void swallowThenTake() throws Exception {
        ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
        long t0 = System.nanoTime();
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(BUDGET, () -> {
            try {
                Weft.sleep(Duration.ofSeconds(1));
            } catch (Exception e) {
                // the mistake under test
            }
            return queue.take();
        }));
        long ms = millisSince(t0);
        assertTrue(ms < WAKE_BOUND.toMillis(), "took " + ms + " ms");
        assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
    }

    /** A swallowed weft cancellation, then queue.take(): the take is interrupted, the deadline fails the block. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void swallowedCancellationThenTakeEndsPromptly(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            for (int i = 0; i < 10; i++) {
                swallowThenTake();
            }
        });
    }

    /** A caught InterruptedException, then a long queue.poll: the poll is interrupted again, promptly. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void caughtInterruptThenPollIsInterruptedAgain(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
            long t0 = System.nanoTime();
            assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(BUDGET, () -> {
                try {
                    Thread.sleep(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    // the mistake under test
                }
                return queue.poll(5, TimeUnit.SECONDS);
            }));
            assertTrue(millisSince(t0) < WAKE_BOUND.toMillis(), "took " + millisSince(t0) + " ms");
            assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
        });
    }

    /**
     * Every JDK call after the swallow is interrupted, not just the next one: a body that
     * swallows twice and blocks a third time still ends promptly.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void everyLaterJdkCallIsInterrupted(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            long t0 = System.nanoTime();
            Optional<String> r = Timeout.moveOnAfter(BUDGET, () -> {
                for (int i = 0; i < 2; i++) {
                    try {
                        Thread.sleep(Duration.ofSeconds(5));
                    } catch (InterruptedException e) {
                        // the mistake under test, twice
                    }
                }
                new ArrayBlockingQueue<String>(1).take();
                return "late";
            });
            assertEquals(Optional.empty(), r);
            assertTrue(millisSince(t0) < WAKE_BOUND.toMillis(), "took " + millisSince(t0) + " ms");
            assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
        });
    }

    /**
     * A shield holds the re-delivery back: a cancelled thread that swallowed its cancellation and
     * then blocks in a shield is not interrupted there; the cancellation arrives when the shield ends.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void shieldedThreadIsNotInterruptedAgain(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
            long[] polled = new long[1];
            assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(BUDGET, () -> {
                try {
                    Weft.sleep(Duration.ofSeconds(1));
                } catch (CancelledException e) {
                    // the mistake under test
                }
                CancelScope.shield(() -> {
                    long t0 = System.nanoTime();
                    String got = queue.poll(300, TimeUnit.MILLISECONDS);
                    polled[0] = millisSince(t0);
                    assertNull(got);
                    return got;
                });
                return "late";
            }));
            assertTrue(polled[0] >= 250, "the shielded poll was cut short after " + polled[0] + " ms");
            assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
        });
    }

    /**
     * Threads that are not cancelled are never interrupted: JDK calls inside a deadline scope that
     * has not expired, and after a plain scope whose swallowed cancellation has ended, time out normally.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void threadsThatAreNotCancelledAreNotInterrupted(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
            CancelScope.run(s -> {
                s.cancel();
                try {
                    Weft.checkpoint();
                } catch (CancelledException e) {
                    // swallowed inside a scope that then ends
                }
                return null;
            });
            Timeout.failAfter(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    assertNull(queue.poll(60, TimeUnit.MILLISECONDS));
                    assertTrue(millisSince(t0) >= 50, "poll " + i + " was cut short after " + millisSince(t0) + " ms");
                }
                return null;
            });
            assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
        });
    }

    /**
     * The acceptance test of the issue: the swallow-then-take block ends promptly with
     * DeadlineExceededException 1 000 times in a row.
     */
    @Test
    @Tag("stress")
    void swallowThenTakeEndsPromptlyAThousandTimesInARow() throws Exception {
        TestSupport.Background.start(TestSupport.ThreadKind.VIRTUAL, "swallow-then-take", () -> {
            for (int i = 0; i < 1000; i++) {
                try {
                    swallowThenTake();
                } catch (AssertionError e) {
                    throw new AssertionError("round " + i + ": " + e.getMessage(), e);
                }
            }
        }).join(Duration.ofMinutes(5));
    }
}
