package dev.weft;

import static dev.weft.GroupTestSupport.FOREVER;
import static dev.weft.GroupTestSupport.await;
import static dev.weft.GroupTestSupport.awaitCondition;
import static dev.weft.GroupTestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.GroupTestSupport.FakeVmError;
import dev.weft.GroupTestSupport.Owner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of {@link TaskGroup} with asyncio's TaskGroup and Trio's nursery: the TG and EXG
 * behaviours of {@code reference/semantics.md}, written anew in Java form. Behaviour tests run
 * with the group owned by the platform test thread and by a virtual thread ({@link Owner}).
 * Nested groups are in {@link NestedGroupsTest}, spawning from outside threads in
 * {@link ForeignSpawnTest}, {@link Task} itself in {@link TaskTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskGroupTest {
    private static final Duration TICK = Duration.ofMillis(1);

    /** Once run returns, every task is done and its result can be read (TG-01). */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void resultsOfAllTasksAreReadableAfterExit(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<Integer>> tasks = new ArrayList<>();
            String r = TaskGroup.run(g -> {
                for (int i = 0; i < 3; i++) {
                    int n = i;
                    tasks.add(g.spawn(() -> {
                        Weft.sleep(Duration.ofMillis(n));
                        return n * 10;
                    }));
                }
                return "body";
            });
            assertEquals("body", r);
            for (int i = 0; i < 3; i++) {
                Task<Integer> t = tasks.get(i);
                assertTrue(t.isDone());
                assertEquals(Task.State.SUCCESS, t.state());
                assertEquals(i * 10, t.join());
            }
        });
    }

    /** Tasks can be spawned at any point of the body, including after it blocked (TG-02). */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void tasksCanBeSpawnedAtAnyPointOfTheBody(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            TaskGroup.run(g -> {
                tasks.add(g.spawn(() -> "first"));
                Weft.sleep(TICK);
                tasks.add(g.spawn(() -> "second"));
                Thread.sleep(1);
                tasks.add(g.spawn(() -> "third"));
                assertEquals("first", tasks.getFirst().join());
                tasks.add(g.spawn(() -> "fourth"));
                return null;
            });
            assertEquals(List.of("first", "second", "third", "fourth"),
                    tasks.stream().map(Task::join).toList());
        });
    }

    /**
     * Tasks that spawn more tasks after the body returned (the owner waiting in the group's exit)
     * are all awaited, though their spawners finished long before (TG-03, TG-32).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void tasksSpawnedByTasksWhileOwnerWaitsInExitAreAwaited(Owner owner) throws Throwable {
        owner.run(() -> {
            Queue<Task<?>> all = new ConcurrentLinkedQueue<>();
            AtomicInteger completed = new AtomicInteger();
            CountDownLatch bodyReturning = new CountDownLatch(1);
            String r = TaskGroup.run(g -> {
                all.add(g.spawn(() -> {
                    bodyReturning.await();
                    hydra(g, 5, all, completed);
                    return null;
                }));
                bodyReturning.countDown();
                return "body";
            });
            assertEquals("body", r);
            // one root task plus 2 + 4 + 8 + 16 + 32 spawned by tasks
            assertEquals(63, all.size());
            assertEquals(63, completed.get());
            GroupTestSupport.assertAllFinished(all, "hydra");
            all.forEach(t -> assertEquals(Task.State.SUCCESS, t.state(), t::toString));
        });
    }

    private static void hydra(TaskGroup g, int depth, Queue<Task<?>> all, AtomicInteger completed) {
        if (depth > 0) {
            for (int i = 0; i < 2; i++) {
                all.add(g.spawn(() -> {
                    Weft.sleep(TICK);
                    hydra(g, depth - 1, all, completed);
                    return null;
                }));
            }
        }
        completed.incrementAndGet();
    }

    /** Cancelling one task ends it CANCELLED and disturbs neither the body nor its siblings (TG-04). */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void cancellingOneTaskDoesNotDisturbSiblingsOrBody(Owner owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> victim = new AtomicReference<>();
            AtomicReference<Task<String>> sibling = new AtomicReference<>();
            String r = TaskGroup.run(g -> {
                CountDownLatch victimStarted = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                victim.set(g.spawn(() -> {
                    victimStarted.countDown();
                    Weft.sleep(FOREVER);
                    return "victim";
                }));
                sibling.set(g.spawn(() -> {
                    release.await();
                    Weft.sleep(TICK);
                    return "sibling";
                }));
                await(victimStarted, "victim started");
                victim.get().cancel();
                victim.get().cancel();
                assertThrows(CancelledException.class, victim.get()::join);
                Weft.sleep(TICK); // the body is not cancelled
                release.countDown();
                assertEquals("sibling", sibling.get().join());
                assertFalse(g.isCancelled());
                return "body";
            });
            assertEquals("body", r);
            assertEquals(Task.State.CANCELLED, victim.get().state());
            assertEquals(Task.State.SUCCESS, sibling.get().state());
        });
    }

    /**
     * A failing task cancels its siblings and the body at its blocking call; code after the
     * block does not run; the group holds exactly that failure, wrapped even though it is alone
     * (TG-05, TG-29, EXG-03, EXG-04).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void failingTaskCancelsSiblingsAndBody(Owner owner) throws Throwable {
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
            GroupTestSupport.assertAllFinished(tasks, "tg05");
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
        for (Owner owner : Owner.values()) {
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
     * An Error that is not a VirtualMachineError, and a checked exception, are grouped like any
     * other failure (TG-16).
     */
    @Test
    void errorsThatAreNotVirtualMachineErrorsAreGrouped() {
        AssertionError assertion = new AssertionError("an Error, not a VM error");
        Exception checked = new Exception("checked");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                throw assertion;
            });
            g.spawn(() -> {
                throw checked;
            });
            return null;
        }));
        assertEquals(Set.of(assertion, checked), Set.copyOf(eg.exceptions()));
        assertEquals(2, eg.exceptions().size());
    }

    /**
     * A resource closed while the body unwinds from a group-induced cancellation throws: that
     * failure is reported beside the task's (TG-24). Java buries it as a suppressed exception of
     * the CancelledException that try-with-resources was propagating.
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void resourceFailingToCloseDuringCancellationIsReported(Owner owner) throws Throwable {
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
    @EnumSource(Owner.class)
    void bodyFailingAfterSpawningCancelsAndAwaitsTasks(Owner owner) throws Throwable {
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
            GroupTestSupport.assertAllFinished(tasks, "body failure");
            tasks.forEach(t -> assertEquals(Task.State.CANCELLED, t.state(), t::toString));
        });
    }

    /**
     * Cancelling an enclosing scope while the body runs cancels body and tasks; run throws
     * {@link CancelledException} (not a group), which the enclosing scope absorbs (TG-08).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void outsideCancellationDuringBodyPropagatesAsCancelled(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> groupThrew = new AtomicReference<>();
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            AtomicBoolean after = new AtomicBoolean();
            Object r = CancelScope.run(s -> {
                scope.set(s);
                try {
                    return TaskGroup.run(g -> {
                        CountDownLatch started = new CountDownLatch(2);
                        tasks.add(g.spawn(() -> {
                            started.countDown();
                            Weft.sleep(FOREVER);
                            return null;
                        }));
                        tasks.add(g.spawn(() -> {
                            started.countDown();
                            Thread.sleep(FOREVER);
                            return null;
                        }));
                        tasks.add(g.spawn(() -> {
                            started.await();
                            s.cancel();
                            return "canceller";
                        }));
                        Weft.sleep(FOREVER);
                        after.set(true);
                        return "body";
                    });
                } catch (Throwable t) {
                    groupThrew.set(t);
                    throw t;
                }
            });
            assertNull(r);
            assertTrue(scope.get().cancelledCaught());
            assertInstanceOf(CancelledException.class, groupThrew.get());
            assertFalse(after.get());
            assertEquals(Task.State.CANCELLED, tasks.get(0).state());
            assertEquals(Task.State.CANCELLED, tasks.get(1).state());
            assertEquals(Task.State.SUCCESS, tasks.get(2).state());
        });
    }

    /**
     * Cancelling an enclosing scope while the owner already waits in the group's exit cancels
     * the tasks, and run throws {@link CancelledException} (TG-09).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void outsideCancellationWhileOwnerWaitsInExitPropagatesAsCancelled(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> groupThrew = new AtomicReference<>();
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            Object r = CancelScope.run(s -> {
                scope.set(s);
                try {
                    return TaskGroup.run(g -> {
                        Thread ownerThread = Thread.currentThread();
                        AtomicBoolean bodyReturned = new AtomicBoolean();
                        tasks.add(g.spawn(() -> {
                            Weft.sleep(FOREVER);
                            return null;
                        }));
                        tasks.add(g.spawn(() -> {
                            awaitCondition(() -> bodyReturned.get()
                                    && ownerThread.getState() == Thread.State.WAITING, "owner waiting in exit");
                            s.cancel();
                            return null;
                        }));
                        bodyReturned.set(true);
                        return "body";
                    });
                } catch (Throwable t) {
                    groupThrew.set(t);
                    throw t;
                }
            });
            assertInstanceOf(CancelledException.class, groupThrew.get(), "TaskGroup.run should throw");
            assertNull(r);
            assertTrue(scope.get().cancelledCaught());
            assertEquals(Task.State.CANCELLED, tasks.getFirst().state());
        });
    }

    /**
     * Real errors thrown by tasks while they clean up after an outside cancellation win over the
     * cancellation: run throws a group of them and the enclosing scope does not absorb it (TG-10).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void realErrorsInCancellationCleanupWinOverCancellation(Owner owner) throws Throwable {
        owner.run(() -> {
            RuntimeException e1 = new RuntimeException("cleanup 1");
            RuntimeException e2 = new RuntimeException("cleanup 2");
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> CancelScope.run(s -> {
                scope.set(s);
                return TaskGroup.run(g -> {
                    CountDownLatch started = new CountDownLatch(2);
                    g.spawn(() -> {
                        try {
                            started.countDown();
                            Weft.sleep(FOREVER);
                        } catch (CancelledException c) {
                            throw e1;
                        }
                        return null;
                    });
                    g.spawn(() -> {
                        try {
                            started.countDown();
                            Thread.sleep(FOREVER);
                        } catch (InterruptedException c) {
                            throw e2;
                        }
                        return null;
                    });
                    await(started, "tasks started");
                    s.cancel();
                    Weft.sleep(FOREVER);
                    return null;
                });
            }));
            assertEquals(Set.of(e1, e2), Set.copyOf(eg.exceptions()));
            assertEquals(2, eg.exceptions().size());
            assertFalse(scope.get().cancelledCaught());
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
    @EnumSource(Owner.class)
    void bodyCleanupErrorAfterTaskFailureIsKeptWithIt(Owner owner) throws Throwable {
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
    @EnumSource(Owner.class)
    void failuresAreReportedInOrderOfOccurrence(Owner owner) throws Throwable {
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
                        joinQuietly(t3);
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
                joinQuietly(previous.get());
                throw e;
            });
        }
        return null;
    }

    private static Object joinQuietly(Task<?> t) {
        try {
            return t.join();
        } catch (TaskFailedException | CancelledException ignored) {
            return null;
        }
    }

    /**
     * A {@link VirtualMachineError} from a task is rethrown bare, not in a group, after the
     * siblings were cancelled and awaited (TG-15).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void virtualMachineErrorFromTaskIsRethrownBare(Owner owner) throws Throwable {
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
            GroupTestSupport.assertAllFinished(tasks, "vme");
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

    /**
     * {@link TaskGroup#cancel()} from the body stops body and tasks; run returns null, not an
     * exception; calling it twice is harmless (TG-27).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void cancelFromBodyReturnsNullAndIsIdempotent(Owner owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<?>> sleeper = new AtomicReference<>();
            AtomicBoolean after = new AtomicBoolean();
            AtomicBoolean cancelledInside = new AtomicBoolean();
            Object r = TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                sleeper.set(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                }));
                await(started, "sleeper started");
                g.cancel();
                g.cancel();
                cancelledInside.set(g.isCancelled());
                Weft.sleep(FOREVER);
                after.set(true);
                return "body";
            });
            assertNull(r);
            assertTrue(cancelledInside.get());
            assertFalse(after.get());
            assertEquals(Task.State.CANCELLED, sleeper.get().state());
        });
    }

    /** {@link TaskGroup#cancel()} from one of the group's tasks stops everything; run returns null (TG-27). */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void cancelFromTaskReturnsNormally(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            Object r = TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Thread.sleep(FOREVER);
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.await();
                    g.cancel();
                    g.cancel();
                    return "canceller";
                }));
                Weft.sleep(FOREVER);
                return "body";
            });
            assertNull(r);
            assertEquals(Task.State.CANCELLED, tasks.get(0).state());
            assertEquals(Task.State.SUCCESS, tasks.get(1).state());
            assertEquals("canceller", tasks.get(1).join());
        });
    }

    /** A cancel that comes after the body returned keeps the body's value as run's result (TG-27). */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void cancelAfterBodyReturnedKeepsBodyValue(Owner owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<?>> sleeper = new AtomicReference<>();
            String r = TaskGroup.run(g -> {
                AtomicBoolean bodyReturned = new AtomicBoolean();
                sleeper.set(g.spawn(() -> {
                    Weft.sleep(FOREVER);
                    return null;
                }));
                g.spawn(() -> {
                    awaitCondition(bodyReturned::get, "body returned");
                    g.cancel();
                });
                bodyReturned.set(true);
                return "body";
            });
            assertEquals("body", r);
            assertEquals(Task.State.CANCELLED, sleeper.get().state());
        });
    }

    /** {@link TaskGroup#cancel()} after run returned does nothing and does not throw (TG-27). */
    @Test
    void cancelAfterExitHasNoEffect() {
        AtomicReference<TaskGroup> group = new AtomicReference<>();
        TaskGroup.run(g -> {
            group.set(g);
            return g.spawn(() -> 1);
        });
        group.get().cancel();
        assertFalse(group.get().isCancelled());
        Weft.checkpoint(); // nothing reached the caller
    }

    /**
     * Spawning into a finished group throws {@link IllegalStateException} naming the group, for
     * every spawn overload, and the refused work never starts (TG-19, TG-32).
     */
    @Test
    void spawnAfterFinishIsRejectedAndWorkNeverStarts() {
        AtomicReference<TaskGroup> group = new AtomicReference<>();
        TaskGroup.run("finished-group", g -> {
            group.set(g);
            return null;
        });
        TaskGroup g = group.get();
        AtomicBoolean started = new AtomicBoolean();
        List<Runnable> attempts = List.of(
                () -> g.spawn(() -> started.getAndSet(true)),
                () -> g.spawn("named", () -> started.getAndSet(true)),
                () -> g.spawn(() -> started.getAndSet(true), Context.empty()),
                () -> g.spawn(() -> started.set(true)),
                () -> g.spawn("named", () -> started.getAndSet(true), null));
        for (Runnable attempt : attempts) {
            IllegalStateException e = assertThrows(IllegalStateException.class, attempt::run);
            assertTrue(e.getMessage().contains("finished-group"), e.getMessage());
            assertTrue(e.getMessage().contains("finished"), e.getMessage());
        }
        Weft.sleep(Duration.ofMillis(20));
        assertFalse(started.get(), "refused work ran");
    }

    /**
     * Tasks are named "&lt;group&gt;-&lt;index&gt;" by default, and the task's thread carries
     * the task's name, given or default (TG-26, TCI-07).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void taskNamesDefaultToGroupNameAndIndexAndNameTheThread(Owner owner) throws Throwable {
        owner.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            TaskGroup.run("names", g -> {
                assertEquals("names", g.name());
                tasks.add(g.spawn(() -> Thread.currentThread().getName()));
                tasks.add(g.spawn(() -> {
                    Weft.sleep(TICK);
                    return Thread.currentThread().getName();
                }));
                tasks.add(g.spawn("custom", () -> Thread.currentThread().getName()));
                return null;
            });
            assertEquals(List.of("names-0", "names-1", "custom"), tasks.stream().map(Task::name).toList());
            assertEquals(List.of("names-0", "names-1", "custom"), tasks.stream().map(Task::join).toList());

            AtomicReference<String> groupName = new AtomicReference<>();
            Task<String> t = TaskGroup.run(g -> {
                groupName.set(g.name());
                return g.spawn(() -> Thread.currentThread().getName());
            });
            assertEquals(groupName.get() + "-0", t.name());
            assertEquals(t.name(), t.join());
        });
    }

    /**
     * An ExceptionGroup from a real group can be matched by type as {@code except*} does: split
     * and subgroup keep the nesting, and the members stay reachable (EXG-07).
     */
    @Test
    void exceptionGroupSplitsByTypeKeepingNesting() {
        IOException io1 = new IOException("io1");
        IllegalStateException ise = new IllegalStateException("ise");
        IOException io2 = new IOException("io2");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                throw io1;
            });
            g.spawn(() -> {
                throw ise;
            });
            g.spawn(() -> TaskGroup.run(inner -> {
                inner.spawn(() -> {
                    throw io2;
                });
                return null;
            }));
            return null;
        }));
        assertEquals(3, eg.exceptions().size());
        assertEquals(Set.of(io1, ise, io2), Set.copyOf(leaves(eg)));
        assertThrows(UnsupportedOperationException.class, () -> eg.exceptions().add(new RuntimeException()));

        ExceptionGroup.Split split = eg.split(IOException.class);
        assertEquals(Set.of(io1, io2), Set.copyOf(leaves(split.matched())));
        assertTrue(split.matched().exceptions().stream().anyMatch(m -> m instanceof ExceptionGroup nested
                && nested.exceptions().equals(List.of(io2))), "the inner group's nesting is kept");
        assertEquals(List.of(ise), split.rest().exceptions());

        ExceptionGroup state = eg.subgroup(IllegalStateException.class);
        assertNotNull(state, "an IllegalStateException handler matches the group");
        assertEquals(List.of(ise), leaves(state));
        // As in PEP 654, the condition is tried on the group itself first, and an ExceptionGroup
        // is a RuntimeException (as Python's is an Exception): such a handler takes it whole.
        assertSame(eg, eg.subgroup(RuntimeException.class));
        assertSame(eg, eg.subgroup(Throwable.class));
        assertNull(eg.subgroup(ArithmeticException.class));
        ExceptionGroup.Split byIdentity = eg.split(t -> t == io2);
        assertEquals(List.of(io2), leaves(byIdentity.matched()));
        assertEquals(Set.of(io1, ise), Set.copyOf(leaves(byIdentity.rest())));
    }

    /**
     * A task spawned into a group that is already cancelled starts, runs up to its first weft
     * blocking call and ends CANCELLED there; the group still waits for it (TG-31, TG-25).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void taskSpawnedIntoCancelledGroupStartsAndStopsAtFirstCheckpoint(Owner owner) throws Throwable {
        owner.run(() -> {
            AtomicBoolean started = new AtomicBoolean();
            AtomicBoolean passed = new AtomicBoolean();
            AtomicReference<Task<?>> late = new AtomicReference<>();
            String r = TaskGroup.run(g -> {
                g.cancel();
                late.set(g.spawn(() -> {
                    started.set(true);
                    Weft.checkpoint();
                    passed.set(true);
                    return null;
                }));
                return "body";
            });
            assertEquals("body", r, "the body ended without a blocking call after the cancel");
            assertTrue(started.get());
            assertFalse(passed.get());
            assertEquals(Task.State.CANCELLED, late.get().state());
        });
    }

    /**
     * A task spawned after another task failed (the group shutting down) is started and
     * cancelled at its first checkpoint, not refused (TG-25, TG-31; weft chose Trio over TG-07).
     */
    @Test
    void taskSpawnedAfterAFailureIsStartedAndCancelled() {
        RuntimeException boom = new RuntimeException("boom");
        AtomicBoolean started = new AtomicBoolean();
        AtomicReference<Task<?>> late = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            Task<?> failing = g.spawn(() -> {
                throw boom;
            });
            CancelScope.shield(() -> {
                joinQuietly(failing);
                late.set(g.spawn(() -> {
                    started.set(true);
                    Weft.sleep(FOREVER);
                    return null;
                }));
                return null;
            });
            return null;
        }));
        assertEquals(List.of(boom), eg.exceptions());
        assertTrue(started.get());
        assertEquals(Task.State.CANCELLED, late.get().state());
    }

    /**
     * After a group that failed has been handled, nothing of its cancellation remains: the
     * caller's later blocking calls work and its interrupt flag is clear (TG-21).
     */
    @ParameterizedTest
    @EnumSource(Owner.class)
    void handledGroupFailureLeavesNoCancellationBehind(Owner owner) throws Throwable {
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

    /**
     * An outside cancellation that arrives while the group handles a task failure is not lost:
     * run throws the group, and the caller's next checkpoint is cancelled (TG-23).
     */
    @Test
    void outsideCancellationDuringFailureHandlingIsPreserved() {
        RuntimeException boom = new RuntimeException("boom");
        AtomicReference<ExceptionGroup> caught = new AtomicReference<>();
        AtomicBoolean after = new AtomicBoolean();
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        Object r = CancelScope.run(s -> {
            scope.set(s);
            try {
                TaskGroup.run(g -> {
                    g.spawn(() -> {
                        s.cancel();
                        throw boom;
                    });
                    Weft.sleep(FOREVER);
                    return null;
                });
            } catch (ExceptionGroup eg) {
                caught.set(eg);
            }
            Weft.checkpoint();
            after.set(true);
            return "after";
        });
        assertNull(r);
        assertTrue(scope.get().cancelledCaught());
        assertEquals(List.of(boom), caught.get().exceptions());
        assertFalse(after.get());
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
                joinQuietly(t);
                afterFailure.set(g.isCancelled());
                return null;
            });
            return null;
        }));
        assertFalse(before.get());
        assertTrue(afterFailure.get());
    }

    /** A group with no tasks returns its body's value; null arguments are refused with a message. */
    @Test
    void emptyGroupReturnsBodyValueAndNullsAreRefused() {
        assertEquals("v", TaskGroup.run(g -> "v"));
        assertNull(TaskGroup.run(g -> null));
        assertThrows(NullPointerException.class, () -> TaskGroup.run(null));
        assertThrows(NullPointerException.class, () -> TaskGroup.run(null, g -> 1));
        TaskGroup.run(g -> {
            assertThrows(NullPointerException.class, () -> g.spawn((Callable<Object>) null));
            assertThrows(NullPointerException.class, () -> g.spawn((TaskGroup.Action) null));
            assertThrows(NullPointerException.class, () -> g.spawn(() -> 1, null));
            assertThrows(NullPointerException.class, () -> g.spawn((String) null, () -> 1));
            return null;
        });
    }
}
