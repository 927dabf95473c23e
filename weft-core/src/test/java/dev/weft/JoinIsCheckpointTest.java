package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Task#join()} is a weft blocking call, hence a checkpoint: inside a cancelled scope it
 * throws {@link CancelledException} every time, even when the task has already finished
 * (level-triggered, as {@code Channel.receive} with an element ready). Outside one, it returns
 * the task's outcome as before.
 */
class JoinIsCheckpointTest {

    /**
     * Joining a task that finished (successful, failed or cancelled), from inside a cancelled
     * scope, throws CancelledException, every time.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void joinOnAFinishedTaskInACancelledScopeThrows(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> ok = new AtomicReference<>();
            AtomicReference<Task<String>> failed = new AtomicReference<>();
            AtomicReference<Task<String>> cancelled = new AtomicReference<>();
            assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                ok.set(g.spawn(() -> "value"));
                ok.get().join();
                cancelled.set(g.spawn(() -> {
                    Weft.sleep(TestSupport.FOREVER);
                    return "slept";
                }));
                failed.set(g.spawn(() -> {
                    throw new IOException("failed");
                }));
                return null;
            }));
            assertEquals(Task.State.CANCELLED, cancelled.get().state());
            CancelScope.run(s -> {
                s.cancel();
                for (int i = 0; i < 3; i++) {
                    for (Task<String> t : java.util.List.of(ok.get(), failed.get(), cancelled.get())) {
                        CancelledException e = assertThrows(CancelledException.class, t::join,
                                "join " + i + " of " + t);
                        assertTrue(e.getMessage().contains("CancelScope"), e.getMessage());
                    }
                }
                return null;
            });
            assertTrue(ok.get().join().equals("value"));
        });
    }

    /** Outside any cancelled scope, joining a finished task returns its outcome, again and again. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void joinOnAFinishedTaskOutsideCancellationReturnsItsOutcome(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> t = new AtomicReference<>();
            TaskGroup.run(g -> {
                t.set(g.spawn(() -> "value"));
                return null;
            });
            for (int i = 0; i < 3; i++) {
                assertEquals("value", t.get().join());
            }
        });
    }

    /** A deadline that has passed stops a join of a finished task: failAfter(ZERO) throws DeadlineExceededException. */
    @Test
    void expiredDeadlineStopsAJoinOfAFinishedTask() {
        AtomicReference<Task<String>> t = new AtomicReference<>();
        TaskGroup.run(g -> {
            t.set(g.spawn(() -> "value"));
            return null;
        });
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ZERO, () -> t.get().join()));
        assertEquals("value", t.get().join());
    }

    /**
     * A foreign interrupt makes join throw CancelledException (as every weft call) and stays set,
     * even when the task has finished.
     */
    @Test
    void foreignInterruptStopsAJoinAndStaysSet() {
        AtomicReference<Task<String>> t = new AtomicReference<>();
        TaskGroup.run(g -> {
            t.set(g.spawn(() -> "value"));
            return null;
        });
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancelledException.class, t.get()::join);
            assertTrue(Thread.currentThread().isInterrupted(), "the foreign interrupt stays set");
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * A joiner already waiting when the task fails sees the failure, not the group's cancellation
     * that follows it (the outcome is checked before cancellation once woken).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void waitingJoinerSeesTheFailureNotTheCancellation(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            for (int i = 0; i < 20; i++) {
                IllegalStateException boom = new IllegalStateException("boom " + i);
                AtomicReference<Throwable> seen = new AtomicReference<>();
                assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    Task<String> t = g.spawn(() -> {
                        go.await();
                        throw boom;
                    });
                    Task<Void> joiner = g.spawn(() -> {
                        try {
                            t.join();
                        } catch (RuntimeException e) {
                            seen.set(e);
                        }
                    });
                    TestSupport.awaitBlocked(joiner);
                    go.countDown();
                    return null;
                }));
                assertSame(boom, assertInstanceOf(TaskFailedException.class, seen.get()).getCause());
            }
            assertFalse(Thread.currentThread().isInterrupted());
        });
    }
}
