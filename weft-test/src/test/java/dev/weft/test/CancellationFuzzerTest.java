package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelScope;
import dev.weft.Channel;
import dev.weft.ChannelClosedException;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The cancellation fuzzer finds cleanup a cancellation cuts short, and says where. */
@org.junit.jupiter.api.Timeout(120)
class CancellationFuzzerTest {
    /** A resource whose release is itself a weft call, as a release over the network is. */
    static final class Pool {
        final AtomicInteger borrowed = new AtomicInteger();

        void borrow() {
            borrowed.incrementAndGet();
        }

        void release() {
            Weft.sleep(Duration.ofMillis(1)); // the round trip; a checkpoint
            borrowed.decrementAndGet();
        }
    }

    static void naiveUse(Pool pool) {
        pool.borrow();
        try {
            Weft.checkpoint();
            Weft.sleep(Duration.ofMillis(1));
        } finally {
            pool.release();
        }
    }

    static void shieldedUse(Pool pool) {
        pool.borrow();
        try {
            Weft.checkpoint();
            Weft.sleep(Duration.ofMillis(1));
        } finally {
            CancelScope.shield(() -> {
                pool.release();
                return null;
            });
        }
    }

    /** A release cut short by the cancellation is found, with the checkpoint, the seed, the stack and the rerun. */
    @Test
    void naiveReleaseIsFoundLeakingAtANamedCheckpoint() {
        Pool pool = new Pool();
        CancellationFuzzer fuzzer = CancellationFuzzer.of(() -> naiveUse(pool))
                .invariant("nothing borrowed", () -> pool.borrowed.getAndSet(0) == 0)
                .seed(7);
        AssertionError e = assertThrows(AssertionError.class, fuzzer::check);
        String m = e.getMessage();
        assertTrue(m.startsWith("cancellation fuzzing: invariant 'nothing borrowed' does not hold after the block"
                + " was cancelled at checkpoint 1, seed 7; rerun this case alone with .rerun(1)"), m);
        assertTrue(m.contains("cancellation delivered at checkpoint 1 on thread '" + Thread.currentThread().getName() + "'"), m);
        assertTrue(m.contains("at dev.weft.Weft.checkpoint"), m);
        assertTrue(m.contains("CancellationFuzzerTest.naiveUse"), m);
        assertTrue(m.contains("the block ended with dev.weft.CancelledException") || m.contains("absorbed"), m);

        AssertionError again = assertThrows(AssertionError.class, () -> fuzzer.rerun(1));
        assertTrue(again.getMessage().contains("checkpoint 1 (rerun)"), again.getMessage());
    }

    /** The shielded release passes at every checkpoint and at 20 random ones. */
    @Test
    void shieldedReleasePassesEveryCheckpoint() {
        Pool pool = new Pool();
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> shieldedUse(pool))
                .invariant("nothing borrowed", () -> pool.borrowed.getAndSet(0) == 0)
                .randomRuns(20)
                .check();
        assertTrue(r.checkpoints() >= 4, r.toString());
        assertEquals(1 + r.checkpoints() + 20, r.runs());
        assertEquals(0, pool.borrowed.get());
    }

    /** Each run is cancelled at its own checkpoint: run k reaches exactly k checkpoints before it unwinds. */
    @Test
    void runKIsCancelledAtItsKthCheckpoint() {
        List<Integer> reached = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger steps = new AtomicInteger();
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> {
                    steps.set(0);
                    try {
                        for (int i = 0; i < 5; i++) {
                            Weft.checkpoint();
                            steps.incrementAndGet();
                        }
                    } finally {
                        reached.add(steps.get());
                    }
                })
                .check();
        assertEquals(5, r.checkpoints());
        assertEquals(List.of(5, 0, 1, 2, 3, 4), reached);
    }

    /** maxCheckpoints caps the one-by-one runs; random runs come on top; bad arguments are refused with a message. */
    @Test
    void maxCheckpointsCapsTheRunsAndArgumentsAreChecked() {
        CancellationFuzzer f = CancellationFuzzer.of(() -> {
            for (int i = 0; i < 5; i++) {
                Weft.checkpoint();
            }
        });
        CancellationFuzzer.Report r = f.maxCheckpoints(2).randomRuns(3).seed(9).check();
        assertEquals(new CancellationFuzzer.Report(5, 1 + 2 + 3, 9, 0), r);
        assertEquals("6 runs, cancelled at each of 5 checkpoints (seed 9): every invariant held", r.toString());
        assertTrue(f.rerun(3).cancelled());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f.maxCheckpoints(0)).getMessage().contains("at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f.randomRuns(-1)).getMessage().contains("zero or more"));
        assertTrue(assertThrows(NullPointerException.class, () -> CancellationFuzzer.of(null)).getMessage().contains("block is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VirtualTime.withStallTimeout(Duration.ZERO))
                .getMessage().contains("must be positive"));
    }

    /** A block that fails with nothing cancelling it is reported as such, not fuzzed. */
    @Test
    void aBlockFailingUncancelledIsReported() {
        AssertionError e = assertThrows(AssertionError.class, () -> CancellationFuzzer.of(() -> {
            throw new IllegalStateException("broken");
        }).check());
        assertTrue(e.getMessage().contains("fails even when nothing cancels it: java.lang.IllegalStateException: broken"),
                e.getMessage());
    }

    /** An invariant that throws is a violation too, with what it threw. */
    @Test
    void anInvariantThatThrowsIsAViolation() {
        AssertionError e = assertThrows(AssertionError.class, () -> CancellationFuzzer.of(Weft::checkpoint)
                .invariant("never", () -> {
                    throw new IllegalStateException("nope");
                })
                .check());
        assertTrue(e.getMessage().contains("after a run that nothing cancelled"), e.getMessage());
        assertTrue(e.getMessage().contains("the invariant threw java.lang.IllegalStateException: nope"), e.getMessage());
    }

    /**
     * A channel loses and duplicates nothing under cancellation at any checkpoint: every element
     * whose send returned is received or still buffered, and no element whose send threw is.
     */
    @Test
    void channelLosesAndDuplicatesNothingAtAnyCheckpoint() {
        int items = 12;
        Set<Integer> sent = ConcurrentHashMap.newKeySet();
        List<Integer> received = Collections.synchronizedList(new ArrayList<>());
        Channel<?>[] channel = new Channel<?>[1];
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> {
                    sent.clear();
                    received.clear();
                    Channel<Integer> ch = Channel.bounded(2);
                    channel[0] = ch;
                    TaskGroup.run(g -> {
                        g.spawn("producer", () -> {
                            for (int i = 0; i < items; i++) {
                                ch.send(i);
                                sent.add(i);
                            }
                            ch.close();
                            return null;
                        });
                        g.spawn("consumer", () -> {
                            for (int i : ch) {
                                received.add(i);
                            }
                            return null;
                        });
                        return null;
                    });
                })
                .invariant("every sent element received or buffered, exactly once", () -> {
                    @SuppressWarnings("unchecked")
                    Channel<Integer> ch = (Channel<Integer>) channel[0];
                    List<Integer> all = new ArrayList<>(received);
                    try {
                        for (Optional<Integer> x = ch.tryReceive(); x.isPresent(); x = ch.tryReceive()) {
                            all.add(x.get());
                        }
                    } catch (ChannelClosedException drained) {
                        // closed and drained: nothing buffered
                    }
                    Set<Integer> distinct = Set.copyOf(all);
                    // Sends whose send() returned; the one in flight when cancelled may or may not have gone through.
                    Set<Integer> mustHave = Set.copyOf(sent);
                    return distinct.size() == all.size() && distinct.containsAll(mustHave)
                            && distinct.equals(IntStream.range(0, distinct.size()).boxed().collect(Collectors.toSet()))
                            && distinct.size() <= mustHave.size() + 1;
                })
                .randomRuns(10)
                .check();
        assertTrue(r.checkpoints() > items, r.toString());
    }

    /** A generator's cleanup runs and its thread ends, wherever its consumer is cancelled. */
    @Test
    void generatorCleanupRunsAtEveryCheckpoint() {
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger cleaned = new AtomicInteger();
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> Leaks.assertNoLeaks(() -> {
                    try (Generator<Integer> gen = Generator.of(out -> {
                        opened.incrementAndGet();
                        try {
                            for (int i = 0; i < 5; i++) {
                                Weft.sleep(Duration.ofMillis(1));
                                out.yield(i);
                            }
                        } finally {
                            cleaned.incrementAndGet();
                        }
                    })) {
                        int sum = 0;
                        for (int x : gen) {
                            Weft.checkpoint();
                            sum += x;
                        }
                        assertEquals(10, sum);
                    }
                }))
                .invariant("every opened generator cleaned up", () -> opened.getAndSet(0) == cleaned.getAndSet(0))
                .check();
        assertTrue(r.checkpoints() >= 10, r.toString());
    }

    /**
     * Borrows after a checkpoint and gives back after a JDK blocking call, with no finally: only a
     * cancellation inside that call (weft's interrupt) loses the count.
     */
    private static void holdAcrossAJdkCall(AtomicInteger borrowed) throws Exception {
        Weft.checkpoint();
        borrowed.incrementAndGet();
        Thread.sleep(20); // work on what was borrowed: a JDK blocking call
        borrowed.decrementAndGet();
    }

    /** The fuzzer cancels inside the JDK blocking call of a release and names it. */
    @Test
    void findsALeakInAJdkBlockingCall() {
        AtomicInteger borrowed = new AtomicInteger();
        CancellationFuzzer.of(() -> holdAcrossAJdkCall(borrowed))
                .invariant("nothing borrowed", () -> borrowed.getAndSet(0) == 0)
                .check(); // at its one checkpoint, nothing is borrowed yet: no leak found
        CancellationFuzzer f = CancellationFuzzer.of(() -> holdAcrossAJdkCall(borrowed))
                .invariant("nothing borrowed", () -> borrowed.getAndSet(0) == 0)
                .inJdkBlockingCalls();
        AssertionError e = assertThrows(AssertionError.class, f::check);
        String m = e.getMessage();
        assertTrue(m.contains("after the block was cancelled in the JDK blocking call after checkpoint "), m);
        assertTrue(m.contains("rerun this case alone with .rerunInJdkCall("), m);
        assertTrue(m.contains("in a JDK blocking call at or after checkpoint "), m);
        assertTrue(m.contains("at java.base/java.lang.Thread.sleep"), m);
        assertTrue(m.contains("holdAcrossAJdkCall"), m);
        int k = Integer.parseInt(m.replaceAll("(?s).*rerunInJdkCall\\((\\d+)\\).*", "$1"));
        for (int i = 0; i < 5; i++) { // the same case, alone, fails again
            assertThrows(AssertionError.class, () -> f.rerunInJdkCall(k));
        }
    }

    /** A shielded release passes when cancelled in its JDK blocking call; those runs are counted. */
    @Test
    void shieldedJdkReleasePassesInsideItsBlockingCall() {
        AtomicInteger borrowed = new AtomicInteger();
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> {
            borrowed.incrementAndGet();
            try {
                Weft.sleep(Duration.ofMillis(1));
            } finally {
                CancelScope.shield(() -> {
                    Thread.sleep(20);
                    borrowed.decrementAndGet();
                    return null;
                });
            }
        }).invariant("nothing borrowed", () -> borrowed.getAndSet(0) == 0).inJdkBlockingCalls().check();
        assertTrue(r.jdkCalls() >= 1, r.toString());
        assertEquals(1 + 2 * r.checkpoints(), r.runs(), r.toString());
        assertTrue(r.toString().contains("JDK blocking calls"), r.toString());
    }

    /** A block with no JDK blocking call is never cancelled in one: the extra runs end uncancelled. */
    @Test
    void noJdkBlockingCallNoJdkCancellation() {
        CancellationFuzzer.Report r = CancellationFuzzer.of(() -> Weft.sleep(Duration.ofMillis(1)))
                .inJdkBlockingCalls().check();
        assertEquals(0, r.jdkCalls(), r.toString());
        assertThrows(IllegalArgumentException.class, () -> CancellationFuzzer.of(() -> { }).rerunInJdkCall(0));
    }
}
