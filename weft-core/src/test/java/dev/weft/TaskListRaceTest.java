package dev.weft;

import static dev.weft.TestSupport.identitySet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hammers a task group's list of live tasks (the list through the {@link Task} objects, see
 * {@link TaskGroup}'s overview): in every iteration, spawners on platform and virtual threads
 * spawn tasks into one group while earlier tasks end (returning, failing, being cancelled one by
 * one), readers walk the list ({@link TaskGroup#liveTasks} and the task tree), and the group is
 * finally cancelled. After every iteration:
 * <ul>
 * <li>every snapshot a reader took held no task twice, only tasks of this group, and every
 *     long-sleeping task whose spawn had returned before the snapshot began (such a task stays
 *     live until the final cancel, so a reader that missed it would have missed a live task);
 * <li>run threw exactly the failures the tasks threw, each once, by identity;
 * <li>every task spawned is done and its thread has ended (the final cancel reached every
 *     sleeper: none was missing from the list);
 * <li>the list is empty, and the owner's interrupt flag is clear.
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskListRaceTest {
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("weft.stress.seconds", 12));
    private static final int MIN_ITERATIONS = 50;
    private static final int SPAWNERS = 3;
    private static final int PER_SPAWNER = 60;

    @Tag("stress")
    @Test
    void spawnEndCancelAndReadRaceWithoutLosingATask() throws Exception {
        TestSupport.seededIterations("TaskListRaceTest (" + SPAWNERS * PER_SPAWNER + " tasks each)", BUDGET,
                MIN_ITERATIONS, TaskListRaceTest::iteration);
    }

    private static void iteration(long seed, int iteration) throws Exception {
        String where = "iteration " + iteration + ", seed " + seed;
        // Odd iterations have failing tasks, which cancel the group early: the sleepers are then
        // not expected in every snapshot (they end as the failure's cancellation reaches them).
        boolean failing = iteration % 2 == 1;
        Queue<Task<?>> spawned = new ConcurrentLinkedQueue<>();
        Queue<Task<?>> sleepers = new ConcurrentLinkedQueue<>();
        Queue<Task<?>> allSleepers = new ConcurrentLinkedQueue<>();
        Set<Throwable> thrown = identitySet();
        AtomicReference<String> broken = new AtomicReference<>();
        AtomicInteger snapshots = new AtomicInteger();
        TaskGroup[] group = new TaskGroup[1];
        Throwable escaped = null;
        try {
            TaskGroup.run("race", g -> {
                group[0] = g;
                AtomicBoolean spawning = new AtomicBoolean(true);
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> spawners = new ArrayList<>();
                for (int s = 0; s < SPAWNERS; s++) {
                    Random rnd = new Random(seed + s);
                    Runnable spawner = () -> {
                        TestSupport.awaitStart(go);
                        for (int i = 0; i < PER_SPAWNER; i++) {
                            int kind = rnd.nextInt(5);
                            if (kind == 1 && !failing) {
                                kind = 3;
                            }
                            Task<?> t = switch (kind) {
                                case 0 -> g.spawn(() -> {
                                    Weft.sleep(Duration.ofHours(1)); // until the final cancel
                                });
                                case 1 -> g.spawn(() -> {
                                    RuntimeException e = new IllegalStateException("planned");
                                    thrown.add(e);
                                    throw e;
                                });
                                case 2 -> g.spawn(() -> {
                                    Weft.sleep(Duration.ofMillis(rnd.nextInt(3)));
                                });
                                default -> g.spawn(() -> Thread.onSpinWait());
                            };
                            spawned.add(t);
                            if (kind == 0) {
                                allSleepers.add(t);
                                if (!failing) {
                                    sleepers.add(t);
                                }
                            } else if (kind == 2 && rnd.nextBoolean()) {
                                t.cancel();
                            }
                        }
                    };
                    spawners.add(s % 2 == 0 ? Thread.ofPlatform().start(spawner) : Thread.ofVirtual().start(spawner));
                }
                Runnable reader = () -> {
                    TestSupport.awaitStart(go);
                    while (spawning.get()) {
                        List<Task<?>> before = List.copyOf(sleepers);
                        List<Task<?>> seen = g.liveTasks();
                        snapshots.incrementAndGet();
                        String problem = TestSupport.snapshotProblem(seen, before);
                        if (problem != null) {
                            broken.compareAndSet(null, problem);
                        }
                        for (Task<?> t : seen) {
                            if (t.group() != g) {
                                broken.compareAndSet(null, "task " + t + " of another group");
                            }
                        }
                        if (snapshots.get() % 8 == 0) {
                            Weft.taskTree().toText();
                        }
                    }
                };
                Thread r1 = Thread.ofPlatform().start(reader);
                Thread r2 = Thread.ofVirtual().start(reader);
                go.countDown();
                // Shielded: a failing task cancels the body, which must still wait for the
                // spawners (the group would otherwise close to them).
                CancelScope.shield(() -> {
                    for (Thread t : spawners) {
                        t.join();
                    }
                    spawning.set(false);
                    r1.join();
                    r2.join();
                    return null;
                });
                g.cancel();
                return null;
            });
        } catch (ExceptionGroup e) {
            escaped = e;
        }
        if (broken.get() != null) {
            fail(where + ": " + broken.get());
        }
        TestSupport.assertReportedOnce(escaped, thrown, where);
        assertEquals(SPAWNERS * PER_SPAWNER, spawned.size(), where);
        TestSupport.assertAllFinished(spawned, where);
        for (Task<?> t : allSleepers) {
            assertTrue(t.isCancelled(), where + ": sleeper " + t + " ended " + t.state());
        }
        assertTrue(group[0].liveTasks().isEmpty(), where + ": tasks left in the list");
        assertFalse(Thread.currentThread().isInterrupted(), where + ": interrupt leaked");
    }

    /** With no reader active, a completed task keeps no link into the list (nothing retained). */
    @Test
    void aCompletedTaskKeepsNoLinkWhenNoReaderWalks() throws Exception {
        List<Task<?>> tasks = new ArrayList<>();
        TaskGroup.run(g -> {
            for (int i = 0; i < 200; i++) {
                tasks.add(g.spawn(() -> Weft.sleep(Duration.ofMillis(1))));
            }
            return null;
        });
        TestSupport.assertAllFinished(tasks, "after the group");
        for (Task<?> t : tasks) {
            assertNull(t.next, () -> t + " still links to the next task");
        }
    }
}
