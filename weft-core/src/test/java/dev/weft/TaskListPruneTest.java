package dev.weft;

import static dev.weft.TestSupport.PROMPT;
import static dev.weft.TestSupport.awaitCondition;
import static dev.weft.TestSupport.identitySet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pruning of a task group's list (see {@link TaskGroup}'s overview): completed tasks stay in
 * the list until one pruner takes them out in a batch, while spawns link at the head and readers
 * walk without a lock. Checked: no live task is ever missing from the list (a snapshot, and the
 * final cancellation, reach every one), the list stays short when tasks complete, the count
 * reaches zero and the group ends, every failure is reported once, no thread outlives its group,
 * and, when no reader walked, no completed task keeps a link into the list.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskListPruneTest {
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("weft.stress.seconds", 12) / 2);
    private static final int MIN_ITERATIONS = 40;
    private static final int PER_SPAWNER = 150;
    /**
     * Completed tasks the list may hold beyond the slack when every task has completed: those
     * whose completion was between its count and its mark while the last pruning pass ran.
     */
    private static final int MARGIN = 8;

    /**
     * Pruning races spawns, completions, reads and the final cancel without losing a live task,
     * and leaves a short list.
     */
    @Tag("stress")
    @Test
    void pruningRacesSpawnsAndReadsWithoutLosingALiveTask() throws Exception {
        TestSupport.seededIterations("TaskListPruneTest", BUDGET, MIN_ITERATIONS, TaskListPruneTest::bounded);
    }

    /**
     * Runs one iteration on its own thread and fails if it does not end in time: a broken list
     * or count makes the group's exit wait forever (it is not interruptible), which would
     * otherwise hang the test instead of failing it.
     */
    private static void bounded(long seed, int iteration) throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().name("prune-iteration-" + iteration).start(() -> {
            try {
                iteration(seed, iteration);
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        Duration bound = PROMPT.multipliedBy(3);
        if (!t.join(bound)) {
            fail("iteration " + iteration + ", seed " + seed + ": did not end within " + bound
                    + " (a live task lost from the list, or a count that never reaches zero): "
                    + Arrays.toString(t.getStackTrace()));
        }
        if (failed.get() instanceof Exception e) {
            throw e;
        }
        if (failed.get() instanceof Error e) {
            throw e;
        }
    }

    private static void iteration(long seed, int iteration) throws Exception {
        String where = "iteration " + iteration + ", seed " + seed;
        // Every third iteration has failing tasks, which cancel the group early: the sleepers
        // then end before the final cancel and are not expected in every snapshot.
        boolean failing = iteration % 3 == 2;
        Queue<Task<?>> spawned = new ConcurrentLinkedQueue<>();
        Queue<Task<?>> shortLived = new ConcurrentLinkedQueue<>();
        Queue<Task<?>> sleepers = new ConcurrentLinkedQueue<>();
        Set<Throwable> thrown = Collections.synchronizedSet(identitySet());
        AtomicReference<String> broken = new AtomicReference<>();
        TaskGroup[] group = new TaskGroup[1];
        Throwable escaped = null;
        try {
            TaskGroup.run("prune", g -> {
                group[0] = g;
                CountDownLatch go = new CountDownLatch(1);
                AtomicBoolean spawning = new AtomicBoolean(true);
                List<Thread> spawners = new ArrayList<>();
                for (int s = 0; s < 2; s++) {
                    Random rnd = new Random(seed + s);
                    Runnable spawner = () -> {
                        TestSupport.awaitStart(go);
                        for (int i = 0; i < PER_SPAWNER; i++) {
                            int kind = rnd.nextInt(10);
                            if (kind == 0) {
                                Task<?> t = g.spawn(() -> Weft.sleep(Duration.ofHours(1))); // until the cancel
                                spawned.add(t);
                                sleepers.add(t);
                            } else if (kind == 1 && failing) {
                                spawned.add(g.spawn(() -> {
                                    RuntimeException e = new IllegalStateException("planned");
                                    thrown.add(e);
                                    throw e;
                                }));
                            } else {
                                Task<?> t = kind < 5 ? g.spawn(() -> 1) : g.spawn(Thread::onSpinWait);
                                spawned.add(t);
                                shortLived.add(t);
                            }
                        }
                    };
                    spawners.add(s == 0 ? Thread.ofPlatform().start(spawner) : Thread.ofVirtual().start(spawner));
                }
                Thread reader = Thread.ofPlatform().start(() -> {
                    TestSupport.awaitStart(go);
                    while (spawning.get()) {
                        List<Task<?>> before = failing ? List.of() : List.copyOf(sleepers);
                        String problem = TestSupport.snapshotProblem(g.liveTasks(), before);
                        if (problem != null) {
                            broken.compareAndSet(null, problem);
                        }
                    }
                });
                go.countDown();
                CancelScope.shield(() -> {
                    for (Thread t : spawners) {
                        t.join();
                    }
                    spawning.set(false);
                    reader.join();
                    if (!failing) {
                        // Every short task completes; then (once the last pruning pass, which
                        // may still run, has ended) the list holds the sleepers and at most as
                        // many completed tasks as sleepers, plus the slack and a margin.
                        awaitCondition(() -> g.liveCount() == sleepers.size(), where + ": short tasks to complete");
                        int bound = 2 * sleepers.size() + TaskGroup.PRUNE_SLACK + MARGIN;
                        awaitCondition(() -> g.listed() <= bound, where + ": at most " + bound
                                + " tasks listed with " + sleepers.size() + " live (" + g.listed() + " listed)");
                    }
                    return null;
                });
                g.cancel();
                // The cancel must reach every sleeper through the list. One it missed is
                // reported and cancelled directly, so the group still ends and the test fails
                // with a message instead of waiting forever.
                CancelScope.shield(() -> {
                    long end = System.nanoTime() + PROMPT.toNanos();
                    while (!sleepers.stream().allMatch(Task::isDone) && System.nanoTime() - end < 0) {
                        Thread.sleep(1);
                    }
                    for (Task<?> t : sleepers) {
                        if (!t.isDone()) {
                            broken.compareAndSet(null, "the group's cancel did not reach " + t);
                            t.cancel();
                        }
                    }
                    return null;
                });
                return null;
            });
        } catch (ExceptionGroup e) {
            escaped = e;
        }
        if (broken.get() != null) {
            fail(where + ": " + broken.get());
        }
        TestSupport.assertReportedOnce(escaped, thrown, where);
        assertEquals(2 * PER_SPAWNER, spawned.size(), where);
        TestSupport.assertAllFinished(spawned, where);
        for (Task<?> t : sleepers) {
            assertTrue(t.isCancelled(), where + ": sleeper " + t + " ended " + t.state());
        }
        assertEquals(0, group[0].liveCount(), where + ": live count after the group");
        assertEquals(0, group[0].listed(), where + ": tasks left in the list");
        assertFalse(Thread.currentThread().isInterrupted(), where + ": interrupt leaked");
        assertTrue(shortLived.stream().allMatch(Task::isDone), where);
    }

    /** A body that spawns and joins one task at a time keeps its group's list short. */
    @Test
    void oneTaskAtATimeKeepsTheListShort() throws Exception {
        TaskGroup.run(g -> {
            for (int i = 0; i < 2_000; i++) {
                g.spawn(() -> 1).join();
            }
            awaitCondition(() -> g.liveCount() == 0, "the last task to leave the count");
            awaitCondition(() -> g.listed() <= TaskGroup.PRUNE_SLACK + MARGIN,
                    "at most " + (TaskGroup.PRUNE_SLACK + MARGIN) + " tasks listed, none live");
            return null;
        });
    }

    /**
     * With no reader, a task that pruning took out of the list and a task still listed when the
     * group ended keep no link into the list.
     */
    @Test
    void prunedAndDroppedTasksKeepNoLinkWhenNoReaderWalks() throws Exception {
        List<Task<?>> tasks = new ArrayList<>();
        TaskGroup.run(g -> {
            for (int i = 0; i < 2_000; i++) {
                Task<Integer> t = g.spawn(() -> 1);
                tasks.add(t);
                t.join();
            }
            return null;
        });
        for (Task<?> t : tasks) {
            assertNull(t.next, () -> t + " still links to the next task");
        }
    }
}
