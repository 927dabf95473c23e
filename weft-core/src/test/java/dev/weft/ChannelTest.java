package dev.weft;

import static dev.weft.TestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.TestSupport.ScopedCall;
import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of {@link Channel}: kinds, try-operations, closing, iteration, cancellation. */
class ChannelTest {

    @AfterEach
    void noInterruptLeftOnTestThread() {
        assertFalse(Thread.interrupted(), "the test thread's interrupt flag was left set");
    }

    record Job(int id) {
    }

    /** The example in Channel's Javadoc runs: a producer task closes, the consumer loop ends. */
    @Test
    void javadocExampleRuns() {
        List<Job> source = IntStream.range(0, 100).mapToObj(Job::new).toList();
        List<Job> handled = new ArrayList<>();
        java.util.function.Consumer<Job> handle = handled::add;
        // --- as in the Javadoc ---
        Channel<Job> jobs = Channel.bounded(16);
        TaskGroup.run(g -> {
            g.spawn(() -> {
                try (jobs) {                      // closing ends the consumer's loop
                    for (Job j : source) jobs.send(j);
                }
            });
            for (Job j : jobs) handle.accept(j);  // ends once closed and drained
            return null;
        });
        // ---
        assertEquals(source, handled);
    }

    // ---- construction and elements ----

    /** bounded(n) with n below 1 is refused with a message that names the value and the alternative. */
    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void boundedRejectsCapacityBelowOne(int capacity) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channel.bounded(capacity));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(capacity)), e.getMessage());
        assertTrue(e.getMessage().contains("rendezvous()"), e.getMessage());
    }

    /** Null elements are refused by send and trySend, with a message; the channel is unaffected. */
    @Test
    void nullElementsAreRejected() {
        Channel<String> ch = Channel.bounded(1);
        NullPointerException e = assertThrows(NullPointerException.class, () -> ch.send(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
        assertEquals(Optional.empty(), ch.tryReceive());
        assertTrue(ch.trySend("a"));
    }

    /** toString names the kind and whether the channel is closed. */
    @Test
    void toStringNamesKindAndState() {
        assertEquals("Channel[bounded(3)]", Channel.bounded(3).toString());
        assertEquals("Channel[unbounded]", Channel.unbounded().toString());
        Channel<Object> r = Channel.rendezvous();
        r.close();
        assertEquals("Channel[rendezvous, closed]", r.toString());
    }

    // ---- bounded ----

    /** A bounded channel buffers exactly its capacity; trySend fails when full; FIFO order. */
    @Test
    void boundedBuffersUpToCapacityInFifoOrder() {
        Channel<String> ch = Channel.bounded(2);
        assertTrue(ch.trySend("a"));
        ch.send("b");
        assertFalse(ch.trySend("c"));
        assertEquals(Optional.of("a"), ch.tryReceive());
        assertTrue(ch.trySend("c"));
        assertEquals("b", ch.receive());
        assertEquals("c", ch.receive());
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    /** A send to a full bounded channel waits until a receive frees a slot, then completes. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void sendWaitsWhileFullAndCompletesWhenSlotFrees(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.bounded(1);
        ch.send("a");
        ScopedCall<String> sender = ScopedCall.start(threads, () -> {
            ch.send("b");
            return "sent";
        });
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        assertTrue(sender.isAlive());
        assertEquals("a", ch.receive());
        assertEquals("sent", sender.value());
        assertEquals(Optional.of("b"), ch.tryReceive());
    }

    /** Blocked senders complete in the order they blocked, and their elements keep that order. */
    @Test
    void blockedSendersKeepFifoOrder() throws InterruptedException {
        Channel<Integer> ch = Channel.bounded(1);
        ch.send(0);
        List<ScopedCall<Object>> senders = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            int v = i;
            senders.add(ScopedCall.start(ThreadKind.VIRTUAL, () -> {
                ch.send(v);
                return null;
            }));
            awaitCondition(() -> ch.waitingSenders() == v, "sender " + v + " waits");
        }
        for (int i = 0; i <= 5; i++) {
            assertEquals(i, ch.receive());
        }
        senders.forEach(ScopedCall::value);
    }

    /** Blocked receivers are served in the order they blocked. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void blockedReceiversAreServedInArrivalOrder(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.bounded(4);
        ScopedCall<String> first = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the first receiver waits");
        ScopedCall<String> second = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 2, "the second receiver waits");
        ch.send("x");
        ch.send("y");
        assertEquals("x", first.value());
        assertEquals("y", second.value());
    }

    // ---- unbounded ----

    /** An unbounded channel never makes a sender wait, and keeps FIFO order over many elements. */
    @Test
    void unboundedNeverBlocksASender() {
        Channel<Integer> ch = Channel.unbounded();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(ch.trySend(i));
            ch.send(-i - 1);
        }
        for (int i = 0; i < 100_000; i++) {
            assertEquals(i, ch.receive());
            assertEquals(-i - 1, ch.receive());
        }
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    // ---- rendezvous ----

    /** Without a waiting partner, trySend fails and tryReceive is empty on a rendezvous channel. */
    @Test
    void rendezvousTryOperationsNeedAWaitingPartner() {
        Channel<String> ch = Channel.rendezvous();
        assertFalse(ch.trySend("a"));
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    /** A rendezvous send returns only once a receiver has taken the element. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void rendezvousSendWaitsForAReceiver(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ScopedCall<String> sender = ScopedCall.start(threads, () -> {
            ch.send("a");
            return "sent";
        });
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        assertTrue(sender.isAlive());
        assertEquals("a", ch.receive());
        assertEquals("sent", sender.value());
    }

    /** A rendezvous receive waits for a sender; trySend hands over to a waiting receiver. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void rendezvousTrySendHandsToAWaitingReceiver(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ScopedCall<String> receiver = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        assertTrue(ch.trySend("a"));
        assertEquals("a", receiver.value());
        assertFalse(ch.trySend("b"), "no receiver waits any more");
    }

    /** tryReceive on a rendezvous channel takes the element of a waiting sender, which completes. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void rendezvousTryReceiveTakesFromAWaitingSender(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ScopedCall<String> sender = ScopedCall.start(threads, () -> {
            ch.send("a");
            return "sent";
        });
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        assertEquals(Optional.of("a"), ch.tryReceive());
        assertEquals("sent", sender.value());
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    // ---- closing ----

    /** Sending to a closed channel throws ChannelClosedException, an IllegalStateException. */
    @Test
    void sendToClosedChannelThrows() {
        Channel<String> ch = Channel.bounded(2);
        ch.close();
        assertTrue(ch.isClosed());
        ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> ch.send("a"));
        assertInstanceOf(IllegalStateException.class, e);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(ChannelClosedException.class, () -> ch.trySend("a"));
    }

    /** Elements buffered before close are still received; then receive and tryReceive throw. */
    @Test
    void bufferedElementsAreDeliveredAfterClose() {
        Channel<String> ch = Channel.bounded(3);
        ch.send("a");
        ch.send("b");
        ch.close();
        assertEquals("a", ch.receive());
        assertEquals(Optional.of("b"), ch.tryReceive());
        ChannelClosedException e = assertThrows(ChannelClosedException.class, ch::receive);
        assertTrue(e.getMessage().contains("drained"), e.getMessage());
        assertThrows(ChannelClosedException.class, ch::tryReceive);
    }

    /** close() is idempotent and try-with-resources closes the channel. */
    @Test
    void closeIsIdempotentAndAutoCloseable() {
        Channel<String> ch = Channel.unbounded();
        try (ch) {
            ch.send("a");
        }
        assertTrue(ch.isClosed());
        ch.close();
        assertEquals("a", ch.receive());
    }

    /** Closing wakes blocked senders, which throw and whose elements are not delivered. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void closeWakesBlockedSendersWithoutDeliveringTheirElements(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.bounded(1);
        ch.send("kept");
        List<ScopedCall<Object>> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String v = "lost-" + i;
            senders.add(ScopedCall.start(threads, () -> {
                ch.send(v);
                return null;
            }));
        }
        awaitCondition(() -> ch.waitingSenders() == 3, "three senders wait");
        ch.close();
        for (ScopedCall<Object> s : senders) {
            assertInstanceOf(ChannelClosedException.class, s.error());
        }
        assertEquals("kept", ch.receive());
        assertThrows(ChannelClosedException.class, ch::receive);
    }

    /** Closing a rendezvous channel wakes its blocked senders, which throw. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void closeWakesBlockedRendezvousSender(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ScopedCall<Object> sender = ScopedCall.start(threads, () -> {
            ch.send("x");
            return null;
        });
        awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits");
        ch.close();
        assertInstanceOf(ChannelClosedException.class, sender.error());
        assertThrows(ChannelClosedException.class, ch::tryReceive);
    }

    /** Closing wakes blocked receivers, which throw ChannelClosedException. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void closeWakesBlockedReceivers(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.bounded(2);
        ScopedCall<String> a = ScopedCall.start(threads, ch::receive);
        ScopedCall<String> b = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 2, "two receivers wait");
        ch.close();
        assertInstanceOf(ChannelClosedException.class, a.error());
        assertInstanceOf(ChannelClosedException.class, b.error());
    }

    // ---- iteration ----

    /** Iteration yields every element in order and ends once the channel is closed and drained. */
    @Test
    void iterationEndsWhenClosedAndDrained() {
        Channel<Integer> ch = Channel.bounded(3);
        List<Integer> got = TaskGroup.run(g -> {
            g.spawn(() -> {
                try (ch) {
                    for (int i = 0; i < 500; i++) {
                        ch.send(i);
                    }
                }
            });
            List<Integer> out = new ArrayList<>();
            for (int x : ch) {
                out.add(x);
            }
            return out;
        });
        assertEquals(IntStream.range(0, 500).boxed().toList(), got);
    }

    /** hasNext is idempotent; next after the end throws NoSuchElementException. */
    @Test
    void iteratorHasNextIsIdempotentAndNextPastEndThrows() {
        Channel<String> ch = Channel.unbounded();
        ch.send("a");
        ch.send("b");
        ch.close();
        Iterator<String> it = ch.iterator();
        assertTrue(it.hasNext());
        assertTrue(it.hasNext());
        assertEquals("a", it.next());
        assertEquals("b", it.next());
        assertFalse(it.hasNext());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    /** Several iterating consumers share the elements: each is received exactly once. */
    @Test
    void severalIteratorsShareElementsEachReceivedOnce() {
        Channel<Integer> ch = Channel.rendezvous();
        ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
        TaskGroup.run(g -> {
            for (int c = 0; c < 4; c++) {
                g.spawn(() -> {
                    for (int x : ch) {
                        got.add(x);
                    }
                });
            }
            try (ch) {
                for (int i = 0; i < 2000; i++) {
                    ch.send(i);
                }
            }
            return null;
        });
        assertEquals(IntStream.range(0, 2000).boxed().toList(), got.stream().sorted().toList());
    }

    // ---- cancellation ----

    /** In a cancelled scope send and receive throw every time, even when they could complete; try-ops still work. */
    @Test
    void sendAndReceiveThrowInCancelledScopeEvenWhenReady() {
        Channel<String> ch = Channel.bounded(2);
        ch.send("a");
        CancelScope.run(s -> {
            s.cancel();
            assertThrows(CancelledException.class, () -> ch.send("b"));
            assertThrows(CancelledException.class, ch::receive);
            assertThrows(CancelledException.class, ch::receive);
            assertThrows(CancelledException.class, () -> ch.iterator().hasNext());
            assertTrue(ch.trySend("c"), "trySend is not a cancellation point");
            return null;
        });
        assertEquals("a", ch.receive());
        assertEquals("c", ch.receive(), "the cancelled send of b did not happen");
        assertEquals(Optional.empty(), ch.tryReceive());
    }

    /** Inside a shield, send and receive work although the enclosing scope is cancelled; the shield's exit delivers it. */
    @Test
    void shieldedChannelCallsCompleteInCancelledScope() {
        Channel<String> ch = Channel.rendezvous();
        ScopedCall<String> receiver = ScopedCall.start(ThreadKind.VIRTUAL, ch::receive);
        boolean[] shieldDone = {false};
        Object r = CancelScope.run(s -> {
            s.cancel();
            assertThrows(CancelledException.class, () -> ch.send("unshielded"));
            CancelScope.shield(() -> {
                ch.send("shielded");          // waits for the receiver although s is cancelled
                shieldDone[0] = true;
                return null;
            });
            fail("the shield's exit should have delivered the cancellation");
            return "unreachable";
        });
        assertNull(r, "the cancelled scope absorbed the cancellation delivered at the shield's exit");
        assertTrue(shieldDone[0]);
        assertEquals("shielded", receiver.value());
    }

    /** A blocked receive wakes on cancellation, takes nothing, and a later element goes elsewhere. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancelledReceiveTakesNothing(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.bounded(1);
        ScopedCall<String> receiver = ScopedCall.start(threads, ch::receive);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        receiver.cancel();
        assertInstanceOf(CancelledException.class, receiver.error());
        assertEquals(0, ch.waitingReceivers(), "the cancelled receiver left the queue");
        ch.send("a");
        assertEquals(Optional.of("a"), ch.tryReceive(), "the element did not go to the cancelled receiver");
    }

    /** A blocked send wakes on cancellation and its element is never delivered (bounded and rendezvous). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancelledSendDeliversNothing(ThreadKind threads) throws InterruptedException {
        for (Channel<String> ch : List.of(Channel.<String>bounded(1), Channel.<String>rendezvous())) {
            ch.trySend("first"); // fills the bounded channel; fails on the rendezvous one
            ScopedCall<Object> sender = ScopedCall.start(threads, () -> {
                ch.send("cancelled");
                return null;
            });
            awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits on " + ch);
            sender.cancel();
            assertInstanceOf(CancelledException.class, sender.error());
            assertEquals(0, ch.waitingSenders());
            ch.close();
            List<String> rest = new ArrayList<>();
            ch.forEach(rest::add);
            assertFalse(rest.contains("cancelled"), ch + " delivered a cancelled send: " + rest);
        }
    }

    /**
     * Starts a receiver on {@code ch} that records what it received, then whether its next weft
     * call (a checkpoint) threw the cancellation.
     */
    private static ScopedCall<String> receiverThatChecksAfter(ThreadKind threads, Channel<String> ch,
                                                              ConcurrentLinkedQueue<Object> events) {
        return ScopedCall.start(threads, () -> {
            String x = ch.receive();
            events.add("received " + x);
            try {
                Weft.checkpoint();
            } catch (CancelledException e) {
                events.add("cancelled at next call");
            }
            return x;
        });
    }

    /**
     * A receiver cancelled while a sender completes its hand-off returns the element normally
     * (the operation happened), and the cancellation surfaces at its next weft call.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void receiveThatCompletedDespiteCancellationReturnsTheElement(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
        ScopedCall<String> receiver = receiverThatChecksAfter(threads, ch, events);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        // Hold the channel's lock so that the cancelled receiver cannot withdraw, then complete
        // the hand-off (send re-enters the lock) before letting it look.
        ch.lockForTest();
        try {
            receiver.cancel();
            awaitCondition(() -> TestSupport.isWaitingForChannelLock(ch, receiver.thread()), "the cancelled receiver tries to withdraw");
            assertTrue(ch.trySend("handed"), "the receiver is still waiting, so trySend hands over");
        } finally {
            ch.unlockForTest();
        }
        assertEquals("handed", receiver.value());
        assertEquals(List.of("received handed", "cancelled at next call"), List.copyOf(events));
    }

    /**
     * A receive that queues for the channel's lock and whose deadline passes meanwhile is
     * cancelled there, before it takes anything: the element stays in the channel. The lock is
     * held long past the deadline, so that the timer's re-delivery of weft's interrupt comes
     * while the receive still waits; with an uninterruptible lock() the receive went on to take
     * the element once the lock was free, and the timeout, finding weft's interrupt consumed by
     * the lock's wait, reported the cancellation swallowed and returned empty: the element lost.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void receiveQueuedForTheLockWhenItsDeadlinePassesTakesNothing(ThreadKind threads) throws InterruptedException {
        Channel<Integer> ch = Channel.bounded(2);
        assertTrue(ch.trySend(1));
        java.util.concurrent.atomic.AtomicReference<Optional<Integer>> got = new java.util.concurrent.atomic.AtomicReference<>();
        ch.lockForTest();
        Thread t = threads.startThread(() -> got.set(Timeout.moveOnAfter(Duration.ofMillis(20), ch::receive)));
        try {
            awaitCondition(() -> ch.lock.hasQueuedThread(t), "the receive queues for the lock");
            // Until the receive leaves the queue (cancelled), or long enough for a re-delivery
            // (the first comes 10 ms after the delivery) when it does not.
            long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (ch.lock.hasQueuedThread(t) && System.nanoTime() - until < 0) {
                Thread.sleep(1);
            }
        } finally {
            ch.unlockForTest();
        }
        assertTrue(t.join(TestSupport.PROMPT), "the receive returned");
        Optional<Integer> r = got.get();
        if (r.isPresent()) {
            assertEquals(1, r.get());
        } else {
            assertEquals(Optional.of(1), ch.tryReceive(), "a receive that reported nothing took nothing");
        }
    }

    /**
     * A receiver cancelled after a sender has claimed its node but before the sender has published
     * the hand-off (the instant after the sender unlocks) cannot withdraw: it waits for the
     * publication and returns the element; the cancellation surfaces at its next weft call.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void receiverCancelledBetweenClaimAndPublicationReturnsTheElement(ThreadKind threads) throws InterruptedException {
        Channel<String> ch = Channel.rendezvous();
        ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
        ScopedCall<String> receiver = receiverThatChecksAfter(threads, ch, events);
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        ChannelWaiter claimed = ch.claimOldestReceiver("handed");
        assertNotNull(claimed, "a receiver waits");
        // Let the cancelled receiver try to withdraw only while the hand-off is claimed, not
        // published: hold the lock until it queues for it, then wait until it got through.
        ch.lockForTest();
        try {
            receiver.cancel();
            awaitCondition(() -> TestSupport.isWaitingForChannelLock(ch, receiver.thread()), "the cancelled receiver tries to withdraw");
        } finally {
            ch.unlockForTest();
        }
        awaitCondition(() -> !TestSupport.isWaitingForChannelLock(ch, receiver.thread()) && !ch.lock.isLocked(),
                "the cancelled receiver has tried to withdraw");
        assertTrue(receiver.isAlive(), "the receiver waits for the claimed hand-off's publication");
        Channel.release(claimed);
        assertEquals("handed", receiver.value());
        assertEquals(List.of("received handed", "cancelled at next call"), List.copyOf(events));
        assertEquals(0, ch.waitingReceivers());
    }

    /**
     * A sender cancelled while a receiver takes its element returns normally (the element was
     * delivered), and the cancellation surfaces at its next weft call.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void sendThatCompletedDespiteCancellationReturnsNormally(ThreadKind threads) throws InterruptedException {
        for (Channel<String> ch : List.of(Channel.<String>bounded(1), Channel.<String>rendezvous())) {
            boolean bounded = ch.trySend("first");
            ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
            ScopedCall<Object> sender = ScopedCall.start(threads, () -> {
                ch.send("second");
                events.add("sent");
                try {
                    Weft.checkpoint();
                } catch (CancelledException e) {
                    events.add("cancelled at next call");
                }
                return null;
            });
            awaitCondition(() -> ch.waitingSenders() == 1, "the sender waits on " + ch);
            List<String> got = new ArrayList<>();
            ch.lockForTest();
            try {
                sender.cancel();
                awaitCondition(() -> TestSupport.isWaitingForChannelLock(ch, sender.thread()), "the cancelled sender tries to withdraw");
                got.add(ch.tryReceive().orElseThrow());
            } finally {
                ch.unlockForTest();
            }
            sender.value();
            assertEquals(List.of("sent", "cancelled at next call"), List.copyOf(events));
            ch.tryReceive().ifPresent(got::add);
            assertEquals(bounded ? List.of("first", "second") : List.of("second"), got, ch.toString());
        }
    }

    /** A receive under a timeout gives up when the deadline passes; DeadlineExceeded with failAfter. */
    @Test
    void receiveHonoursTimeouts() {
        Channel<String> ch = Channel.rendezvous();
        long t0 = System.nanoTime();
        assertEquals(Optional.empty(), Timeout.moveOnAfter(Duration.ofMillis(30), ch::receive));
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ofMillis(30), () -> {
            ch.send("x");
            return null;
        }));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "timeouts woke the waiters promptly");
        assertEquals(0, ch.waitingReceivers() + ch.waitingSenders());
        assertEquals(Optional.empty(), ch.tryReceive(), "the timed-out send did not happen");
    }

    /** Cancelling a task group wakes its tasks blocked in send and receive. */
    @Test
    void groupCancellationWakesBlockedChannelCalls() {
        Channel<String> full = Channel.bounded(1);
        full.send("x");
        Channel<String> empty = Channel.unbounded();
        Task<?>[] tasks = new Task<?>[2];
        TaskGroup.run(g -> {
            tasks[0] = g.spawn(() -> full.send("y"));
            tasks[1] = g.spawn(() -> empty.receive());
            awaitCondition(() -> full.waitingSenders() == 1 && empty.waitingReceivers() == 1, "both tasks wait");
            g.cancel();
            return null;
        });
        assertTrue(tasks[0].isCancelled());
        assertTrue(tasks[1].isCancelled());
        assertEquals(List.of("x"), drain(full));
    }

    /** An interrupt from outside weft stops a blocked receive with CancelledException and stays set. */
    @Test
    void foreignInterruptStopsABlockedReceiveAndStaysSet() throws InterruptedException {
        Channel<String> ch = Channel.bounded(1);
        Throwable[] error = new Throwable[1];
        boolean[] flag = new boolean[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                ch.receive();
            } catch (Throwable e) {
                error[0] = e;
            }
            flag[0] = Thread.currentThread().isInterrupted();
        });
        awaitCondition(() -> ch.waitingReceivers() == 1, "the receiver waits");
        t.interrupt();
        assertTrue(t.join(TestSupport.PROMPT), "the interrupted receiver woke up");
        assertInstanceOf(CancelledException.class, error[0]);
        assertTrue(flag[0], "the foreign interrupt stays visible");
        assertEquals(0, ch.waitingReceivers());
    }

    private static <T> List<T> drain(Channel<T> ch) {
        List<T> out = new ArrayList<>();
        for (Optional<T> x; (x = ch.tryReceive()).isPresent(); ) {
            out.add(x.get());
        }
        return out;
    }
}
