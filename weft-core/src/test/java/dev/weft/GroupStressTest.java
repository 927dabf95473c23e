package dev.weft;

import static dev.weft.TestSupport.PROMPT;
import static dev.weft.TestSupport.identitySet;
import static dev.weft.TestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.TestSupport.ThreadKind;
import java.io.PrintWriter;
import java.io.Serial;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random trees of task groups (depth up to 4) whose tasks fail, sleep in weft and in JDK calls,
 * spawn siblings and subgroups, cancel their group, while a canceller thread cancels random
 * tasks, groups and the enclosing scope at random moments. After every iteration:
 * <ul>
 * <li>run threw exactly the failures the tasks and bodies threw: the leaves of the
 *     ExceptionGroup tree are, by identity, the set of exceptions recorded as they were thrown,
 *     each once; nothing else escapes (no CancelledException, no stray InterruptedException);
 * <li>every task spawned is done and its thread has terminated;
 * <li>the owner's interrupt flag is clear and its current cancel scope is the one it had before.
 * </ul>
 * The tree and the canceller's schedule come from a seeded {@link Random}, so an iteration's
 * shape is reproducible (timing is not); the seed is in every failure message and can be forced
 * with {@code -Dweft.stress.seed=<n>}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("stress")
class GroupStressTest {
    /** Time given to each owner kind; with the fixed costs the class stays near 30 s. */
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("weft.stress.seconds", 12));
    private static final int MAX_ITERATIONS = 50_000;
    /** Below this many iterations in the budget the test proves too little: fail rather than pass. */
    private static final int MIN_ITERATIONS = 300;
    private static final int MAX_DEPTH = 4;

    private static ScheduledExecutorService feeder;

    @BeforeAll
    static void startFeeder() {
        feeder = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stress-feeder");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stopFeeder() throws InterruptedException {
        feeder.shutdownNow();
        assertTrue(feeder.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** Random trees owned by the platform test thread: every failure reported once, nothing leaked. */
    @Test
    void randomTreesOwnedByAPlatformThreadReportEveryFailureOnceAndLeakNothing() throws Throwable {
        stress(masterSeed());
    }

    /** Random trees owned by a virtual thread: every failure reported once, nothing leaked. */
    @Test
    void randomTreesOwnedByAVirtualThreadReportEveryFailureOnceAndLeakNothing() throws Throwable {
        long seed = masterSeed();
        ThreadKind.VIRTUAL.run(() -> stress(seed));
    }

    private static long masterSeed() {
        Long forced = Long.getLong("weft.stress.seed");
        return forced != null ? forced : System.nanoTime();
    }

    private static void stress(long masterSeed) throws InterruptedException {
        Random master = new Random(masterSeed);
        long end = System.nanoTime() + BUDGET.toNanos();
        int iterations = 0;
        int withFailures = 0;
        int tasks = 0;
        while (iterations < MAX_ITERATIONS && System.nanoTime() - end < 0) {
            long seed = master.nextLong();
            Outcome o = iteration(seed, "master seed " + masterSeed + ", iteration " + iterations);
            iterations++;
            withFailures += o.failed ? 1 : 0;
            tasks += o.tasks;
        }
        System.out.printf("GroupStressTest on %s thread: master seed %d, %d iterations, %d with failures,"
                + " %d tasks%n", Thread.currentThread().isVirtual() ? "a virtual" : "a platform", masterSeed,
                iterations, withFailures, tasks);
        assertTrue(iterations >= MIN_ITERATIONS, "only " + iterations + " iterations in " + BUDGET
                + " (master seed " + masterSeed + ")");
        assertTrue(withFailures > 0 && withFailures < iterations,
                "the random trees should mix failing and clean runs: " + withFailures + "/" + iterations);
    }

    private record Outcome(boolean failed, int tasks) {
    }

    // ---------------------------------------------------------------------------------------
    // The plan of one iteration: drawn from the seed before anything runs.

    /** What a task does. */
    enum Kind {
        SUCCEED(1), FAIL(1), FAIL_AFTER_SLEEP(2), WEFT_SLEEP(3), THREAD_SLEEP(2), QUEUE_TAKE(2), SUBGROUP(2),
        FAIL_IN_CLEANUP(2), SPAWN_SIBLING(1), CANCEL_GROUP(1);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    /** How a group's body ends, after spawning its tasks. */
    enum BodyEnd {
        RETURN(3), FAIL(1), WEFT_SLEEP(2), THREAD_SLEEP(2), SUBGROUP(2), FAIL_IN_CLEANUP(1);

        final int weight;

        BodyEnd(int weight) {
            this.weight = weight;
        }
    }

    record TaskPlan(Kind kind, int micros, GroupPlan sub, TaskPlan sibling) {
    }

    record GroupPlan(List<TaskPlan> tasks, List<Integer> pausesMicros, BodyEnd end, int endMicros, GroupPlan endSub) {
    }

    record CancelEvent(int delayMicros, int target) {
    }

    record Plan(GroupPlan root, List<CancelEvent> cancels) {
    }

    static Plan plan(Random rnd) {
        GroupPlan root = group(rnd, 1);
        List<CancelEvent> cancels = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            cancels.add(new CancelEvent(rnd.nextInt(3000), rnd.nextInt(1 << 16)));
        }
        return new Plan(root, cancels);
    }

    private static GroupPlan group(Random rnd, int depth) {
        int n = rnd.nextInt(5);
        List<TaskPlan> tasks = new ArrayList<>();
        List<Integer> pauses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pauses.add(rnd.nextBoolean() ? 0 : rnd.nextInt(500));
            tasks.add(task(rnd, depth, true));
        }
        BodyEnd end = pick(rnd, BodyEnd.values(), e -> e.weight, e -> e != BodyEnd.SUBGROUP || depth < MAX_DEPTH);
        GroupPlan sub = end == BodyEnd.SUBGROUP ? group(rnd, depth + 1) : null;
        return new GroupPlan(tasks, pauses, end, rnd.nextInt(2000), sub);
    }

    private static TaskPlan task(Random rnd, int depth, boolean mayHaveSibling) {
        Kind k = pick(rnd, Kind.values(), x -> x.weight,
                x -> (x != Kind.SUBGROUP || depth < MAX_DEPTH) && (x != Kind.SPAWN_SIBLING || mayHaveSibling));
        GroupPlan sub = k == Kind.SUBGROUP ? group(rnd, depth + 1) : null;
        TaskPlan sibling = k == Kind.SPAWN_SIBLING ? task(rnd, depth, false) : null;
        return new TaskPlan(k, rnd.nextInt(2000), sub, sibling);
    }

    private static <E> E pick(Random rnd, E[] values, java.util.function.ToIntFunction<E> weight,
            java.util.function.Predicate<E> allowed) {
        int total = 0;
        for (E v : values) {
            total += allowed.test(v) ? weight.applyAsInt(v) : 0;
        }
        int x = rnd.nextInt(total);
        for (E v : values) {
            if (allowed.test(v)) {
                x -= weight.applyAsInt(v);
                if (x < 0) {
                    return v;
                }
            }
        }
        throw new AssertionError();
    }

    // ---------------------------------------------------------------------------------------
    // Running one iteration.

    /** A failure thrown on purpose; its identity is recorded before it is thrown. */
    static final class StressFailure extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        StressFailure(String where) {
            super(where, null, false, false);
        }
    }

    /** The state of one iteration, shared by its tasks. */
    private static final class Run {
        final long seed;
        final Set<Throwable> thrown = identitySet();
        final Queue<Task<?>> tasks = new ConcurrentLinkedQueue<>();
        /** Tasks, groups and the enclosing scope, in order of appearance: what the canceller may hit. */
        final List<Object> targets = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();

        Run(long seed) {
            this.seed = seed;
        }

        StressFailure fail(String where) {
            StressFailure e = new StressFailure("seed " + seed + " failure " + failures.incrementAndGet() + " at "
                    + where);
            thrown.add(e);
            return e;
        }

        Object group(GroupPlan p, String path) {
            return TaskGroup.run(g -> {
                targets.add(g);
                for (int i = 0; i < p.tasks().size(); i++) {
                    pause(p.pausesMicros().get(i));
                    spawn(g, p.tasks().get(i), path + "/" + i);
                }
                return switch (p.end()) {
                    case RETURN -> path;
                    case FAIL -> throw fail(path + " body");
                    case WEFT_SLEEP -> {
                        Weft.sleep(micros(p.endMicros()));
                        yield path;
                    }
                    case THREAD_SLEEP -> {
                        Thread.sleep(micros(p.endMicros()));
                        yield path;
                    }
                    case SUBGROUP -> group(p.endSub(), path + "/body");
                    case FAIL_IN_CLEANUP -> {
                        try {
                            Weft.sleep(micros(p.endMicros()));
                        } catch (CancelledException c) {
                            throw fail(path + " body cleanup");
                        }
                        yield path;
                    }
                };
            });
        }

        void spawn(TaskGroup g, TaskPlan t, String path) {
            Task<Object> task = g.spawn(() -> task(g, t, path));
            tasks.add(task);
            targets.add(task);
        }

        Object task(TaskGroup g, TaskPlan t, String path) throws Exception {
            Duration d = micros(t.micros());
            switch (t.kind()) {
                case SUCCEED -> {
                    return path;
                }
                case FAIL -> throw fail(path);
                case FAIL_AFTER_SLEEP -> {
                    Weft.sleep(d);
                    throw fail(path);
                }
                case WEFT_SLEEP -> Weft.sleep(d);
                case THREAD_SLEEP -> Thread.sleep(d);
                case QUEUE_TAKE -> {
                    BlockingQueue<String> q = new LinkedBlockingQueue<>();
                    feeder.schedule(() -> q.add("fed"), t.micros(), TimeUnit.MICROSECONDS);
                    return q.take();
                }
                case SUBGROUP -> {
                    return group(t.sub(), path);
                }
                case FAIL_IN_CLEANUP -> {
                    try {
                        Weft.sleep(d);
                    } catch (CancelledException c) {
                        throw fail(path + " cleanup");
                    }
                }
                case SPAWN_SIBLING -> spawn(g, t.sibling(), path + "+");
                case CANCEL_GROUP -> {
                    Weft.sleep(d);
                    g.cancel();
                }
            }
            return path;
        }

        private static void pause(int micros) {
            if (micros > 0) {
                Weft.sleep(micros(micros));
            }
        }

        private static Duration micros(int micros) {
            return Duration.ofNanos(micros * 1000L);
        }

        void cancel(Object target) {
            switch (target) {
                case Task<?> t -> t.cancel();
                case TaskGroup g -> g.cancel();
                case CancelScope s -> s.cancel();
                default -> throw new AssertionError(target);
            }
        }
    }

    private static Outcome iteration(long seed, String where) throws InterruptedException {
        Plan plan = plan(new Random(seed));
        Run r = new Run(seed);
        AtomicBoolean finished = new AtomicBoolean();
        Thread canceller = Thread.ofVirtual().name("stress-canceller").start(() -> {
            for (CancelEvent ev : plan.cancels()) {
                LockSupport.parkNanos(ev.delayMicros() * 1000L);
                if (finished.get()) {
                    return;
                }
                List<Object> targets = r.targets;
                if (!targets.isEmpty()) {
                    r.cancel(targets.get(ev.target() % targets.size()));
                }
            }
        });
        CancelScope before = CancelScope.current();
        Throwable out = null;
        try {
            CancelScope.run(s -> {
                r.targets.add(s);
                return r.group(plan.root(), "root");
            });
        } catch (Throwable t) {
            out = t;
        }
        finished.set(true);
        String context = "seed " + seed + " (" + where + "), plan " + plan;
        if (!canceller.join(PROMPT)) {
            fail(context + ": the canceller did not finish");
        }
        check(r, out, context);
        TestSupport.assertAllFinished(r.tasks, context);
        assertFalse(Thread.interrupted(), () -> context + ": the owner's interrupt flag leaked");
        assertSame(before, CancelScope.current(), () -> context + ": the owner's cancel scope leaked");
        return new Outcome(!r.thrown.isEmpty(), r.tasks.size());
    }

    /** The failures thrown by run are, by identity and each once, the ones the tasks threw. */
    private static void check(Run r, Throwable out, String context) {
        Set<Throwable> expected = r.thrown;
        if (expected.isEmpty()) {
            if (out != null) {
                fail(context + ": no task failed, yet run threw " + stackTrace(out));
            }
            return;
        }
        if (!(out instanceof ExceptionGroup eg)) {
            fail(context + ": " + expected.size() + " failures thrown, yet run "
                    + (out == null ? "returned normally" : "threw " + stackTrace(out)));
            return;
        }
        List<Throwable> reported = leaves(eg);
        Set<Throwable> reportedSet = identitySet();
        List<Throwable> duplicates = new ArrayList<>();
        for (Throwable t : reported) {
            if (!reportedSet.add(t)) {
                duplicates.add(t);
            }
        }
        List<Throwable> lost = new ArrayList<>();
        synchronized (expected) {
            for (Throwable t : expected) {
                if (!reportedSet.contains(t)) {
                    lost.add(t);
                }
            }
        }
        List<Throwable> extra = reported.stream().filter(t -> !expected.contains(t)).toList();
        if (!duplicates.isEmpty() || !lost.isEmpty() || !extra.isEmpty()) {
            fail(context + ": failures reported twice " + duplicates + ", lost " + lost + ", not thrown by a task "
                    + extra + "; run threw " + stackTrace(eg));
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
