package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ContextExecutors#wrap(ScheduledExecutorService)} keeps scheduling: delayed and periodic
 * tasks run in a copy of the context current when they were scheduled.
 */
class ScheduledContextExecutorTest {
    private static final ContextVar<String> REQUEST = ContextVar.of("request", "-");

    /** A ScheduledExecutorService wraps to a ScheduledExecutorService (the overload is chosen at compile time). */
    @Test
    void wrappingAScheduledServiceKeepsItsType() {
        try (ScheduledExecutorService raw = Executors.newSingleThreadScheduledExecutor()) {
            ScheduledExecutorService wrapped = ContextExecutors.wrap(raw);
            ExecutorService asService = raw;
            assertInstanceOf(ScheduledExecutorService.class, wrapped);
            assertTrue(!(ContextExecutors.wrap(Executors.newVirtualThreadPerTaskExecutor()) instanceof ScheduledExecutorService));
            assertInstanceOf(ExecutorService.class, ContextExecutors.wrap(asService));
        }
    }

    /** schedule(Runnable) and schedule(Callable) run in the scheduler's context, taken at schedule time. */
    @Test
    void delayedTasksRunInTheSchedulersContext() throws Exception {
        try (ScheduledExecutorService timer = ContextExecutors.wrap(Executors.newSingleThreadScheduledExecutor())) {
            List<String> seen = new CopyOnWriteArrayList<>();
            ScheduledFuture<?> r;
            ScheduledFuture<String> c;
            try (Token<String> t = REQUEST.set("r-1")) {
                r = timer.schedule(() -> seen.add(REQUEST.get()), 20, TimeUnit.MILLISECONDS);
                c = timer.schedule((java.util.concurrent.Callable<String>) REQUEST::get, 10, TimeUnit.MILLISECONDS);
            }
            try (Token<String> later = REQUEST.set("changed after scheduling")) {
                assertEquals("r-1", c.get(10, TimeUnit.SECONDS));
                r.get(10, TimeUnit.SECONDS);
            }
            assertEquals(List.of("r-1"), seen);
        }
    }

    /**
     * Every run of a periodic task (fixed rate and fixed delay) sees the scheduler's values and a
     * fresh copy of them: what one run sets is not seen by the next, and the worker's own context
     * is restored between runs.
     */
    @Test
    void periodicRunsEachGetAFreshCopy() throws Exception {
        ScheduledExecutorService raw = Executors.newSingleThreadScheduledExecutor();
        try (ScheduledExecutorService timer = ContextExecutors.wrap(raw)) {
            for (boolean fixedRate : new boolean[] {true, false}) {
                List<String> seen = new CopyOnWriteArrayList<>();
                CountDownLatch threeRuns = new CountDownLatch(3);
                Runnable run = () -> {
                    seen.add(REQUEST.get());
                    REQUEST.set("set by a run");
                    threeRuns.countDown();
                };
                ScheduledFuture<?> f;
                try (Token<String> t = REQUEST.set("r-2")) {
                    f = fixedRate ? timer.scheduleAtFixedRate(run, 0, 5, TimeUnit.MILLISECONDS)
                            : timer.scheduleWithFixedDelay(run, 0, 5, TimeUnit.MILLISECONDS);
                }
                assertTrue(threeRuns.await(10, TimeUnit.SECONDS), "three periodic runs");
                f.cancel(false);
                assertTrue(seen.size() >= 3 && seen.stream().allMatch("r-2"::equals), seen::toString);
                assertEquals("-", raw.schedule((java.util.concurrent.Callable<String>) REQUEST::get, 0, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS),
                        "the worker's own context is restored after the periodic runs");
            }
        }
    }

    /** Null arguments of the scheduling methods fail with messages naming the parameter. */
    @Test
    void nullArgumentsAreRefusedClearly() {
        try (ScheduledExecutorService timer = ContextExecutors.wrap(Executors.newSingleThreadScheduledExecutor())) {
            NullPointerException command = assertThrows(NullPointerException.class,
                    () -> timer.schedule((Runnable) null, 1, TimeUnit.MILLISECONDS));
            assertTrue(command.getMessage().startsWith("command is null: "), command.getMessage());
            NullPointerException task = assertThrows(NullPointerException.class,
                    () -> timer.schedule((java.util.concurrent.Callable<String>) null, 1, TimeUnit.MILLISECONDS));
            assertTrue(task.getMessage().startsWith("task is null: "), task.getMessage());
            NullPointerException unit = assertThrows(NullPointerException.class,
                    () -> timer.scheduleAtFixedRate(() -> { }, 1, 1, null));
            assertTrue(unit.getMessage().startsWith("unit is null: "), unit.getMessage());
        }
    }
}
