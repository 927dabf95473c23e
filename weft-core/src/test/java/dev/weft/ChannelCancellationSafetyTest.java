package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cancellation safety of {@link Channel}: senders and receivers, each operation in its own cancel
 * scope, are cancelled at random moments by a canceller task. Whatever the timing, an operation
 * that threw {@link CancelledException} did not happen and one that returned did: the elements
 * received, plus those left buffered, are exactly the elements whose send returned normally,
 * each once, in each sender's order.
 */
@Tag("stress")
class ChannelCancellationSafetyTest {
    private static final int SENDERS = 3;
    private static final int PER_SENDER = 40;
    /** Time spent on each channel kind; at least {@link #MIN_ITERATIONS} iterations run anyway. */
    private static final Duration BUDGET = Duration.ofSeconds(4);
    private static final int MIN_ITERATIONS = 15;

    /** Counts over the whole class, to show that the sweep reached the interesting cases. */
    private static final AtomicLong cancelledSends = new AtomicLong();
    private static final AtomicLong cancelledReceives = new AtomicLong();
    private static final AtomicLong sendsCompletedInCancelledScope = new AtomicLong();
    private static final AtomicLong receivesCompletedInCancelledScope = new AtomicLong();

    @BeforeAll
    static void resetCounts() {
        cancelledSends.set(0);
        cancelledReceives.set(0);
        sendsCompletedInCancelledScope.set(0);
        receivesCompletedInCancelledScope.set(0);
    }

    @AfterAll
    static void sweepReachedCancellation() {
        System.out.printf("channel cancellation sweep: %d sends and %d receives cancelled; %d sends and %d receives"
                        + " completed although their scope was cancelled%n", cancelledSends.get(), cancelledReceives.get(),
                sendsCompletedInCancelledScope.get(), receivesCompletedInCancelledScope.get());
        assertTrue(cancelledSends.get() > 0, "no send was ever cancelled: the sweep tests nothing");
        assertTrue(cancelledReceives.get() > 0, "no receive was ever cancelled: the sweep tests nothing");
    }

    /**
     * Random cancellations never lose, duplicate or reorder an element, and a cancelled send is
     * never received.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rendezvous", "bounded(1)", "bounded(3)", "unbounded"})
    void randomCancellationNeverLosesNorDuplicatesAnElement(String kind) {
        Supplier<Channel<Integer>> make = switch (kind) {
            case "rendezvous" -> Channel::rendezvous;
            case "bounded(1)" -> () -> Channel.bounded(1);
            case "bounded(3)" -> () -> Channel.bounded(3);
            case "unbounded" -> Channel::unbounded;
            default -> throw new IllegalArgumentException(kind);
        };
        SplittableRandom seeds = new SplittableRandom(kind.hashCode());
        long end = System.nanoTime() + BUDGET.toNanos();
        int iterations = 0;
        while (iterations < MIN_ITERATIONS || System.nanoTime() - end < 0) {
            long seed = seeds.nextLong();
            int receivers = 1 + iterations % 3;
            boolean leaveSomeBuffered = iterations % 2 == 1;
            try {
                Timeout.failAfter(Duration.ofSeconds(20),
                        () -> runOnce(make.get(), receivers, leaveSomeBuffered, new SplittableRandom(seed)));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(kind + ", iteration " + iterations + ", seed " + seed + ", " + receivers
                        + " receivers, leaveSomeBuffered=" + leaveSomeBuffered + ": " + e.getMessage(), e);
            }
            iterations++;
        }
        assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked to the test thread");
    }

    private static Object runOnce(Channel<Integer> ch, int receivers, boolean leaveSomeBuffered, SplittableRandom rnd) {
        int actors = SENDERS + receivers;
        AtomicReferenceArray<CancelScope> slots = new AtomicReferenceArray<>(actors);
        Set<Integer> sentOk = ConcurrentHashMap.newKeySet();
        Set<Integer> sendCancelled = ConcurrentHashMap.newKeySet();
        List<ConcurrentLinkedQueue<Integer>> received = new ArrayList<>();
        for (int r = 0; r < receivers; r++) {
            received.add(new ConcurrentLinkedQueue<>());
        }
        AtomicBoolean stop = new AtomicBoolean();
        long cancellerSeed = rnd.nextLong();

        TaskGroup.run("sweep", g -> {
            List<Task<?>> senderTasks = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int slot = s;
                int base = s * 1_000_000;
                senderTasks.add(g.spawn(() -> {
                    for (int i = 0; i < PER_SENDER; i++) {
                        int v = base + i;
                        boolean[] returned = {false};
                        CancelScope.run(scope -> {
                            slots.set(slot, scope);
                            ch.send(v);
                            returned[0] = true;
                            if (scope.isCancelled()) {
                                sendsCompletedInCancelledScope.incrementAndGet();
                            }
                            return null;
                        });
                        if (returned[0]) {
                            sentOk.add(v);
                        } else {
                            sendCancelled.add(v);
                            cancelledSends.incrementAndGet();
                        }
                    }
                }));
            }
            List<Task<?>> receiverTasks = new ArrayList<>();
            for (int r = 0; r < receivers; r++) {
                int slot = SENDERS + r;
                ConcurrentLinkedQueue<Integer> mine = received.get(r);
                receiverTasks.add(g.spawn(() -> {
                    for (;;) {
                        boolean[] returned = {false};
                        try {
                            CancelScope.run(scope -> {
                                slots.set(slot, scope);
                                Integer x = ch.receive();
                                mine.add(x);
                                returned[0] = true;
                                if (scope.isCancelled()) {
                                    receivesCompletedInCancelledScope.incrementAndGet();
                                }
                                return null;
                            });
                        } catch (ChannelClosedException e) {
                            return;
                        }
                        if (!returned[0]) {
                            cancelledReceives.incrementAndGet();
                        }
                    }
                }));
            }
            Task<?> canceller = g.spawn(() -> {
                SplittableRandom cr = new SplittableRandom(cancellerSeed);
                while (!stop.get()) {
                    CancelScope victim = slots.get(cr.nextInt(actors));
                    if (victim != null) {
                        victim.cancel();
                    }
                    int pause = cr.nextInt(4);
                    if (pause == 0) {
                        Thread.yield();
                    } else {
                        LockSupport.parkNanos(cr.nextInt(pause * 30_000));
                    }
                }
            });
            for (Task<?> t : senderTasks) {
                t.join();
            }
            if (leaveSomeBuffered) {
                receiverTasks.forEach(Task::cancel);
                for (Task<?> t : receiverTasks) {
                    try {
                        t.join();
                    } catch (CancelledException expected) {
                        // the receiver task ended cancelled, as asked
                    }
                }
            }
            ch.close();
            for (Task<?> t : receiverTasks) {
                if (!leaveSomeBuffered) {
                    t.join();
                }
            }
            stop.set(true);
            canceller.join();
            return null;
        });

        List<Integer> leftovers = new ArrayList<>();
        for (;;) {
            try {
                leftovers.add(ch.tryReceive().orElseThrow(() -> new AssertionError("a closed channel was empty but not drained")));
            } catch (ChannelClosedException drained) {
                break;
            }
        }
        check(sentOk, sendCancelled, received, leftovers);
        return null;
    }

    private static void check(Set<Integer> sentOk, Set<Integer> sendCancelled,
                              List<ConcurrentLinkedQueue<Integer>> received, List<Integer> leftovers) {
        assertEquals(SENDERS * PER_SENDER, sentOk.size() + sendCancelled.size(), "every send has one outcome");
        List<Integer> all = new ArrayList<>();
        received.forEach(all::addAll);
        all.addAll(leftovers);
        Set<Integer> distinct = new HashSet<>(all);
        assertEquals(distinct.size(), all.size(), "an element was received twice");
        for (Integer v : distinct) {
            assertFalse(sendCancelled.contains(v), "element " + v + " was received although its send was cancelled");
            assertTrue(sentOk.contains(v), "element " + v + " was received but never sent");
        }
        Set<Integer> lost = new HashSet<>(sentOk);
        lost.removeAll(distinct);
        assertEquals(Set.of(), lost, "elements sent (send returned normally) but never received nor buffered");
        // FIFO: what one receiver got from one sender is in send order, and everything a receiver
        // got from a sender precedes what was left buffered from it.
        Map<Integer, Integer> lastReceived = new HashMap<>();
        for (ConcurrentLinkedQueue<Integer> q : received) {
            Map<Integer, Integer> last = new HashMap<>();
            for (int v : q) {
                int sender = v / 1_000_000;
                Integer prev = last.put(sender, v);
                assertTrue(prev == null || prev < v, "receiver got " + prev + " before " + v + ": FIFO broken");
                lastReceived.merge(sender, v, Math::max);
            }
        }
        Map<Integer, Integer> lastLeft = new HashMap<>();
        for (int v : leftovers) {
            int sender = v / 1_000_000;
            Integer prev = lastLeft.put(sender, v);
            assertTrue(prev == null || prev < v, "buffer held " + prev + " before " + v + ": FIFO broken");
            Integer got = lastReceived.get(sender);
            assertTrue(got == null || got < v, "received " + got + " although " + v + " was still buffered");
        }
    }
}
