package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The read caches of {@link ContextVar#get} (each variable's two entries, each owned by the
 * thread that filled it until that thread ends) never return a value other than the current
 * context's: not after a write, not after the context moved to another thread, not from another
 * thread's context, not across a generator step, not after an entry's owner ended.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextVarCacheTest {
    private final ContextVar<Long> a = ContextVar.of("a");
    private final ContextVar<Long> b = ContextVar.of("b");

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /**
     * A read served from the cache needs its context current on the reading thread: a read
     * inside {@link Context#run}, right after a cached read of the caller's context, sees the
     * entered context; nested runs likewise; after each run the caller's context is read again.
     */
    @Test
    void aCachedReadOfTheCallersContextIsNotServedInsideARun() {
        Context.empty().run(() -> {
            a.set(1L);
            for (int i = 0; i < 100; i++) {
                assertEquals(1L, a.get()); // cached: the caller's context
                Context.empty().run(() -> {
                    assertEquals(-1L, a.get(-1L), "unset in the entered context");
                    a.set(2L);
                    assertEquals(2L, a.get());
                    Context.empty().run(() -> assertEquals(-1L, a.get(-1L), "unset in the nested one"));
                    assertEquals(2L, a.get(), "back in the entered context");
                });
                assertEquals(1L, a.get(), "back in the caller's context");
            }
        });
    }

    /** A read after set, after reset and after a set of another variable sees the latest write. */
    @Test
    void readsAfterEveryWriteSeeIt() {
        Context.empty().run(() -> {
            for (long i = 0; i < 1000; i++) {
                Token<Long> ta = a.set(i);
                assertEquals(i, a.get());
                Token<Long> tb = b.set(-i);
                assertEquals(i, a.get());
                assertEquals(-i, b.get());
                Token<Long> ta2 = a.set(i + 1);
                assertEquals(i + 1, a.get());
                assertEquals(-i, b.get());
                ta2.close();
                assertEquals(i, a.get());
                tb.close();
                assertEquals(null, b.get(null));
                ta.close();
                assertEquals(null, a.get(null));
            }
        });
    }

    /** A generator's body reads and writes its consumer's context; the caches follow both ways. */
    @Test
    void generatorStepAndConsumerSeeEachOthersWrites() {
        Context.empty().run(() -> {
            a.set(0L);
            try (Generator<Long> g = Generator.of(out -> {
                for (long i = 1; i <= 100; i++) {
                    check(a.get() == 2 * i - 2, "the body sees the consumer's set: " + a.get() + " at " + i);
                    a.set(2 * i - 1);
                    out.yield(i);
                }
            })) {
                long i = 0;
                for (Long item : g) {
                    i++;
                    assertEquals(i, item);
                    assertEquals(2 * i - 1, a.get(), "the consumer sees the body's set");
                    a.set(2 * i);
                }
                assertEquals(100, i);
            }
        });
    }

    /**
     * One context handed back and forth between a platform and a virtual thread: each round's
     * thread enters it, sees exactly what the previous round wrote (through both caches, since it
     * reads two variables in turn), and writes the next round's values.
     */
    @Test
    @Tag("stress")
    void contextMovingBetweenThreadsAlwaysShowsItsLastWrite() throws Exception {
        int rounds = 20_000;
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set(0L);
            b.set(0L);
        });
        SynchronousQueue<Long> toVirtual = new SynchronousQueue<>();
        SynchronousQueue<Long> toPlatform = new SynchronousQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            SynchronousQueue<Long> in = side == 0 ? toPlatform : toVirtual;
            SynchronousQueue<Long> out = side == 0 ? toVirtual : toPlatform;
            Thread.Builder builder = side == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            threads.add(builder.start(() -> {
                try {
                    while (true) {
                        long r = in.take();
                        if (r < 0) {
                            return;
                        }
                        ctx.run(() -> {
                            for (int k = 0; k < 3; k++) { // alternate: both cache levels are used
                                check(a.get() == r && b.get() == -r, "round " + r + " read a=" + a.get() + " b=" + b.get());
                            }
                            a.set(r + 1);
                            check(a.get() == r + 1, "own set");
                            b.set(-(r + 1));
                        });
                        out.put(r + 1 >= rounds ? -1 : r + 1);
                        if (r + 1 >= rounds) {
                            return;
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                    toPlatform.offer(-1L);
                    toVirtual.offer(-1L);
                }
            }));
        }
        toPlatform.put(0L);
        for (Thread t : threads) {
            assertTrue(t.join(Duration.ofSeconds(50)), t + " did not finish");
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(rounds, ctx.get(a));
    }

    /**
     * Generations of short-lived threads, three at a time, each reading and writing one variable
     * in its own context while a long-lived thread does the same: entries change hands as their
     * owners end (both entries, since two threads can hold them), and no read ever returns
     * another context's value.
     */
    @Test
    @Tag("stress")
    void entriesChangingHandsAsThreadsEndNeverShowAnotherContextsValue() throws Exception {
        int generations = 300;
        int reads = 2_000;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread steady = Thread.ofPlatform().start(() -> {
            try {
                Context.empty().run(() -> {
                    for (long k = 0; !done.get(); k++) {
                        a.set(-k);
                        for (int r = 0; r < 10; r++) {
                            check(a.get() == -k, "steady: " + a.get() + " for " + -k);
                        }
                    }
                });
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        long id = 0;
        for (int g = 0; g < generations && failures.isEmpty(); g++) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long mine = ++id << 20;
                Thread.Builder builder = (g + i) % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
                threads.add(builder.start(() -> {
                    try {
                        Context.empty().run(() -> {
                            check(a.get(null) == null, "a fresh context reads unset, got " + a.get(null));
                            for (long k = 0; k < reads; k++) {
                                if ((k & 63) == 0) {
                                    a.set(mine + k);
                                }
                                long want = mine + (k & ~63L);
                                check(a.get() == want, "read " + a.get() + ", want " + want);
                            }
                        });
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (Thread t : threads) {
                assertTrue(t.join(Duration.ofSeconds(30)), t + " did not finish");
            }
        }
        done.set(true);
        assertTrue(steady.join(Duration.ofSeconds(30)), "the steady reader did not finish");
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
    }

    /**
     * Threads reading and writing the same two variables, each in a context of its own, never
     * see another thread's value: a cache entry filled by one thread never matches another's
     * context.
     */
    @Test
    @Tag("stress")
    void threadsInTheirOwnContextsNeverSeeAnothersValue() throws Exception {
        int iterations = 200_000;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            long id = (long) (i + 1) << 32;
            Thread.Builder builder = i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            threads.add(builder.start(() -> {
                try {
                    Context.empty().run(() -> {
                        a.set(id);
                        b.set(-id);
                        for (long k = 0; k < iterations; k++) {
                            long mine = id + k;
                            check(a.get() == mine - (k == 0 ? 0 : 1) || a.get() == mine, "a: " + a.get());
                            if ((k & 7) == 0) {
                                check(b.get() == -id, "b: " + b.get());
                            }
                            try (Token<Long> t = a.set(mine)) {
                                check(a.get() == mine, "after set: " + a.get());
                                check(b.get() == -id, "b after set: " + b.get());
                            }
                            a.set(mine);
                            check(a.get() == mine, "after reset and set: " + a.get());
                        }
                    });
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            assertTrue(t.join(Duration.ofSeconds(50)), t + " did not finish");
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
    }
}
