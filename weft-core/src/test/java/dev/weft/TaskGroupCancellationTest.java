package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static dev.weft.TestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@link TaskGroup} cancelled from outside (its owner's scope is cancelled while the body runs or
 * while the owner waits in the exit) and from inside ({@link TaskGroup#cancel()}): everything is
 * cancelled and awaited, real errors still win, and an outside cancellation is never lost (TG-08 to
 * TG-10, TG-23, TG-27 in {@code docs/semantics.md}). Behaviour tests run with the group owned by a
 * platform thread and by a virtual thread ({@link ThreadKind}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskGroupCancellationTest {    private static final Duration TICK = Duration.ofMillis(1);

    /**
     * Cancelling an enclosing scope while the body runs cancels body and tasks; run throws
     * {@link CancelledException} (not a group), which the enclosing scope absorbs (TG-08).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outsideCancellationDuringBodyPropagatesAsCancelled(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void outsideCancellationWhileOwnerWaitsInExitPropagatesAsCancelled(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void realErrorsInCancellationCleanupWinOverCancellation(ThreadKind owner) throws Throwable {
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

    /**
     * {@link TaskGroup#cancel()} from the body stops body and tasks; run returns null, not an
     * exception; calling it twice is harmless (TG-27).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancelFromBodyReturnsNullAndIsIdempotent(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void cancelFromTaskReturnsNormally(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void cancelAfterBodyReturnedKeepsBodyValue(ThreadKind owner) throws Throwable {
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
}
