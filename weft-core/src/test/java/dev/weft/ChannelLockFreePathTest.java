package dev.weft;

import static dev.weft.TestSupport.PROMPT;
import static dev.weft.TestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.TestSupport.ScopedCall;
import dev.weft.TestSupport.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lock-free path of a small bounded channel (see {@link Channel}'s overview): it is shut
 * while a waiter is queued or the channel is closed, and open again once the last waiter is gone
 * (however it went: served or cancelled); and, under load, its operations racing the lock's path
 * (waiters queued and served, freezes and thaws, close) lose, duplicate and reorder nothing and
 * never hang. The hang test is the one that found a livelock: lock-free operations that waited,
 * after taking their position, for the previous holder of their slot, on virtual threads.
 */
class ChannelLockFreePathTest {

    /** A waiter shuts the lock-free path; it opens again when the waiter is served. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void aServedWaiterReopensTheLockFreePath(ThreadKind threads) throws Exception {
        Channel<String> ch = Channel.bounded(2);
        assertTrue(ch.lockFreePathOpen(), "a new channel");
        assertTrue(ch.trySend("a"));
        assertTrue(ch.trySend("b"));
        assertTrue(ch.lockFreePathOpen(), "a full channel without waiters");
        Thread sender = threads.startThread(() -> ch.send("c"));
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        assertFalse(ch.lockFreePathOpen(), "a waiter is queued");
        assertEquals(Optional.of("a"), ch.tryReceive()); // the lock's path: moves "c" into the ring
        assertTrue(sender.join(PROMPT), "the sender returned");
        assertTrue(ch.lockFreePathOpen(), "the last waiter was served");
        assertEquals(Optional.of("b"), ch.tryReceive());
        assertEquals(Optional.of("c"), ch.tryReceive());
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    /**
     * A cancelled waiter's withdrawal reopens the lock-free path, and the element it did not send
     * is nowhere; the same for a cancelled receiver, after which a send takes the lock-free path
     * to the buffer instead of a waiter that is gone.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void aCancelledWaiterReopensTheLockFreePath(ThreadKind threads) throws Exception {
        Channel<String> ch = Channel.bounded(1);
        assertTrue(ch.trySend("kept"));
        ScopedCall<Object> sender = ScopedCall.start(threads, () -> {
            ch.send("withdrawn");
            return null;
        });
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        assertFalse(ch.lockFreePathOpen());
        sender.cancel();
        assertInstanceOf(CancelledException.class, sender.error());
        assertTrue(ch.lockFreePathOpen(), "the withdrawal left no waiter");
        assertEquals(Optional.of("kept"), ch.tryReceive());
        assertEquals(Optional.empty(), ch.tryReceive());

        ScopedCall<String> receiver = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        assertFalse(ch.lockFreePathOpen());
        receiver.cancel();
        assertInstanceOf(CancelledException.class, receiver.error());
        assertTrue(ch.lockFreePathOpen(), "the withdrawal left no waiter");
        assertTrue(ch.trySend("buffered"));
        assertEquals(Optional.of("buffered"), ch.tryReceive(), "the cancelled receiver took nothing");
    }

    /** close() shuts the lock-free path for good; buffered elements are still drained, then closed. */
    @Test
    void closeShutsTheLockFreePathForGood() {
        Channel<Integer> ch = Channel.bounded(4);
        assertTrue(ch.trySend(1));
        assertTrue(ch.trySend(2));
        ch.close();
        assertFalse(ch.lockFreePathOpen());
        assertThrows(ChannelClosedException.class, () -> ch.trySend(3));
        assertEquals(Optional.of(1), ch.tryReceive());
        assertFalse(ch.lockFreePathOpen(), "draining does not reopen it");
        assertEquals(2, ch.receive());
        assertThrows(ChannelClosedException.class, ch::tryReceive);
        assertThrows(ChannelClosedException.class, ch::receive);
        assertFalse(ch.lockFreePathOpen());
    }

    /**
     * While a test holds the lock (lockForTest), the lock-free path is shut: a receive that could
     * complete at once on the buffer queues for the lock instead (what ChannelTest's staged races
     * rely on), and completes once it is released.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void holdingTheLockForATestShutsTheLockFreePath(ThreadKind threads) throws Exception {
        Channel<Integer> ch = Channel.bounded(2);
        assertTrue(ch.trySend(7));
        AtomicReference<Integer> got = new AtomicReference<>();
        Thread t;
        ch.lockForTest();
        try {
            assertFalse(ch.lockFreePathOpen());
            t = threads.startThread(() -> got.set(ch.receive()));
            awaitCondition(() -> ch.lock.hasQueuedThread(t), "the receive queues for the lock");
        } finally {
            ch.unlockForTest();
        }
        assertTrue(t.join(PROMPT), "the receive returned");
        assertEquals(7, got.get());
        assertTrue(ch.lockFreePathOpen());
    }

    static Stream<Arguments> loads() {
        List<Arguments> all = new ArrayList<>();
        for (int capacity : new int[] {1, 2, 3, 16}) {
            for (ThreadKind t : ThreadKind.values()) {
                all.add(Arguments.of(capacity, t));
            }
        }
        return all.stream();
    }

    /**
     * Four producers and four consumers, each mixing blocking calls with try-calls (so that
     * waiters queue and the path shuts and opens again all the time), on small bounded
     * channels: every element arrives exactly once, each consumer sees each producer's elements
     * in the order they were sent, and everything finishes within a bound (a hang fails instead
     * of blocking the build). One receive in eight runs under a {@code Timeout.moveOnAfter} of
     * a few microseconds, so that some are cancelled as they wait or as they complete: a receive
     * that reports nothing took nothing. (With those, this test lost about one element in 10^5
     * on the lock-only channel too, until a deadline scope's end stopped reading a delivery
     * under way as a swallowed cancellation: {@code SwallowedCancellationTest}.)
     */
    @Tag("stress")
    @ParameterizedTest
    @MethodSource("loads")
    void manyProducersAndConsumersLoseNothingAndNeverHang(int capacity, ThreadKind threads) throws Exception {
        int producers = 4;
        int consumers = 4;
        int perProducer = 5_000;
        for (int round = 0; round < 3; round++) {
            Channel<Long> ch = Channel.bounded(capacity);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            AtomicIntegerArray seen = new AtomicIntegerArray(producers * perProducer);
            CountDownLatch producersDone = new CountDownLatch(producers);
            List<Thread> all = new ArrayList<>();
            long seed = System.nanoTime() + round;
            for (int p = 0; p < producers; p++) {
                int id = p;
                all.add(threads.startThread(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed + id);
                    try {
                        for (long i = 0; i < perProducer; i++) {
                            long x = ((long) id << 32) | i;
                            if (rnd.nextInt(4) == 0) {
                                while (!ch.trySend(x)) {
                                    Thread.yield();
                                }
                            } else {
                                ch.send(x);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    } finally {
                        producersDone.countDown();
                    }
                }));
            }
            for (int c = 0; c < consumers; c++) {
                int id = c;
                all.add(threads.startThread(() -> {
                    long[] last = new long[producers];
                    java.util.Arrays.fill(last, -1);
                    SplittableRandom rnd = new SplittableRandom(~seed - id);
                    try {
                        for (;;) {
                            Long x;
                            int how = rnd.nextInt(8);
                            if (how == 0) {
                                x = ch.tryReceive().orElse(null);
                                if (x == null) {
                                    Thread.yield();
                                    continue;
                                }
                            } else if (how == 1) {
                                x = Timeout.moveOnAfter(java.time.Duration.ofNanos(rnd.nextInt(20_000)), ch::receive)
                                        .orElse(null);
                                if (x == null) {
                                    continue;
                                }
                            } else {
                                x = ch.receive();
                            }
                            int p = (int) (x >>> 32);
                            long i = x & 0xffff_ffffL;
                            if (i <= last[p]) {
                                throw new AssertionError("consumer " + id + " got " + i + " of producer " + p
                                        + " after " + last[p]);
                            }
                            last[p] = i;
                            seen.incrementAndGet(p * perProducer + (int) i);
                        }
                    } catch (ChannelClosedException end) {
                        // closed and drained
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            assertTrue(producersDone.await(TestSupport.BODY_BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS),
                    "the producers finished (capacity " + capacity + ", " + threads + ")");
            ch.close();
            joinAll(all, errors, "capacity " + capacity + ", " + threads);
            for (int k = 0; k < seen.length(); k++) {
                if (seen.get(k) != 1) {
                    fail("element " + (k % perProducer) + " of producer " + (k / perProducer) + " received "
                            + seen.get(k) + " times (capacity " + capacity + ", " + threads + ")");
                }
            }
        }
    }

    /**
     * close() racing lock-free sends and receives: the elements received are exactly those whose
     * send returned normally (none whose send threw ChannelClosedException), each once, in each
     * producer's order; iteration ends in every consumer.
     */
    @Tag("stress")
    @ParameterizedTest
    @MethodSource("loads")
    void closeRacingLockFreeSendsDeliversExactlyTheSentElements(int capacity, ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom();
        for (int round = 0; round < 200; round++) {
            Channel<Long> ch = Channel.bounded(capacity);
            int producers = 3;
            long[] sent = new long[producers];
            ConcurrentLinkedQueue<Long> got = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> all = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                boolean tryOnly = p == 0;
                all.add(threads.startThread(() -> {
                    try {
                        for (long i = 0; ; i++) {
                            long x = ((long) id << 32) | i;
                            if (tryOnly) {
                                while (!ch.trySend(x)) {
                                    Thread.onSpinWait();
                                }
                            } else {
                                ch.send(x);
                            }
                            sent[id] = i + 1;
                        }
                    } catch (ChannelClosedException end) {
                        // the element of this call was not sent
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (int c = 0; c < 2; c++) {
                all.add(threads.startThread(() -> {
                    try {
                        long[] last = new long[producers];
                        java.util.Arrays.fill(last, -1);
                        for (long x : ch) {
                            int p = (int) (x >>> 32);
                            long i = x & 0xffff_ffffL;
                            if (i <= last[p]) {
                                throw new AssertionError("got " + i + " of producer " + p + " after " + last[p]);
                            }
                            last[p] = i;
                            got.add(x);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            long spin = rnd.nextInt(200_000);
            for (long i = 0; i < spin; i++) {
                Thread.onSpinWait();
            }
            ch.close();
            joinAll(all, errors, "capacity " + capacity + ", " + threads);
            long[] perProducer = new long[producers];
            java.util.Set<Long> distinct = new java.util.HashSet<>(got);
            assertEquals(got.size(), distinct.size(), "no element received twice");
            for (long x : got) {
                int p = (int) (x >>> 32);
                assertTrue((x & 0xffff_ffffL) < sent[p], "received an element whose send did not return");
                perProducer[p]++;
            }
            for (int p = 0; p < producers; p++) {
                assertEquals(sent[p], perProducer[p], "producer " + p + ": the elements whose send returned, each once"
                        + " (capacity " + capacity + ", " + threads + ", round " + round + ")");
            }
        }
    }

    /** Joins every thread (each within a bound: a hang fails) and throws what any of them caught. */
    private static void joinAll(List<Thread> all, java.util.Collection<Throwable> errors, String what)
            throws InterruptedException {
        for (Thread t : all) {
            assertTrue(t.join(PROMPT), "every thread finished: " + t + " " + t.getState());
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError(what + ": " + errors.size() + " errors");
            errors.forEach(e::addSuppressed);
            throw e;
        }
    }
}
