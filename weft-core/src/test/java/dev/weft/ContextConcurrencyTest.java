package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contexts under real parallelism: many platform and virtual threads setting, copying and running
 * contexts at once; contexts read from other threads while their owner writes; threads racing to
 * enter one context.
 *
 * <p>Each test checks invariants on every iteration and collects every violation (the first few
 * are reported, with their count). Every thread a test starts is joined with a bound, and a
 * thread that does not finish fails the test. The whole class is bounded to well under 20 s.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@Tag("stress")
class ContextConcurrencyTest {
    private final ContextVar<Long> value = ContextVar.of("value");

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    /** A body run by worker {@code index}. */
    @FunctionalInterface
    private interface Worker {
        void run(int index) throws Exception;
    }

    /**
     * Starts {@code platform} platform threads and {@code virtual} virtual threads, released
     * together, each running {@code body} with its index; joins them all within a bound and fails
     * with every failure they reported.
     */
    private static void runAll(int platform, int virtual, Worker body) throws InterruptedException {
        int n = platform + virtual;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            Thread.Builder b = i < platform ? Thread.ofPlatform() : Thread.ofVirtual();
            threads.add(b.name("worker-" + i).start(() -> {
                try {
                    start.await();
                    body.run(index);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        start.countDown();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            long left = until - System.nanoTime();
            assertTrue(left > 0 && t.join(Duration.ofNanos(left)), () -> t.getName() + " did not finish");
        }
        assertFailures(failures);
    }

    private static void assertFailures(ConcurrentLinkedQueue<Throwable> failures) {
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " failure(s); the first: " + failures.peek());
            failures.stream().limit(5).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /**
     * Many threads (platform and virtual) set, copy, run and wrap contexts with the same variable
     * for thousands of iterations; each always reads its own values and nothing leaks between
     * threads or into copies.
     */
    @Test
    void manyThreadsSetCopyAndRunWithoutLeaks() throws Exception {
        int iterations = 3000;
        ContextVar<Long> other = ContextVar.of("other", -1L);
        runAll(4, 12, index -> {
            long base = (long) (index + 1) << 32;
            for (int i = 0; i < iterations; i++) {
                long mine = base + i;
                Token<Long> t = value.set(mine);
                check(value.get() == mine, "get after set");
                Context copy = Context.copyCurrent();
                check(copy.get(value) == mine, "copy holds the value");
                copy.run(() -> {
                    check(value.get() == mine, "run in a copy sees the value");
                    value.set(-mine);
                    other.set(mine);
                    check(value.get() == -mine, "set inside the copy");
                });
                check(value.get() == mine, "the copy's set did not reach the thread's context");
                check(other.get() == -1L, "nor the other variable");
                check(copy.get(value) == -mine && copy.get(other) == mine, "the copy kept its sets");
                Runnable wrapped = Context.wrap(() -> check(value.get() == mine, "wrap sees the value at wrap"));
                value.set(mine + 1);
                wrapped.run();
                Context.empty().run(() -> check(value.get(null) == null, "an empty context sees nothing"));
                check(value.get() == mine + 1, "back in the thread's context");
                t.close();
                check(value.get(null) == null, "reset to unset");
            }
        });
    }

    /** Concurrent tasks in one group each set, spawn and read the same variable without seeing another task's value. */
    @Test
    void concurrentTasksSettingAndSpawningNeverSeeEachOthersValues() {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger checks = new AtomicInteger();
        Context.empty().run(() -> TaskGroup.run(g -> {
            for (int task = 0; task < 32; task++) {
                long id = (long) (task + 1) << 32;
                g.spawn(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            long mine = id + i;
                            value.set(mine);
                            Thread.yield();
                            check(value.get() == mine, "own value after yield");
                            if (i % 50 == 0) {
                                long seen = TaskGroup.run(inner -> inner.spawn(() -> {
                                    long v = value.get();
                                    value.set(v + 1);
                                    return v;
                                }).join());
                                check(seen == mine, "a child sees the spawner's value");
                                check(value.get() == mine, "the child's set stayed in the child");
                            }
                            checks.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                });
            }
            return null;
        }));
        assertFailures(failures);
        assertEquals(32 * 200, checks.get());
        assertNull(value.get(null));
    }

    /** Values of a context read from another thread: an immutable pair, and a fork variable's flag. */
    private record Pair(long x, long y) {
    }

    /** A fork variable's value: {@code forked} is true in every copy. */
    private record Box(long n, boolean forked) {
    }

    /**
     * A context shared by reference: while its owner enters it again and again and sets four
     * variables in a fixed order (a, pair, box, b), readers on other threads call ctx.get and
     * ctx.copy. A copy is one snapshot: it never shows b ahead of box or box ahead of a, the pair
     * is never torn, and a fork variable present in a copy has always been forked.
     */
    @Test
    void contextSharedBetweenThreadsIsReadConsistently() throws Exception {
        ContextVar<Long> a = ContextVar.of("a");
        ContextVar<Long> b = ContextVar.of("b");
        ContextVar<Pair> pair = ContextVar.of("pair");
        ContextVar<Box> box = ContextVar.<Box>builder("box").onFork(x -> new Box(x.n(), true)).build();
        Context ctx = Context.empty();
        AtomicBoolean ownerDone = new AtomicBoolean();
        AtomicInteger snapshots = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        int readers = 4;
        runAll(2, readers, index -> {
            if (index == 0) {
                try {
                    for (long i = 1; i <= 200_000 && System.nanoTime() < deadline; i++) {
                        long n = i;
                        ctx.run(() -> {
                            a.set(n);
                            pair.set(new Pair(n, -n));
                            box.set(new Box(n, false));
                            b.set(n);
                        });
                    }
                } finally {
                    ownerDone.set(true);
                }
                return;
            }
            int reads = 0;
            while (!ownerDone.get() || reads < 1000) {
                Pair p = ctx.get(pair);
                check(p == null || p.x() == -p.y(), "torn pair " + p);
                Context snap = ctx.copy();
                Long av = snap.get(a);
                Long bv = snap.get(b);
                Box bx = snap.get(box);
                Pair sp = snap.get(pair);
                if (av == null) {
                    check(bv == null && bx == null && sp == null, "a is unset but later variables are set");
                } else {
                    long bn = bv == null ? 0 : bv;
                    long fn = bx == null ? 0 : bx.n();
                    check(bn <= fn && fn <= av && av <= bn + 1,
                            "snapshot not in set order: a=" + av + " box=" + fn + " b=" + bn);
                    // Only in the owner's first round can a be set while pair is not yet.
                    check(sp == null ? av == 1 && bx == null : sp.x() >= fn && sp.x() <= av,
                            "pair outside the snapshot: " + sp + " a=" + av + " box=" + fn);
                    check(bx == null || bx.forked(), "a fork variable in a copy was not forked");
                    check(snap.size() == snap.vars().size() && snap.size() <= 4, "hidden entries visible");
                }
                if (reads % 64 == 0) {
                    // The same snapshot read through ContextVar.get (its per-variable cache).
                    snap.run(() -> {
                        Long in = a.get(null);
                        check(Objects.equals(in, av), "get inside the copy differs from Context.get");
                    });
                }
                reads++;
                snapshots.incrementAndGet();
            }
        });
        assertTrue(snapshots.get() >= readers * 1000);
        assertTrue(ctx.get(a) != null && ctx.get(a).equals(ctx.get(b)), "after the owner: a == b");
    }

    /**
     * CXO-07 under contention: in every round four threads (two platform, two virtual) race to
     * enter one context. Exactly one wins each round; every other one gets IllegalStateException;
     * the winner sees the value the previous round's winner set.
     */
    @Test
    void threadsRacingToEnterAContextExactlyOneWinsEachRound() throws Exception {
        int rounds = 400;
        int racers = 4;
        Context ctx = Context.empty();
        CyclicBarrier barrier = new CyclicBarrier(racers);
        CountDownLatch[] outcomes = new CountDownLatch[rounds];
        for (int r = 0; r < rounds; r++) {
            outcomes[r] = new CountDownLatch(racers);
        }
        AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
        AtomicIntegerArray losers = new AtomicIntegerArray(rounds);
        runAll(2, 2, index -> {
            for (int r = 0; r < rounds; r++) {
                barrier.await(10, TimeUnit.SECONDS);
                int round = r;
                CountDownLatch outcome = outcomes[r];
                Runnable body = () -> {
                    winners.incrementAndGet(round);
                    long previous = value.get(-1L);
                    check(previous == round - 1, "round " + round + " saw " + previous);
                    value.set((long) round);
                    outcome.countDown();
                    try {
                        // Hold the context until every other racer has had its outcome.
                        check(outcome.await(10, TimeUnit.SECONDS), "round " + round + ": racers never reported");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                };
                try {
                    if ((index + r) % 2 == 0) {
                        ctx.run(body);
                    } else {
                        ctx.call(() -> {
                            body.run();
                            return null;
                        });
                    }
                } catch (IllegalStateException e) {
                    check(e.getMessage().contains("already entered"), e.getMessage());
                    losers.incrementAndGet(round);
                    outcome.countDown();
                }
            }
        });
        for (int r = 0; r < rounds; r++) {
            assertEquals(1, winners.get(r), "winners in round " + r);
            assertEquals(racers - 1, losers.get(r), "losers in round " + r);
        }
        assertEquals((long) rounds - 1, ctx.get(value));
    }

    /**
     * TCI-04 done again and again: a task run in exactly ctx is joined, and the joiner enters ctx
     * at once. A joined task has always left ctx, so the joiner never gets IllegalStateException.
     */
    @Test
    void joinedTaskHasLeftItsGivenContext() {
        Context ctx = Context.empty();
        int rounds = 3000;
        int collisions = TaskGroup.run(g -> {
            int found = 0;
            for (int i = 0; i < rounds; i++) {
                long n = i;
                g.spawn(() -> value.set(n), ctx).join();
                try {
                    ctx.run(() -> check(value.get() == n, "the task's set is visible"));
                } catch (IllegalStateException e) {
                    found++;
                    awaitFree(ctx); // so that the next spawn tests this round's property only
                }
            }
            return found;
        });
        assertEquals(0, collisions, "times the joiner found ctx still entered by a joined task");
        assertEquals((long) rounds - 1, ctx.get(value));
    }

    /** Waits (bounded) until {@code ctx} can be entered. */
    private static void awaitFree(Context ctx) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            try {
                ctx.run(() -> { });
                return;
            } catch (IllegalStateException busy) {
                Thread.sleep(1);
            }
        }
        throw new AssertionError("ctx stayed entered for 5 s");
    }

    /**
     * TCI-04: tasks given the same ctx and run one after another in one group (each spawned after
     * the previous one was joined) never collide: the next task always finds ctx free.
     */
    @Test
    void tasksGivenTheSameContextOneAfterAnotherNeverCollide() {
        Context ctx = Context.empty();
        int rounds = 1500;
        int collisions = 0;
        for (int i = 0; i < rounds; i++) {
            long n = i;
            try {
                TaskGroup.run(g -> {
                    g.spawn(() -> value.set(2 * n), ctx).join();
                    return g.spawn(() -> value.set(2 * n + 1), ctx).join();
                });
            } catch (ExceptionGroup e) {
                check(e.exceptions().stream().anyMatch(x -> x instanceof IllegalStateException), e.toString());
                collisions++;
            }
        }
        assertEquals(0, collisions, "rounds in which the second task found ctx still entered by the joined first");
        assertEquals(2L * rounds - 1, ctx.get(value));
    }
}
