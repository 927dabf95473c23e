package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Task#current()} is asyncio's {@code current_task()}: the task the calling code runs in,
 * through nested scopes and generator steps; empty outside every task.
 */
class CurrentTaskTest {

    /** A thread weft did not start as a task has no current task. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void noTaskOutsideTasks(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> assertEquals(Optional.empty(), Task.current()));
    }

    /** Inside a task, current() is that task, with its name, also inside nested scopes. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void insideATaskItIsThatTask(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<?>> seen = new AtomicReference<>();
            AtomicReference<Task<?>> nested = new AtomicReference<>();
            Task<?>[] spawned = new Task<?>[1];
            TaskGroup.run(g -> {
                assertEquals(Optional.empty(), Task.current(), "a group body on a thread that is not a task");
                spawned[0] = g.spawn("worker", () -> {
                    seen.set(Task.current().orElseThrow());
                    Timeout.failAfter(Duration.ofSeconds(30), () -> CancelScope.shield(() ->
                            CancelScope.run(s -> {
                                nested.set(Task.current().orElseThrow());
                                return null;
                            })));
                    return null;
                });
                return null;
            });
            assertSame(spawned[0], seen.get());
            assertSame(spawned[0], nested.get());
            assertEquals("worker", seen.get().name());
        });
    }

    /** The body of a group run inside a task belongs to that task; the inner group's tasks are their own. */
    @Test
    void nestedGroupBodyBelongsToTheEnclosingTask() {
        List<String> names = new ArrayList<>();
        TaskGroup.run(outer -> outer.spawn("outer-task", () -> TaskGroup.run(inner -> {
            names.add(Task.current().map(Task::name).orElse("none"));
            String child = inner.spawn("inner-task", () -> Task.current().map(Task::name).orElse("none")).join();
            names.add(child);
            return null;
        })));
        assertEquals(List.of("outer-task", "inner-task"), names);
    }

    /** Many tasks at once each see themselves. */
    @Test
    void concurrentTasksEachSeeThemselves() {
        int n = 200;
        List<Task<Boolean>> tasks = new ArrayList<>();
        TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                tasks.add(g.spawn("t" + i, () -> {
                    Weft.sleep(Duration.ofMillis(1));
                    return Task.current().map(Task::name).orElseThrow().equals(Thread.currentThread().getName());
                }));
            }
            return null;
        });
        for (Task<Boolean> t : tasks) {
            assertTrue(t.join(), t.name());
        }
    }

    /** A worker of a wrapped executor runs the submitter's context, not its task: no current task. */
    @Test
    void executorWorkerIsNotATask() throws Exception {
        ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor());
        try {
            Optional<Task<?>> inWorker = TaskGroup.run(g -> g.spawn(() ->
                    pool.submit((java.util.concurrent.Callable<Optional<Task<?>>>) Task::current).get(10, TimeUnit.SECONDS)).join());
            assertEquals(Optional.empty(), inWorker);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** A generator consumed by a plain thread has no current task in its steps. */
    @Test
    void generatorConsumedOutsideTasksHasNoCurrentTask() {
        try (Generator<Optional<Task<?>>> g = Generator.of(out -> out.yield(Task.current()))) {
            assertEquals(Optional.empty(), g.next());
        }
    }

    /**
     * A generator step runs in place of the task that consumes it: current() in the body is the
     * consuming task (its name visible, as asyncio's current_task().get_name() in seed 000),
     * also when the generator was created by another task.
     */
    @Test
    void generatorStepSeesTheConsumingTask() {
        List<String> names = new ArrayList<>();
        TaskGroup.run(g -> {
            Task<?> consumer = g.spawn("conn-1", () -> {
                try (Generator<String> gen = Generator.of(out -> {
                    out.yield(Task.current().map(Task::name).orElse("none"));
                    out.yield(Task.current().map(Task::name).orElse("none"));
                })) {
                    gen.forEachRemaining(names::add);
                }
                return null;
            });
            consumer.join();
            return null;
        });
        assertEquals(List.of("conn-1", "conn-1"), names);
    }
}
