package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static dev.weft.TestSupport.awaitCondition;
import static dev.weft.TestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.FakeVmError;
import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a {@link TaskGroup} does when its body or a task fails: the rest is cancelled and awaited,
 * every failure is reported once in an {@link ExceptionGroup}, in the order it happened, a
 * {@link VirtualMachineError} is rethrown bare, and no cancellation is left behind (TG-05, TG-06,
 * TG-10 to TG-12, TG-15, TG-16, TG-21, TG-24, TG-29, EXG-02 to EXG-05 in {@code docs/semantics.md}).
 * Behaviour tests run with the group owned by a platform thread and by a virtual thread
 * ({@link ThreadKind}). The exception group itself is tested in {@link ExceptionGroupTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskGroupFailureTest {    private static final Duration TICK = Duration.ofMillis(1);

    /**
     * A failing task cancels its siblings and the body at its blocking call; code after the
     * block does not run; the group holds exactly that failure, wrapped even though it is alone
     * (TG-05, TG-29, EXG-03, EXG-04).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void failingTaskCancelsSiblingsAndBody(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException boom = new IllegalStateException("boom");
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> bodySaw = new AtomicReference<>();
            AtomicBoolean after = new AtomicBoolean();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> {
                TaskGroup.run("tg05", g -> {
                    CountDownLatch siblingsBlocked = new CountDownLatch(2);
                    tasks.add(g.spawn(() -> {
                        siblingsBlocked.countDown();
                        Weft.sleep(FOREVER);
                        return null;
                    }));
                    tasks.add(g.spawn(() -> {
                        siblingsBlocked.countDown();
                        Thread.sleep(FOREVER);
                        return null;
                    }));
                    tasks.add(g.spawn(() -> {
                        siblingsBlocked.await();
                        throw boom;
                    }));
                    try {
                        Weft.sleep(FOREVER);
                    } catch (CancelledException e) {
                        bodySaw.set(e);
                        throw e;
                    }
                    return null;
                });
                after.set(true);
            });
            assertEquals(1, eg.exceptions().size());
            assertSame(boom, eg.exceptions().getFirst());
            assertTrue(eg.getMessage().contains("tg05"), eg.getMessage());
            assertFalse(after.get(), "code after the group ran");
            assertInstanceOf(CancelledException.class, bodySaw.get());
            assertTrue(bodySaw.get().getMessage().contains("tg05-2"),
                    "the cancellation names the failed task (EXG-12): " + bodySaw.get().getMessage());
            assertEquals(Task.State.CANCELLED, tasks.get(0).state());
            assertEquals(Task.State.CANCELLED, tasks.get(1).state());
            assertEquals(Task.State.FAILED, tasks.get(2).state());
            TestSupport.assertAllFinished(tasks, "tg05");
        });
    }

    /** How the body blocks while a task fails: a weft call or a JDK call. */
    enum BodyBlock {
        WEFT_SLEEP, THREAD_SLEEP, QUEUE_TAKE, LATCH_AWAIT;

        void block() throws InterruptedException {
            switch (this) {
                case WEFT_SLEEP -> Weft.sleep(FOREVER);
                case THREAD_SLEEP -> Thread.sleep(FOREVER);
                case QUEUE_TAKE -> new LinkedBlockingQueue<String>().take();
                case LATCH_AWAIT -> new CountDownLatch(1).await();
            }
        }
    }

    /**
     * A crashing task wakes a body blocked in a weft call or a JDK call; the wake-up is a
     * cancellation, not a second failure (TG-29).
     */
    @ParameterizedTest
    @EnumSource(BodyBlock.class)
    void taskFailureWakesBodyBlockedInAnyCall(BodyBlock block) throws Throwable {
        for (ThreadKind owner : ThreadKind.values()) {
            owner.run(() -> {
                RuntimeException boom = new RuntimeException("boom");
                AtomicBoolean after = new AtomicBoolean();
                ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                    Thread bodyThread = Thread.currentThread();
                    g.spawn(() -> {
                        awaitCondition(() -> bodyThread.getState() == Thread.State.WAITING
                                || bodyThread.getState() == Thread.State.TIMED_WAITING, "body blocked");
                        throw boom;
                    });
                    block.block();
                    after.set(true);
                    return null;
                }));
                assertEquals(List.of(boom), eg.exceptions());
                assertFalse(after.get());
            });
        }
    }

    /**
     * A resource closed while the body unwinds from a group-induced cancellation throws: that
     * failure is reported beside the task's (TG-24). Java buries it as a suppressed exception of
     * the CancelledException that try-with-resources was propagating.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void resourceFailingToCloseDuringCancellationIsReported(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException taskError = new RuntimeException("task");
            RuntimeException bodyClose = new RuntimeException("body close");
            RuntimeException siblingClose = new RuntimeException("sibling close");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                CountDownLatch blocked = new CountDownLatch(2);
                g.spawn(() -> {
                    try (AutoCloseable r = () -> {
                        throw siblingClose;
                    }) {
                        blocked.countDown();
                        Weft.sleep(FOREVER);
                    }
                    return null;
                });
                g.spawn(() -> {
                    blocked.await();
                    throw taskError;
                });
                try (AutoCloseable r = () -> {
                    throw bodyClose;
                }) {
                    blocked.countDown();
                    Weft.sleep(FOREVER);
                }
                return null;
            }));
            assertEquals(Set.of(taskError, bodyClose, siblingClose), Set.copyOf(leaves(eg)));
            assertEquals(taskError, eg.exceptions().getFirst());
        });
    }

    /** A body that throws before spawning anything is reported inside a group (TG-06, EXG-04). */
    @Test
    void bodyFailingBeforeSpawningIsReportedInAGroup() {
        IOException early = new IOException("early");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            throw early;
        }));
        assertEquals(List.of(early), eg.exceptions());
    }

    /** A body that throws after spawning cancels and awaits its tasks, then reports its error (TG-06). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void bodyFailingAfterSpawningCancelsAndAwaitsTasks(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IOException late = new IOException("late");
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(2);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    return new LinkedBlockingQueue<String>().take();
                }));
                await(started, "tasks started");
                Weft.sleep(TICK);
                throw late;
            }));
            assertEquals(List.of(late), eg.exceptions());
            TestSupport.assertAllFinished(tasks, "body failure");
            tasks.forEach(t -> assertEquals(Task.State.CANCELLED, t.state(), t::toString));
        });
    }

    /** A body that catches the cancellation and throws its own error has that error reported (TG-11). */
    @Test
    void bodyReplacingCancellationWithAnErrorIsReported() {
        IllegalStateException mine = new IllegalStateException("mine");
        AtomicReference<Task<?>> sleeper = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> CancelScope.run(s -> TaskGroup.run(g -> {
            sleeper.set(g.spawn(() -> {
                Weft.sleep(FOREVER);
                return null;
            }));
            s.cancel();
            try {
                Weft.sleep(FOREVER);
            } catch (CancelledException c) {
                throw mine;
            }
            return null;
        })));
        assertEquals(List.of(mine), eg.exceptions());
        assertEquals(Task.State.CANCELLED, sleeper.get().state());
    }

    /**
     * When a task failure cancels the body and the body's cleanup throws, the group holds both,
     * the task's first (TG-12).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void bodyCleanupErrorAfterTaskFailureIsKeptWithIt(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException taskError = new RuntimeException("task");
            RuntimeException cleanupError = new RuntimeException("body cleanup");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                CountDownLatch bodyWaiting = new CountDownLatch(1);
                g.spawn(() -> {
                    bodyWaiting.await();
                    throw taskError;
                });
                try {
                    bodyWaiting.countDown();
                    Weft.sleep(FOREVER);
                } catch (CancelledException c) {
                    throw cleanupError;
                }
                return null;
            }));
            assertEquals(List.of(taskError, cleanupError), eg.exceptions());
        });
    }

    /**
     * Failures are listed in the order they happened, not the order of spawning: t1 fails, t2
     * fails in its cleanup once t1 is done, t3 once t2 is done, then the body (EXG-02).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void failuresAreReportedInOrderOfOccurrence(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException e1 = new RuntimeException("1");
            RuntimeException e2 = new RuntimeException("2");
            RuntimeException e3 = new RuntimeException("3");
            RuntimeException e4 = new RuntimeException("body");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                CountDownLatch waiting = new CountDownLatch(2);
                AtomicReference<Task<?>> t1 = new AtomicReference<>();
                AtomicReference<Task<?>> t2 = new AtomicReference<>();
                CountDownLatch spawned = new CountDownLatch(1);
                Task<?> t3 = g.spawn(() -> failAfter(t2, e3, waiting, spawned));
                t2.set(g.spawn(() -> failAfter(t1, e2, waiting, spawned)));
                t1.set(g.spawn(() -> {
                    waiting.await();
                    throw e1;
                }));
                spawned.countDown();
                try {
                    Weft.sleep(FOREVER);
                } catch (CancelledException c) {
                    CancelScope.shield(() -> {
                        TestSupport.joinQuietly(t3);
                        throw e4;
                    });
                }
                return null;
            }));
            assertEquals(List.of(e1, e2, e3, e4), eg.exceptions());
        });
    }

    /** Blocks until cancelled, then (shielded) waits for {@code previous} to end and throws {@code e}. */
    private static Object failAfter(AtomicReference<Task<?>> previous, RuntimeException e, CountDownLatch waiting,
            CountDownLatch spawned) throws InterruptedException {
        spawned.await();
        try {
            waiting.countDown();
            Weft.sleep(FOREVER);
        } catch (CancelledException c) {
            CancelScope.shield(() -> {
                TestSupport.joinQuietly(previous.get());
                throw e;
            });
        }
        return null;
    }

    /**
     * A {@link VirtualMachineError} from a task is rethrown bare, not in a group, after the
     * siblings were cancelled and awaited (TG-15).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void virtualMachineErrorFromTaskIsRethrownBare(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            FakeVmError vme = new FakeVmError("fake");
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            FakeVmError thrown = assertThrows(FakeVmError.class, () -> TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Thread.sleep(FOREVER);
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.await();
                    throw vme;
                }));
                Weft.sleep(FOREVER);
                return null;
            }));
            assertSame(vme, thrown);
            TestSupport.assertAllFinished(tasks, "vme");
            assertEquals(Task.State.CANCELLED, tasks.get(0).state());
            assertEquals(Task.State.FAILED, tasks.get(1).state());
        });
    }

    /**
     * A {@link VirtualMachineError} from the body is rethrown bare; the other failures are not
     * lost: they are attached as suppressed (TG-15).
     */
    @Test
    void virtualMachineErrorFromBodyKeepsOtherFailuresAsSuppressed() {
        FakeVmError vme = new FakeVmError("fake");
        RuntimeException other = new RuntimeException("other");
        FakeVmError thrown = assertThrows(FakeVmError.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                throw other;
            });
            try {
                Weft.sleep(FOREVER);
            } catch (CancelledException c) {
                throw vme;
            }
            return null;
        }));
        assertSame(vme, thrown);
        assertEquals(List.of(other), List.of(thrown.getSuppressed()));
    }

    /** isCancelled is false while the group runs undisturbed and true once a task failed. */
    @Test
    void groupReportsCancellationAfterFailure() {
        AtomicBoolean before = new AtomicBoolean(true);
        AtomicBoolean afterFailure = new AtomicBoolean();
        assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            before.set(g.isCancelled());
            Task<?> t = g.spawn(() -> {
                throw new RuntimeException("boom");
            });
            CancelScope.shield(() -> {
                TestSupport.joinQuietly(t);
                afterFailure.set(g.isCancelled());
                return null;
            });
            return null;
        }));
        assertFalse(before.get());
        assertTrue(afterFailure.get());
    }

    /**
     * After a group that failed has been handled, nothing of its cancellation remains: the
     * caller's later blocking calls work and its interrupt flag is clear (TG-21).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void handledGroupFailureLeavesNoCancellationBehind(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            String r = CancelScope.run(s -> {
                ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                    g.spawn(() -> {
                        Thread.sleep(1);
                        throw new RuntimeException("boom");
                    });
                    Thread.sleep(FOREVER);
                    return null;
                }));
                assertEquals(1, eg.exceptions().size());
                assertFalse(Thread.currentThread().isInterrupted());
                Weft.sleep(TICK);
                Weft.checkpoint();
                Thread.sleep(1);
                assertFalse(s.isCancelled());
                return "after";
            });
            assertEquals("after", r);
        });
    }
}
