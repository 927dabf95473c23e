package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a {@link TaskGroup} lives: the body and the tasks it spawns, spawning at any time (also from
 * tasks while the owner waits in the exit), names, and what is refused once the group has ended
 * (TG-01 to TG-04, TG-19, TG-25, TG-31 in {@code docs/semantics.md}). Behaviour tests run with the
 * group owned by a platform thread and by a virtual thread ({@link ThreadKind}). Failures are in
 * {@link TaskGroupFailureTest}, cancellation in {@link TaskGroupCancellationTest}, nested groups in
 * {@link NestedGroupsTest}, spawning from outside threads in {@link ForeignSpawnTest}, {@link Task}
 * itself in {@link TaskTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskGroupLifecycleTest {    private static final Duration TICK = Duration.ofMillis(1);

    /** Once run returns, every task is done and its result can be read (TG-01). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void resultsOfAllTasksAreReadableAfterExit(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void tasksCanBeSpawnedAtAnyPointOfTheBody(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void tasksSpawnedByTasksWhileOwnerWaitsInExitAreAwaited(ThreadKind owner) throws Throwable {
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
            TestSupport.assertAllFinished(all, "hydra");
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
    @EnumSource(ThreadKind.class)
    void cancellingOneTaskDoesNotDisturbSiblingsOrBody(ThreadKind owner) throws Throwable {
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
    @EnumSource(ThreadKind.class)
    void taskNamesDefaultToGroupNameAndIndexAndNameTheThread(ThreadKind owner) throws Throwable {
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
     * A task spawned into a group that is already cancelled starts, runs up to its first weft
     * blocking call and ends CANCELLED there; the group still waits for it (TG-31, TG-25).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void taskSpawnedIntoCancelledGroupStartsAndStopsAtFirstCheckpoint(ThreadKind owner) throws Throwable {
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
                TestSupport.joinQuietly(failing);
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
