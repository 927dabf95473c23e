package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static dev.weft.TestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * Task groups inside task groups, nested through the body and through a task: which group sees
 * which failure, how cancellation crosses the levels, and how exception groups nest (TG-13,
 * TG-14, TG-30, EXG-06).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NestedGroupsTest {

    /**
     * When a task of the outer group fails first, the inner group (in the outer body) is
     * cancelled with its tasks and exits with a bare {@link CancelledException}; the outer group
     * reports a flat group with only the failure (TG-13).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outerFailureCancelsInnerGroupWhichExitsCancelled(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException boom = new RuntimeException("outer task");
            List<Task<?>> innerTasks = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> innerThrew = new AtomicReference<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("outer", outer -> {
                CountDownLatch innerReady = new CountDownLatch(1);
                outer.spawn(() -> {
                    innerReady.await();
                    throw boom;
                });
                try {
                    return TaskGroup.run("inner", inner -> {
                        CountDownLatch started = new CountDownLatch(2);
                        innerTasks.add(inner.spawn(() -> {
                            started.countDown();
                            Weft.sleep(FOREVER);
                            return null;
                        }));
                        innerTasks.add(inner.spawn(() -> {
                            started.countDown();
                            Thread.sleep(FOREVER);
                            return null;
                        }));
                        started.await();
                        innerReady.countDown();
                        Weft.sleep(FOREVER);
                        return null;
                    });
                } catch (Throwable t) {
                    innerThrew.set(t);
                    throw t;
                }
            }));
            assertEquals(List.of(boom), eg.exceptions());
            assertInstanceOf(CancelledException.class, innerThrew.get());
            innerTasks.forEach(t -> assertEquals(Task.State.CANCELLED, t.state(), t::toString));
        });
    }

    /**
     * When a task of the inner group fails first, the inner group's ExceptionGroup reaches the
     * outer group as the body's failure: one member, not flattened; the outer group's other
     * tasks are cancelled (TG-14, EXG-06).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void innerGroupFailureBecomesOneMemberOfTheOuterGroup(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException boom = new RuntimeException("inner task");
            AtomicReference<Task<?>> outerSibling = new AtomicReference<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(outer -> {
                CountDownLatch siblingStarted = new CountDownLatch(1);
                outerSibling.set(outer.spawn(() -> {
                    siblingStarted.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                }));
                siblingStarted.await();
                return TaskGroup.run(inner -> {
                    inner.spawn(() -> {
                        throw boom;
                    });
                    Weft.sleep(FOREVER);
                    return null;
                });
            }));
            assertEquals(1, eg.exceptions().size());
            ExceptionGroup innerGroup = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
            assertEquals(List.of(boom), innerGroup.exceptions());
            assertEquals(Task.State.CANCELLED, outerSibling.get().state());
        });
    }

    /**
     * An inner group run by a task of the outer group fails that task with the inner
     * ExceptionGroup itself (no TaskFailedException wrapping in the group), and join gives it as
     * the cause (TG-14, other direction).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void innerGroupInATaskFailsTheTaskWithItsGroup(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException boom = new IllegalStateException("deep");
            AtomicReference<Task<?>> runner = new AtomicReference<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(outer -> {
                runner.set(outer.spawn(() -> TaskGroup.run(inner -> {
                    inner.spawn(() -> {
                        Weft.sleep(Duration.ofMillis(1));
                        throw boom;
                    });
                    return "inner body";
                })));
                Weft.sleep(FOREVER);
                return null;
            }));
            ExceptionGroup innerGroup = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
            assertEquals(1, eg.exceptions().size());
            assertEquals(List.of(boom), innerGroup.exceptions());
            assertEquals(Task.State.FAILED, runner.get().state());
            assertSame(innerGroup, assertThrows(TaskFailedException.class, runner.get()::join).getCause());
        });
    }

    /**
     * Handling the inner group's failure inside the outer body does not undo the outer group's
     * cancellation: the outer body's next checkpoint is still cancelled, the outer group reports
     * only its own failure, and after it exits nothing is left cancelled (TG-22).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void handlingTheInnerFailureDoesNotUncancelTheOuterGroup(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            RuntimeException outerError = new RuntimeException("outer task");
            RuntimeException innerError = new RuntimeException("inner cleanup");
            AtomicReference<ExceptionGroup> handled = new AtomicReference<>();
            AtomicBoolean after = new AtomicBoolean();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(outer -> {
                CountDownLatch innerBlocked = new CountDownLatch(1);
                outer.spawn(() -> {
                    innerBlocked.await();
                    throw outerError;
                });
                try {
                    TaskGroup.run(inner -> {
                        inner.spawn(() -> {
                            try {
                                innerBlocked.countDown();
                                Weft.sleep(FOREVER);
                            } catch (CancelledException c) {
                                throw innerError;
                            }
                        });
                        return null;
                    });
                } catch (ExceptionGroup inner) {
                    handled.set(inner);
                }
                Weft.checkpoint(); // the outer group is still cancelled
                after.set(true);
                return null;
            }));
            assertEquals(List.of(innerError), handled.get().exceptions());
            assertEquals(List.of(outerError), eg.exceptions());
            assertFalse(after.get());
            Weft.checkpoint();
            Weft.sleep(Duration.ofMillis(1));
        });
    }

    /** Groups three deep produce groups three deep: EG[EG[EG[boom]]] (EXG-06). */
    @Test
    void groupsNestThreeDeepWithoutFlattening() {
        RuntimeException boom = new RuntimeException("deepest");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(a ->
                a.spawn(() -> TaskGroup.run(b ->
                        b.spawn(() -> TaskGroup.run(c -> c.spawn(() -> {
                            throw boom;
                        })))))));
        ExceptionGroup level2 = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
        ExceptionGroup level3 = assertInstanceOf(ExceptionGroup.class, level2.exceptions().getFirst());
        assertEquals(List.of(boom), level3.exceptions());
        assertEquals(1, eg.exceptions().size());
        assertEquals(1, level2.exceptions().size());
        assertEquals(List.of(boom), leaves(eg));
    }

    /**
     * Failures at two levels are both reported, each once: the inner group's failure first (as
     * a group, from the outer body), then an outer task's failure in its cancellation cleanup.
     */
    @Test
    void failuresAtBothLevelsAreEachReportedOnce() {
        RuntimeException inner = new RuntimeException("inner");
        RuntimeException outerCleanup = new RuntimeException("outer cleanup");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(outer -> {
            CountDownLatch started = new CountDownLatch(1);
            outer.spawn(() -> {
                try {
                    started.countDown();
                    Weft.sleep(FOREVER);
                } catch (CancelledException c) {
                    throw outerCleanup;
                }
                return null;
            });
            started.await();
            return TaskGroup.run(g -> g.spawn(() -> {
                throw inner;
            }));
        }));
        assertEquals(2, eg.exceptions().size());
        ExceptionGroup first = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
        assertEquals(List.of(inner), first.exceptions());
        assertSame(outerCleanup, eg.exceptions().get(1));
        assertEquals(List.of(inner, outerCleanup), leaves(eg));
    }

    /**
     * Cancelling the outer group reaches every descendant at once, through groups nested in the
     * body and in tasks, whether they block in weft or JDK calls; the outer run returns null
     * (TG-30).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancellingTheOuterGroupReachesEveryDescendant(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Queue<Task<?>> all = new ConcurrentLinkedQueue<>();
            Queue<Throwable> innerRunsThrew = new ConcurrentLinkedQueue<>();
            // 2 level-2 groups (body, task), each with a level-3 group in a task: 4 leaf sleepers each
            CountDownLatch leavesBlocked = new CountDownLatch(2 * 4);
            AtomicReference<Task<?>> canceller = new AtomicReference<>();
            Object r = TaskGroup.run(outer -> {
                all.add(outer.spawn(() -> level2(all, innerRunsThrew, leavesBlocked)));
                canceller.set(outer.spawn(() -> {
                    leavesBlocked.await();
                    outer.cancel();
                }));
                return level2(all, innerRunsThrew, leavesBlocked);
            });
            assertNull(r);
            TestSupport.assertAllFinished(all, "nested cancel");
            assertEquals(1 + 2 * (1 + 4), all.size());
            all.forEach(t -> assertEquals(Task.State.CANCELLED, t.state(), t::toString));
            assertEquals(Task.State.SUCCESS, canceller.get().state());
            assertEquals(4, innerRunsThrew.size(), "every level-2 and level-3 run threw");
            innerRunsThrew.forEach(t -> assertInstanceOf(CancelledException.class, t));
        });
    }

    /** Level 2: a group whose task runs a level-3 group of blocked leaves, while its body sleeps. */
    private static Object level2(Queue<Task<?>> all, Queue<Throwable> threw, CountDownLatch leavesBlocked) {
        try {
            return TaskGroup.run(g -> {
                all.add(g.spawn(() -> {
                    try {
                        return TaskGroup.run(leaf -> {
                            all.add(leaf.spawn(() -> {
                                leavesBlocked.countDown();
                                Weft.sleep(FOREVER);
                            }));
                            all.add(leaf.spawn(() -> {
                                leavesBlocked.countDown();
                                Thread.sleep(FOREVER);
                            }));
                            all.add(leaf.spawn(() -> {
                                leavesBlocked.countDown();
                                new LinkedBlockingQueue<String>().take();
                            }));
                            all.add(leaf.spawn(() -> {
                                leavesBlocked.countDown();
                                Weft.sleep(FOREVER);
                            }));
                            Weft.sleep(FOREVER);
                            return null;
                        });
                    } catch (Throwable t) {
                        threw.add(t);
                        throw t;
                    }
                }));
                Thread.sleep(FOREVER);
                return null;
            });
        } catch (Throwable t) {
            threw.add(t);
            throw t;
        }
    }

    /**
     * Cancelling an inner group stops only it: its run returns null, and the outer body and
     * the outer group's tasks go on undisturbed.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancellingTheInnerGroupLeavesTheOuterUntouched(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> outerTask = new AtomicReference<>();
            AtomicReference<Task<?>> innerTask = new AtomicReference<>();
            String r = TaskGroup.run(outer -> {
                CountDownLatch release = new CountDownLatch(1);
                outerTask.set(outer.spawn(() -> {
                    release.await();
                    Weft.sleep(Duration.ofMillis(1));
                    return "outer task";
                }));
                Object innerResult = TaskGroup.run(inner -> {
                    innerTask.set(inner.spawn(() -> {
                        Weft.sleep(FOREVER);
                        return null;
                    }));
                    inner.cancel();
                    Weft.sleep(FOREVER);
                    return "inner body";
                });
                assertNull(innerResult);
                Weft.sleep(Duration.ofMillis(1)); // the outer body is not cancelled
                release.countDown();
                return outerTask.get().join() + " / outer body";
            });
            assertEquals("outer task / outer body", r);
            assertEquals(Task.State.CANCELLED, innerTask.get().state());
        });
    }

    /**
     * A task of the inner group may cancel the outer group: the inner run throws
     * {@link CancelledException} (the cancellation is not its own), and the outer run, whose
     * own cancellation it was, returns null.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void innerTaskCancellingTheOuterGroupEndsBothQuietly(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Throwable> innerThrew = new AtomicReference<>();
            AtomicBoolean after = new AtomicBoolean();
            Object r = TaskGroup.run(outer -> {
                try {
                    TaskGroup.run(inner -> {
                        inner.spawn(outer::cancel);
                        Weft.sleep(FOREVER);
                        return null;
                    });
                } catch (Throwable t) {
                    innerThrew.set(t);
                    throw t;
                }
                after.set(true);
                return "outer";
            });
            assertNull(r);
            assertInstanceOf(CancelledException.class, innerThrew.get());
            assertFalse(after.get());
        });
    }

    /**
     * Cancelling a scope around nested groups makes both runs throw {@link CancelledException},
     * which the scope absorbs (TG-08, nested).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void enclosingScopeCancellationCrossesNestedGroups(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Queue<Throwable> threw = new ConcurrentLinkedQueue<>();
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            Object r = CancelScope.run(s -> {
                scope.set(s);
                try {
                    return TaskGroup.run(outer -> {
                        outer.spawn(() -> {
                            Weft.sleep(FOREVER);
                            return null;
                        });
                        try {
                            return TaskGroup.run(inner -> {
                                inner.spawn(() -> s.cancel());
                                Weft.sleep(FOREVER);
                                return null;
                            });
                        } catch (Throwable t) {
                            threw.add(t);
                            throw t;
                        }
                    });
                } catch (Throwable t) {
                    threw.add(t);
                    throw t;
                }
            });
            assertNull(r);
            assertTrue(scope.get().cancelledCaught());
            assertEquals(2, threw.size());
            threw.forEach(t -> assertInstanceOf(CancelledException.class, t));
        });
    }
}
