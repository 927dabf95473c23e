package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The generator's hand-off under races, many iterations each: the owner's step claimed by a CAS
 * without the monitor, the step's scope reused from step to step, and a step that begins and ends
 * without the record's monitor. Each iteration checks that the consumer saw a prefix of the values
 * in order (none lost, none twice), that the body's cleanup ran exactly once and its thread ended,
 * and that no interrupt leaked into the consumer's thread.
 */
@Tag("stress")
class GeneratorHandOffStressTest {
    private static final int ITERATIONS = 2_000;

    /** A body yielding 0, 1, 2, ... up to {@code n - 1}; records its thread and counts its cleanups. */
    private static Generator<Integer> counting(int n, AtomicInteger cleanups, AtomicReference<Thread> bodyThread) {
        return Generator.of(out -> {
            bodyThread.set(Thread.currentThread());
            try {
                for (int i = 0; i < n; i++) {
                    if ((i & 7) == 3) {
                        Weft.checkpoint(); // a weft call in the step, where a cancellation lands
                    }
                    out.yield(i);
                }
            } finally {
                cleanups.incrementAndGet();
            }
        });
    }

    private static void assertPrefix(List<Integer> got, String what) {
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i), what + ": values lost, repeated or reordered: " + got);
        }
    }

    private static void assertEnded(AtomicReference<Thread> bodyThread) throws InterruptedException {
        Thread t = bodyThread.get();
        if (t != null && !t.join(TestSupport.PROMPT)) {
            fail("the generator's thread did not end: " + t);
        }
    }

    /** The consumer's scope is cancelled from another thread at a random moment while it steps. */
    @Test
    void cancellationRacingStepsLosesNothingAndLeaksNothing() throws Exception {
        for (int it = 0; it < ITERATIONS; it++) {
            int n = 64;
            AtomicInteger cleanups = new AtomicInteger();
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            List<Integer> got = new ArrayList<>();
            AtomicReference<CancelScope> scopeRef = new AtomicReference<>();
            int spins = ThreadLocalRandom.current().nextInt(2_000);
            Thread canceller = Thread.ofVirtual().start(() -> {
                CancelScope s;
                while ((s = scopeRef.get()) == null) {
                    Thread.onSpinWait();
                }
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait();
                }
                s.cancel();
            });
            int iteration = it;
            Thread consumer = Thread.ofVirtual().start(() -> {
                try (Generator<Integer> g = counting(n, cleanups, bodyThread)) {
                    CancelScope.run(scope -> {
                        scopeRef.set(scope);
                        while (g.hasNext()) {
                            got.add(g.next());
                        }
                        return null;
                    });
                } catch (Throwable t) {
                    fail("iteration " + iteration + ": " + t, t);
                }
                assertFalse(Thread.currentThread().isInterrupted(), "an interrupt leaked into the consumer");
            });
            assertTrue(consumer.join(TestSupport.PROMPT), "consumer hung");
            canceller.join();
            assertPrefix(got, "iteration " + it);
            // cancelled before the first step: the body never ran, so it has nothing to clean up
            assertEquals(bodyThread.get() == null ? 0 : 1, cleanups.get(), "iteration " + it + ": cleanups");
            assertEnded(bodyThread);
        }
    }

    /**
     * Long hand-offs in which either side sometimes works a few microseconds between steps, so
     * that its partner's spin fails and the partner yields and parks, often with a permit left by
     * an earlier unpark that came while it spun: no wake-up is lost. The writes of the phase are
     * what orders a side's hand-over before its look at whether the partner parks (the JDK's
     * unpark of a virtual thread whose permit is already set returns without an atomic
     * instruction, so it orders nothing); with a release store there instead, this test hangs.
     * Two generators at once on the two carriers, consumed by virtual and platform threads.
     */
    @Test
    void handOffsThatParkLoseNoWakeUp() throws Exception {
        int items = 20_000;
        for (int it = 0; it < 150; it++) {
            List<Thread> consumers = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int pair = 0; pair < 2; pair++) {
                long seed = ThreadLocalRandom.current().nextLong();
                Runnable consume = () -> {
                    java.util.Random random = new java.util.Random(seed);
                    try (Generator<Integer> g = Generator.of(out -> {
                        java.util.Random bodyRandom = new java.util.Random(~seed);
                        for (int i = 0; i < items; i++) {
                            if (bodyRandom.nextInt(64) == 0) {
                                busy(bodyRandom.nextInt(5_000));
                            }
                            out.yield(i);
                        }
                    })) {
                        int expected = 0;
                        for (int v : g) {
                            if (v != expected++) {
                                throw new AssertionError("value " + v + " where " + (expected - 1) + " was due");
                            }
                            if (random.nextInt(64) == 0) {
                                busy(random.nextInt(5_000));
                            }
                        }
                        if (expected != items) {
                            throw new AssertionError(expected + " values of " + items);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                };
                consumers.add(pair == 0 ? Thread.ofVirtual().start(consume) : Thread.ofPlatform().start(consume));
            }
            for (Thread c : consumers) {
                assertTrue(c.join(TestSupport.PROMPT), "iteration " + it + ": a hand-off lost its wake-up, "
                        + c + " still waits after " + TestSupport.PROMPT);
            }
            assertNull(failure.get(), "iteration " + it);
        }
    }

    /** Works about {@code nanos} nanoseconds without calling weft. */
    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /**
     * Another thread closes the generator while its owner steps it: the close is refused while a
     * step runs (one consumer at a time) and retried; the owner then sees the end or a refusal.
     * A value the owner has not taken yet when the close runs is dropped by the close (by design);
     * the owner, racing it without a lock, may then read null once before the end.
     */
    @Test
    void closeFromAnotherThreadRacingStepsLosesNothingAndLeaksNothing() throws Exception {
        for (int it = 0; it < ITERATIONS; it++) {
            int n = 64;
            AtomicInteger cleanups = new AtomicInteger();
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            List<Integer> got = new ArrayList<>();
            Generator<Integer> g = counting(n, cleanups, bodyThread);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            int spins = ThreadLocalRandom.current().nextInt(3_000);
            Thread consumer = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        try {
                            Integer v = g.next();
                            if (v != null) {
                                got.add(v);
                            }
                        } catch (IllegalStateException busy) {
                            Thread.onSpinWait(); // the closer runs its step: one consumer at a time
                        }
                    }
                } catch (NoSuchElementException end) {
                    // closed, or all values taken
                } catch (Throwable t) {
                    unexpected.set(t);
                }
                if (Thread.currentThread().isInterrupted()) {
                    unexpected.compareAndSet(null, new AssertionError("an interrupt leaked into the consumer"));
                }
            });
            Thread closer = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait();
                }
                for (;;) {
                    try {
                        g.close();
                        break;
                    } catch (IllegalStateException busy) {
                        Thread.onSpinWait(); // the owner runs a step: try again
                    }
                }
                if (Thread.currentThread().isInterrupted()) {
                    unexpected.compareAndSet(null, new AssertionError("an interrupt leaked into the closer"));
                }
            });
            assertTrue(consumer.join(TestSupport.PROMPT), "consumer hung");
            assertTrue(closer.join(TestSupport.PROMPT), "closer hung");
            assertNull(unexpected.get(), "iteration " + it);
            assertPrefix(got, "iteration " + it);
            assertTrue(bodyThread.get() == null || cleanups.get() == 1, "iteration " + it + ": cleanups " + cleanups);
            assertEnded(bodyThread);
        }
    }

    /**
     * The consumer steps from different scopes in turn (its own, then a nested one, then its own):
     * the reused step scope must follow the consumer's innermost scope, so cancelling a nested scope
     * that has ended never reaches a later step, and cancelling the one in use always does.
     */
    @Test
    void stepScopeFollowsTheConsumersInnermostScope() throws Exception {
        for (int it = 0; it < ITERATIONS / 4; it++) {
            AtomicInteger cleanups = new AtomicInteger();
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            Thread consumer = Thread.ofVirtual().start(() -> {
                try (Generator<Integer> g = counting(1_000, cleanups, bodyThread)) {
                    int expected = 0;
                    for (int round = 0; round < 8; round++) {
                        int[] box = {expected};
                        CancelScope ended = CancelScope.run(inner -> {
                            assertEquals(box[0]++, g.next());
                            assertEquals(box[0]++, g.next());
                            return inner;
                        });
                        ended.cancel(); // ended: must reach nothing
                        assertEquals(box[0]++, g.next());
                        assertEquals(box[0]++, g.next());
                        expected = box[0];
                    }
                    // Cancelling the scope the consumer steps in reaches the step (level-triggered).
                    CancelScope.run(inner -> {
                        inner.cancel();
                        try {
                            g.next();
                            fail("a step in a cancelled scope ran");
                        } catch (CancelledException expectedCancel) {
                            // the consumer's checkpoint refuses the step
                        }
                        return null;
                    });
                    assertEquals(expected, g.next()); // nothing lost by the refused step
                }
                assertFalse(Thread.currentThread().isInterrupted(), "an interrupt leaked into the consumer");
            });
            assertTrue(consumer.join(TestSupport.PROMPT), "consumer hung");
            assertEquals(1, cleanups.get(), "iteration " + it + ": cleanups");
            assertEnded(bodyThread);
        }
    }

    /**
     * A cancellation of the consumer's scope that arrives while the body blocks in a reused step
     * scope reaches the body (through the delegate), however many steps reused that scope before.
     */
    @Test
    void cancellationReachesABlockedBodyInAReusedStepScope() throws Exception {
        for (int it = 0; it < ITERATIONS / 4; it++) {
            int blockAt = 1 + ThreadLocalRandom.current().nextInt(20);
            AtomicInteger cleanups = new AtomicInteger();
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
            List<Integer> got = new ArrayList<>();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<CancelScope> scopeRef = new AtomicReference<>();
            Thread consumer = Thread.ofVirtual().start(() -> {
                try (Generator<Integer> g = Generator.of(out -> {
                    bodyThread.set(Thread.currentThread());
                    try {
                        for (int i = 0; ; i++) {
                            if (i == blockAt) {
                                blocked.countDown();
                                Weft.sleep(TestSupport.FOREVER);
                            }
                            out.yield(i);
                        }
                    } finally {
                        cleanups.incrementAndGet();
                    }
                })) {
                    CancelScope.run(scope -> {
                        scopeRef.set(scope);
                        while (true) {
                            got.add(g.next());
                        }
                    });
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            TestSupport.await(blocked, "the body blocks");
            scopeRef.get().cancel();
            assertTrue(consumer.join(TestSupport.PROMPT), "iteration " + it + ": the cancellation did not reach the body");
            assertNull(thrown.get(), "the scope absorbs its cancellation");
            assertEquals(blockAt, got.size());
            assertPrefix(got, "iteration " + it);
            assertEquals(1, cleanups.get());
            assertEnded(bodyThread);
        }
    }
}
