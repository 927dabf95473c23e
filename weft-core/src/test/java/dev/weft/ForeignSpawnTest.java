package dev.weft;

import static dev.weft.TestSupport.threadOf;
import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static dev.weft.TestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.Background;
import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spawning into a group from a thread that is not part of it (a server's acceptor handing work
 * to a group it does not own), and interrupts that come from outside weft.
 *
 * <p>Decided and tested: while the group is open, any thread may spawn; the task runs in a copy
 * of the <em>spawning</em> thread's context; its cancellation comes from the group only (not from
 * scopes of the spawning thread); once run has finished, spawning throws
 * {@link IllegalStateException}. An interrupt of the owner from outside weft (e.g.
 * {@code shutdownNow}) while it waits in a weft call or in the group's exit cancels the children,
 * run throws {@link CancelledException}, and the interrupt flag stays set for the owner's code.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForeignSpawnTest {
    private static final ContextVar<String> V = ContextVar.of("foreign-v");

    static Stream<Arguments> spawnersAndOwners() {
        return Stream.of(ThreadKind.values()).flatMap(s -> Stream.of(ThreadKind.values()).map(o -> Arguments.of(s, o)));
    }

    /**
     * A thread outside the group spawns while the group is open: the task runs in a copy of the
     * spawner's context taken at spawn, and is cancelled with the group.
     */
    @ParameterizedTest(name = "{0} spawner, {1} owner")
    @MethodSource("spawnersAndOwners")
    void outsideThreadSpawnsInACopyOfItsContextAndTaskIsCancelledWithGroup(ThreadKind spawner, ThreadKind owner)
            throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> task = new AtomicReference<>();
            AtomicReference<String> seen = new AtomicReference<>();
            String r = TaskGroup.run("open", g -> {
                CountDownLatch taskStarted = new CountDownLatch(1);
                spawner.start("foreign-spawner", () -> {
                    V.set("spawner's value");
                    task.set(g.spawn(() -> {
                        seen.set(V.get("<unset>"));
                        V.set("task's own");
                        taskStarted.countDown();
                        Weft.sleep(FOREVER);
                        return "not cancelled";
                    }));
                    V.set("set after spawn");
                    await(taskStarted, "foreign task started");
                    assertEquals("set after spawn", V.get(), "the task's set reached the spawner");
                }).join();
                assertNull(V.get(null), "the spawner's context reached the owner");
                g.cancel();
                return "body";
            });
            assertEquals("body", r);
            assertEquals("spawner's value", seen.get());
            assertEquals("task's own", task.get().context().get(V));
            assertEquals(Task.State.CANCELLED, task.get().state());
            assertEquals("open-0", task.get().name());
        });
    }

    /** A task spawned from outside is cancelled when a task of the group fails (TG-05). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outsideSpawnedTaskIsCancelledByASiblingFailure(ThreadKind spawner) throws Throwable {
        RuntimeException boom = new RuntimeException("boom");
        AtomicReference<Task<?>> foreign = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            CountDownLatch started = new CountDownLatch(1);
            spawner.start("foreign-spawner", () -> foreign.set(g.spawn(() -> {
                started.countDown();
                Thread.sleep(FOREVER);
                return null;
            }))).join();
            g.spawn(() -> {
                started.await();
                throw boom;
            });
            return null;
        }));
        assertEquals(List.of(boom), eg.exceptions());
        assertEquals(Task.State.CANCELLED, foreign.get().state());
    }

    /**
     * After the body returned, while a task keeps the group open, an outside thread may still
     * spawn, and the group waits for that task too (TG-32).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outsideSpawnAfterBodyReturnedIsAwaited(ThreadKind spawner) throws Throwable {
        AtomicReference<Task<String>> late = new AtomicReference<>();
        AtomicReference<Background> bg = new AtomicReference<>();
        String r = TaskGroup.run(g -> {
            AtomicBoolean bodyReturned = new AtomicBoolean();
            CountDownLatch lateSpawned = new CountDownLatch(1);
            g.spawn(() -> {
                lateSpawned.await(); // holds the group open
            });
            bg.set(spawner.start("foreign-spawner", () -> {
                awaitCondition(bodyReturned::get, "body returned");
                late.set(g.spawn(() -> {
                    Weft.sleep(Duration.ofMillis(5));
                    return "late";
                }));
                lateSpawned.countDown();
            }));
            bodyReturned.set(true);
            return "body";
        });
        bg.get().join();
        assertEquals("body", r);
        assertTrue(late.get().isDone(), "the group returned before the late task finished");
        assertEquals("late", late.get().join());
        TestSupport.assertAllFinished(List.of(late.get()), "late spawn");
    }

    /**
     * An outside thread that keeps spawning while the group exits is either accepted, and then
     * the group waits for that task, or refused with {@link IllegalStateException}: never a task
     * accepted and left running after run returned.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outsideSpawnRacingWithGroupExitIsAwaitedOrRefused(ThreadKind spawner) throws Throwable {
        int refusals = 0;
        for (int i = 0; i < 300; i++) {
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            AtomicBoolean refused = new AtomicBoolean();
            AtomicReference<Background> bg = new AtomicReference<>();
            int releaseAfter = i % 5;
            long pauseNanos = (i % 7) * 10_000L;
            TaskGroup.run(g -> {
                CountDownLatch release = new CountDownLatch(1);
                g.spawn(() -> {
                    release.await(); // holds the group open until the spawner lets go
                });
                bg.set(spawner.start("foreign-spawner", () -> {
                    try {
                        // A bounded number of spawns: a spawner that never stops keeps the group open forever.
                        for (int n = 0; n < 30; n++) {
                            if (n == releaseAfter) {
                                release.countDown();
                            } else if (n > releaseAfter) {
                                java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos); // let exit race
                            }
                            g.spawn(() -> {
                                Weft.sleep(Duration.ZERO);
                                completed.incrementAndGet();
                            });
                            accepted.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        assertTrue(e.getMessage().contains(g.name()), e.getMessage());
                        refused.set(true);
                    }
                }));
                return null;
            });
            int completedAtExit = completed.get();
            bg.get().join();
            refusals += refused.get() ? 1 : 0;
            assertEquals(accepted.get(), completedAtExit, "iteration " + i + ": accepted tasks outlived the group");
        }
        assertTrue(refusals > 0, "no spawn ever raced with the exit: the test exercised nothing");
    }

    /** An outside thread spawning into a finished group gets {@link IllegalStateException}; nothing runs. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void outsideSpawnAfterFinishIsRejected(ThreadKind spawner) throws Throwable {
        AtomicReference<TaskGroup> group = new AtomicReference<>();
        TaskGroup.run("done", g -> {
            group.set(g);
            return null;
        });
        AtomicBoolean ran = new AtomicBoolean();
        spawner.start("foreign-spawner", () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> group.get().spawn(() -> ran.set(true)));
            assertTrue(e.getMessage().contains("done"), e.getMessage());
        }).join();
        Weft.sleep(Duration.ofMillis(20));
        assertFalse(ran.get());
    }

    /**
     * A task's cancellation comes from its group, not from the spawning thread: spawning from
     * inside a cancelled scope of an outside thread gives a task that runs normally.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void spawnersCancelledScopeDoesNotCancelTheTask(ThreadKind spawner) throws Throwable {
        AtomicReference<Task<String>> task = new AtomicReference<>();
        TaskGroup.run(g -> {
            spawner.start("foreign-spawner", () -> CancelScope.run(s -> {
                s.cancel();
                task.set(g.spawn(() -> {
                    Weft.sleep(Duration.ofMillis(1));
                    return "ran";
                }));
                return null;
            })).join();
            return null;
        });
        assertEquals(Task.State.SUCCESS, task.get().state());
        assertEquals("ran", task.get().join());
    }

    /**
     * A task of another group may spawn into this one; the task belongs to this group: cancelling
     * the spawner's group does not touch it, cancelling this group does.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void taskOfAnotherGroupSpawnsATaskThatBelongsToTheTargetGroup(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> adopted = new AtomicReference<>();
            TaskGroup.run(target -> {
                CountDownLatch adoptedStarted = new CountDownLatch(1);
                CountDownLatch spawnerGroupDone = new CountDownLatch(1);
                Background other = Background.start(ThreadKind.VIRTUAL, "other-owner", () -> TaskGroup.run(source -> {
                    source.spawn(() -> {
                        adopted.set(target.spawn(() -> {
                            adoptedStarted.countDown();
                            spawnerGroupDone.await();
                            Weft.sleep(Duration.ofMillis(1)); // not cancelled by the source group
                            Weft.sleep(FOREVER);
                            return "not cancelled";
                        }));
                        adoptedStarted.await();
                        source.cancel();
                    });
                    Weft.sleep(FOREVER);
                    return null;
                }));
                other.join();
                spawnerGroupDone.countDown();
                awaitCondition(() -> threadOf(adopted.get()).getState() == Thread.State.WAITING
                        || threadOf(adopted.get()).getState() == Thread.State.TIMED_WAITING
                        || adopted.get().isDone(), "adopted task in its long sleep");
                assertFalse(adopted.get().isDone(), "the source group's cancel reached the adopted task");
                target.cancel();
                return null;
            });
            assertEquals(Task.State.CANCELLED, adopted.get().state());
        });
    }

    /** {@link TaskGroup#cancel()} from a thread outside the group stops it; run returns null (TG-27). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancelFromAnOutsideThreadStopsTheGroup(ThreadKind canceller) throws Throwable {
        AtomicReference<Task<?>> sleeper = new AtomicReference<>();
        AtomicReference<Background> bg = new AtomicReference<>();
        Object r = TaskGroup.run(g -> {
            CountDownLatch started = new CountDownLatch(1);
            sleeper.set(g.spawn(() -> {
                started.countDown();
                Weft.sleep(FOREVER);
            }));
            bg.set(canceller.start("foreign-canceller", () -> {
                started.await();
                g.cancel();
            }));
            Weft.sleep(FOREVER);
            return "body";
        });
        bg.get().join();
        assertNull(r);
        assertEquals(Task.State.CANCELLED, sleeper.get().state());
    }

    /** Where the owner is when the outside interrupt arrives. */
    enum OwnerWaits {
        IN_GROUP_EXIT, IN_WEFT_SLEEP
    }

    /** Which executor runs the task that owns the group. */
    enum Pool {
        PLATFORM, VIRTUAL;

        ExecutorService create() {
            return this == VIRTUAL ? Executors.newVirtualThreadPerTaskExecutor() : Executors.newSingleThreadExecutor();
        }
    }

    /** What the owner saw: what run threw and its interrupt flag right after. */
    record Outcome(Throwable thrown, boolean interruptedAfter) {
    }

    /**
     * shutdownNow on the executor whose task owns a group, while that task waits in the group's
     * exit: the group's children are cancelled, run throws {@link CancelledException}, and the
     * interrupt flag is still set for the owner's code.
     */
    @ParameterizedTest
    @EnumSource(Pool.class)
    void externalInterruptOfOwnerInGroupExitCancelsChildrenAndStaysVisible(Pool pool) throws Throwable {
        interruptOwnerFromOutside(pool, OwnerWaits.IN_GROUP_EXIT);
    }

    /**
     * The same while the owner's body waits in {@link Weft#sleep}: children cancelled, run throws
     * {@link CancelledException}, the interrupt flag is still set.
     */
    @ParameterizedTest
    @EnumSource(Pool.class)
    void externalInterruptOfOwnerInWeftSleepCancelsChildrenAndStaysVisible(Pool pool) throws Throwable {
        interruptOwnerFromOutside(pool, OwnerWaits.IN_WEFT_SLEEP);
    }

    private static void interruptOwnerFromOutside(Pool pool, OwnerWaits where) throws Exception {
        ExecutorService executor = pool.create();
        List<Task<?>> children = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> ownerThread = new AtomicReference<>();
        CountDownLatch childrenBlocked = new CountDownLatch(2);
        Future<Outcome> f = executor.submit(() -> {
            ownerThread.set(Thread.currentThread());
            Throwable thrown = null;
            try {
                TaskGroup.run(g -> {
                    children.add(g.spawn(() -> {
                        childrenBlocked.countDown();
                        Weft.sleep(FOREVER);
                    }));
                    children.add(g.spawn(() -> {
                        childrenBlocked.countDown();
                        Thread.sleep(FOREVER);
                    }));
                    if (where == OwnerWaits.IN_WEFT_SLEEP) {
                        Weft.sleep(FOREVER);
                    }
                    return "body";
                });
            } catch (Throwable t) {
                thrown = t;
            }
            return new Outcome(thrown, Thread.currentThread().isInterrupted());
        });
        try {
            await(childrenBlocked, "children blocked");
            awaitCondition(() -> ownerThread.get() != null
                    && (ownerThread.get().getState() == Thread.State.WAITING
                    || ownerThread.get().getState() == Thread.State.TIMED_WAITING), "owner blocked");
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "the owner did not stop");
        } finally {
            executor.shutdownNow();
        }
        Outcome o = f.get();
        assertInstanceOf(CancelledException.class, o.thrown());
        assertTrue(o.interruptedAfter(), "the outside interrupt was swallowed");
        TestSupport.assertAllFinished(children, "after shutdownNow");
        children.forEach(t -> assertEquals(Task.State.CANCELLED, t.state(), t::toString));
    }

    /**
     * Decided and tested: an outside interrupt that hits the owner's body inside a JDK call (the
     * body's InterruptedException, which weft did not cause) is a cancellation of the group, as the
     * same interrupt arriving in a weft call or in the group's exit is: the children are
     * cancelled, run throws CancelledException with the InterruptedException as cause, and the
     * interrupt, consumed by the JDK call, is restored so the caller still sees it.
     */
    @Test
    void externalInterruptOfBodyInAJdkCallCancelsTheGroupAndStaysVisible() throws Throwable {
        List<Task<?>> children = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        CountDownLatch childBlocked = new CountDownLatch(1);
        Background owner = Background.start(ThreadKind.VIRTUAL, "owner", () -> {
            try {
                TaskGroup.run(g -> {
                    children.add(g.spawn(() -> {
                        childBlocked.countDown();
                        Weft.sleep(FOREVER);
                    }));
                    Thread.sleep(FOREVER);
                    return null;
                });
            } catch (Throwable t) {
                thrown.set(t);
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        await(childBlocked, "child blocked");
        awaitCondition(() -> owner.thread().getState() == Thread.State.TIMED_WAITING, "owner sleeping");
        owner.thread().interrupt();
        owner.join();
        CancelledException ce = assertInstanceOf(CancelledException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, ce.getCause());
        assertTrue(interruptedAfter.get(), "the outside interrupt stays visible");
        assertEquals(Task.State.CANCELLED, children.getFirst().state());
    }
}
