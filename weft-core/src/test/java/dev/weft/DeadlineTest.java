package dev.weft;

import static dev.weft.TestSupport.runOn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import dev.weft.TestSupport.ThreadKind;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Deadline} values and the deadlines of cancel scopes: zero, negative and past budgets,
 * moving a deadline earlier or later while the scope runs (TMO-16, TMO-21), clearing it, and
 * the rule that a cancellation, once it happened, stays (TMO-23, TMO-29).
 */
@org.junit.jupiter.api.Timeout(60)
class DeadlineTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final long PROMPT_NANOS = TimeUnit.SECONDS.toNanos(5);

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    // ---- Deadline values ----

    /** A zero or negative duration gives a deadline that has already passed; remaining() goes negative. */
    @Test
    void zeroAndNegativeDeadlinesHavePassed() {
        assertTrue(Deadline.after(Duration.ZERO).isExpired());
        Deadline past = Deadline.after(Duration.ofSeconds(-5));
        assertTrue(past.isExpired());
        assertTrue(past.remaining().isNegative());
        assertTrue(past.remaining().compareTo(Duration.ofSeconds(-4)) < 0);
    }

    /** Durations far beyond the nanoTime range saturate instead of overflowing into the past or future. */
    @Test
    void hugeDurationsSaturate() {
        Deadline never = Deadline.after(Duration.ofSeconds(Long.MAX_VALUE));
        assertFalse(never.isExpired());
        assertTrue(never.remaining().compareTo(Duration.ofDays(365 * 50)) > 0, "saturated, but decades away");
        Deadline longAgo = Deadline.after(Duration.ofSeconds(Long.MIN_VALUE));
        assertTrue(longAgo.isExpired());
        assertTrue(longAgo.compareTo(never) < 0);
        assertEquals("never", Timeout.failAfter(Duration.ofSeconds(Long.MAX_VALUE), () -> {
            Weft.sleep(Duration.ofMillis(1));
            return "never";
        }));
    }

    /** A null duration or deadline is a NullPointerException with a message. */
    @Test
    void nullArgumentsAreRejectedWithMessage() {
        assertNotNull(assertThrows(NullPointerException.class, () -> Deadline.after(null)).getMessage());
        CancelScope.run(s -> {
            assertNotNull(assertThrows(NullPointerException.class, () -> s.setDeadline(null)).getMessage());
            return null;
        });
        assertNotNull(assertThrows(NullPointerException.class, () -> Weft.sleep(null)).getMessage());
    }

    // ---- zero, negative and past budgets ----

    /** The first blocking call of a block whose budget is already spent. */
    enum FirstCall {
        WEFT_CHECKPOINT {
            @Override
            void call() {
                Weft.checkpoint();
            }
        },
        WEFT_SLEEP_ZERO {
            @Override
            void call() {
                Weft.sleep(Duration.ZERO);
            }
        },
        WEFT_SLEEP {
            @Override
            void call() {
                Weft.sleep(LONG);
            }
        },
        TASK_JOIN {
            @Override
            void call() {
                // The group scope is inside the expired block: the task and the join are both cancelled.
                TaskGroup.run(g -> g.spawn(() -> {
                    Thread.sleep(LONG.toMillis());
                    return null;
                }).join());
            }
        },
        THREAD_SLEEP {
            @Override
            void call() throws InterruptedException {
                Thread.sleep(LONG.toMillis());
            }
        },
        QUEUE_TAKE {
            @Override
            void call() throws InterruptedException {
                new ArrayBlockingQueue<Integer>(1).take();
            }
        },
        LOCK_INTERRUPTIBLY {
            @Override
            void call() throws InterruptedException {
                ReentrantLock lock = new ReentrantLock();
                CountDownLatch held = new CountDownLatch(1);
                Thread.ofPlatform().start(() -> {
                    lock.lock();
                    held.countDown();
                });
                held.await();
                lock.lockInterruptibly();
            }
        };

        abstract void call() throws Exception;
    }

    /** The forms of a budget that has already run out. */
    enum Spent {
        ZERO, NEGATIVE, PAST_DEADLINE
    }

    static Stream<Arguments> spentBudgets() {
        List<Arguments> out = new ArrayList<>();
        for (Spent s : Spent.values()) {
            for (FirstCall c : FirstCall.values()) {
                out.add(Arguments.of(s, c));
            }
        }
        return out.stream();
    }

    /** A spent budget cancels the block at its first blocking call, weft's or the JDK's, in both timeout forms. */
    @ParameterizedTest
    @MethodSource("spentBudgets")
    void spentBudgetCancelsAtFirstBlockingCall(Spent spent, FirstCall first) throws Exception {
        List<String> record = new ArrayList<>();
        long t0 = System.nanoTime();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class, () -> failWith(spent, () -> {
            record.add("entered");
            first.call();
            record.add("after first call");
            return null;
        }));
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        assertEquals(List.of("entered"), record);
        assertNotNull(e.getCause(), "the cause is what stopped the block");
        assertTrue(e.getCause() instanceof CancelledException || e.getCause() instanceof InterruptedException,
                e.getCause().toString());
        assertTrue(e.deadline().isExpired());
        assertFalse(Thread.currentThread().isInterrupted());

        Optional<String> moved = moveOnWith(spent, () -> {
            first.call();
            return "not moved on";
        });
        assertEquals(Optional.empty(), moved);
        assertFalse(Thread.currentThread().isInterrupted());
    }

    private static <R> R failWith(Spent spent, CallableOp<R, Exception> body) throws Exception {
        return switch (spent) {
            case ZERO -> Timeout.failAfter(Duration.ZERO, body);
            case NEGATIVE -> Timeout.failAfter(Duration.ofMillis(-100), body);
            case PAST_DEADLINE -> Timeout.failAt(Deadline.after(Duration.ofSeconds(-1)), body);
        };
    }

    private static <R> Optional<R> moveOnWith(Spent spent, CallableOp<R, Exception> body) throws Exception {
        return switch (spent) {
            case ZERO -> Timeout.moveOnAfter(Duration.ZERO, body);
            case NEGATIVE -> Timeout.moveOnAfter(Duration.ofMillis(-100), body);
            case PAST_DEADLINE -> Timeout.moveOnAt(Deadline.after(Duration.ofSeconds(-1)), body);
        };
    }

    /** failAfter(d) reports the deadline fixed at its entry: between "now + d" before and after the call. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void deadlineIsFixedAtEntry() {
        Duration d = Duration.ofMillis(40);
        Deadline atEntry = Deadline.after(d);
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(d, () -> {
            Weft.sleep(LONG);
            return null;
        }));
        assertEquals(atEntry, e.deadline(), "virtual time stands still until the test waits");
        assertEquals(d, OnVirtualTime.elapsed());
    }

    // ---- scope deadlines ----

    /** TMO-21: a scope has no deadline by default; moving it into the past makes the next checkpoint raise and the scope catch. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void movingDeadlineIntoPastCancelsAtNextCheckpoint(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            Object r = CancelScope.run(s -> {
                scope.set(s);
                assertEquals(Optional.empty(), s.deadline());
                Weft.checkpoint();
                s.setDeadline(Deadline.after(Duration.ofSeconds(-1)));
                assertTrue(s.isCancelled());
                Weft.checkpoint();
                fail("the checkpoint after the deadline passed returned");
                return null;
            });
            assertNull(r);
            assertTrue(scope.get().isCancelled());
            assertTrue(scope.get().cancelledCaught());
            assertFalse(Thread.currentThread().isInterrupted());
        });
    }

    /** Moving the deadline later before it passes extends the budget, for weft sleeps and interrupted JDK calls alike. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void movingDeadlineLaterExtendsTheBudget(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            String r = Timeout.failAfter(Duration.ofMillis(200), () -> {
                CancelScope.current().setDeadline(Deadline.after(LONG));
                Weft.sleep(Duration.ofMillis(150));
                Thread.sleep(150); // the timer's entry for the old deadline must not interrupt this
                return "extended";
            });
            assertEquals("extended", r);
            assertFalse(Thread.currentThread().isInterrupted());
        });
    }

    /** Moving the deadline of an enclosing scope earlier reaches tasks already running inside it. */
    @Test
    void movingDeadlineEarlierReachesRunningTasks() {
        List<Task<?>> tasks = new ArrayList<>();
        long t0 = System.nanoTime();
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        CancelScope.run(s -> {
            scope.set(s);
            s.setDeadline(Deadline.after(Duration.ofMinutes(10)));
            return TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(2);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Thread.sleep(LONG.toMillis());
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(LONG);
                    return null;
                }));
                assertTrue(started.await(5, TimeUnit.SECONDS));
                s.setDeadline(Deadline.after(Duration.ofMillis(30)));
                return tasks.getFirst().join();
            });
        });
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        assertTrue(scope.get().cancelledCaught());
        for (Task<?> t : tasks) {
            assertEquals(Task.State.CANCELLED, t.state());
        }
    }

    /** TMO-23: once the deadline has passed the scope is cancelled, and moving the deadline later never undoes it. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void movingDeadlineLaterDoesNotUndoCancellation() {
        CancelScope.run(s -> {
            s.setDeadline(Deadline.after(Duration.ofMillis(-1)));
            assertTrue(s.isCancelled());
            s.setDeadline(Deadline.after(Duration.ofHours(1)));
            assertTrue(s.isCancelled(), "moving the deadline later un-cancelled the scope");
            assertThrows(CancelledException.class, Weft::checkpoint);
            s.clearDeadline();
            assertTrue(s.isCancelled(), "clearing the deadline un-cancelled the scope");
            assertThrows(CancelledException.class, Weft::checkpoint);
            return null;
        });
    }

    /** TMO-22, TMO-23: a passed deadline is seen at once by isCancelled() and by a zero-time checkpoint, without a blocking call. */
    @Test
    void passedDeadlineIsSeenAtAnyCheckpoint() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        try (ManualClock clock = ManualClock.install()) {
            CancelScope.run(s -> {
                scope.set(s);
                Deadline d = Deadline.after(Duration.ofMillis(200));
                s.setDeadline(d);
                assertFalse(s.isCancelled());
                // Time passes while the code computes: no blocking call, no checkpoint, and the
                // timer is not told (it could not fire in time on a busy machine either).
                clock.advanceSilently(Duration.ofMillis(200));
                assertTrue(d.isExpired());
                assertTrue(s.isCancelled());
                Weft.checkpoint();
                fail("the checkpoint did not notice the passed deadline");
                return null;
            });
        }
        assertTrue(scope.get().cancelledCaught());
    }

    /** A plain cancel scope whose deadline passes absorbs its cancellation: null and cancelledCaught, no exception. */
    @Test
    void scopeWithDeadlineAbsorbsItsExpiry() throws Exception {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        Object r = CancelScope.run(s -> {
            scope.set(s);
            s.setDeadline(Deadline.after(Duration.ofMillis(20)));
            Thread.sleep(LONG.toMillis());
            return "slept";
        });
        assertNull(r);
        assertTrue(scope.get().cancelledCaught());
        assertTrue(scope.get().deadline().orElseThrow().isExpired());
    }

    /** setDeadline and clearDeadline after the scope exited change nothing. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void deadlineChangesAfterExitHaveNoEffect() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        Deadline d = Deadline.after(Duration.ofHours(1));
        CancelScope.run(s -> {
            scope.set(s);
            s.setDeadline(d);
            return null;
        });
        scope.get().setDeadline(Deadline.after(Duration.ofSeconds(-1)));
        assertEquals(Optional.of(d), scope.get().deadline());
        assertFalse(scope.get().isCancelled());
        assertFalse(scope.get().cancelledCaught());
        assertFalse(Thread.currentThread().isInterrupted());
        Weft.sleep(Duration.ofMillis(1));
    }

    /** TMO-29: the first reason wins: an explicit cancel is not turned into a deadline expiry later, and vice versa. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void firstCancelReasonWins() {
        CancelledException explicitFirst = CancelScope.run(s -> {
            s.cancel();
            s.setDeadline(Deadline.after(Duration.ofSeconds(-1)));
            try {
                Weft.checkpoint();
                return null;
            } catch (CancelledException e) {
                return e;
            }
        });
        assertFalse(explicitFirst.getMessage().contains("deadline"), explicitFirst.getMessage());
        CancelledException deadlineFirst = CancelScope.run(s -> {
            s.setDeadline(Deadline.after(Duration.ofSeconds(-1)));
            s.cancel();
            try {
                Weft.checkpoint();
                return null;
            } catch (CancelledException e) {
                return e;
            }
        });
        assertTrue(deadlineFirst.getMessage().contains("deadline"), deadlineFirst.getMessage());
    }

    /** A deadline set on a scope from another thread stops the scope's owner in a JDK call. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void deadlineSetFromAnotherThreadStopsOwner(ThreadKind kind) throws Exception {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        Thread setter = Thread.ofPlatform().start(() -> {
            try {
                if (entered.await(10, TimeUnit.SECONDS)) {
                    scope.get().setDeadline(Deadline.after(Duration.ofMillis(20)));
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        runOn(kind, () -> {
            long t0 = System.nanoTime();
            Object r = CancelScope.run(s -> {
                scope.set(s);
                entered.countDown();
                new ArrayBlockingQueue<Integer>(1).take();
                return "taken";
            });
            assertNull(r);
            assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
            assertFalse(Thread.currentThread().isInterrupted());
        });
        setter.join();
        assertInstanceOf(CancelScope.class, scope.get());
        assertTrue(scope.get().cancelledCaught());
    }
}
