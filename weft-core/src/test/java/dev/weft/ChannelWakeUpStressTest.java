package dev.weft;

import static dev.weft.TestSupport.WAKE_BOUND;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.TestSupport.Background;
import dev.weft.TestSupport.ScopedCall;
import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wake-up of a blocked channel call: a partner (or {@code close()}) decides the waiter's node
 * under the channel's lock and unparks it after unlocking, while the waiter yields, checks its
 * decision and parks. These tests race the decision against the waiter's way into its park at
 * random offsets, on both kinds of threads, and fail if a waiter sleeps through its decision (it
 * would not finish within {@link TestSupport#WAKE_BOUND}) or if an element is lost, duplicated
 * or reordered, also when receivers are cancelled around a hand-off.
 */
@Tag("stress")
class ChannelWakeUpStressTest {
    /** Time spent on each case; at least {@link #MIN_ROUNDS} rounds run anyway. */
    private static final Duration BUDGET = Duration.ofMillis(600);
    private static final int MIN_ROUNDS = 200;

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String kind : List.of("rendezvous", "bounded(1)")) {
            for (ThreadKind t : ThreadKind.values()) {
                all.add(Arguments.of(kind, t));
            }
        }
        return all.stream();
    }

    private static Supplier<Channel<Integer>> kind(String kind) {
        return switch (kind) {
            case "rendezvous" -> Channel::rendezvous;
            case "bounded(1)" -> () -> Channel.bounded(1);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Waits a random short while: none, a few spins, a yield, or until {@code t} has parked. */
    private static void randomPause(SplittableRandom rnd, Thread t) {
        switch (rnd.nextInt(4)) {
            case 0 -> { }
            case 1 -> {
                for (int i = rnd.nextInt(2_000); i > 0; i--) {
                    Thread.onSpinWait();
                }
            }
            case 2 -> Thread.yield();
            default -> TestSupport.awaitParked(t);
        }
    }

    /**
     * One receiver waits; a sender completes it at a random moment (before, while or after it
     * parks). The receiver always wakes with the element.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void aWaitingReceiverAlwaysWakes(String kind, ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom(kind.hashCode() * 31L + threads.ordinal());
        long end = System.nanoTime() + BUDGET.toNanos();
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() - end < 0; round++) {
            Channel<Integer> ch = kind(kind).get();
            int[] got = new int[1];
            Background receiver = threads.start("receiver", () -> got[0] = ch.receive());
            randomPause(rnd, receiver.thread());
            ch.send(round);
            receiver.join(WAKE_BOUND);
            assertEquals(round, got[0], "round " + round);
        }
    }

    /**
     * One sender waits (a rendezvous channel, or a full bounded one); a receiver takes at a random
     * moment. The sender always wakes, and the elements come out in order.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void aWaitingSenderAlwaysWakes(String kind, ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom(kind.hashCode() * 17L + threads.ordinal());
        long end = System.nanoTime() + BUDGET.toNanos();
        boolean bounded = !kind.equals("rendezvous");
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() - end < 0; round++) {
            Channel<Integer> ch = kind(kind).get();
            if (bounded) {
                assertTrue(ch.trySend(-1), "fills the buffer");
            }
            int r = round;
            Background sender = threads.start("sender", () -> ch.send(r));
            randomPause(rnd, sender.thread());
            if (bounded) {
                assertEquals(-1, ch.receive());
            }
            assertEquals(round, ch.receive(), "round " + round);
            sender.join(WAKE_BOUND);
        }
    }

    /**
     * A waiter on a rendezvous channel is cancelled while a partner's non-blocking call races to
     * complete it, from a random offset on each side: the element moves exactly when the
     * partner's call says it did (the waiter returns normally, the cancellation kept for its next
     * weft call), and otherwise the waiter throws {@link CancelledException} with nothing linked;
     * no interrupt leaks out of the waiter's scope.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void aCancelledWaiterEndsAsTheRacingPartnerSays(ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom(41L + threads.ordinal());
        long end = System.nanoTime() + BUDGET.toNanos();
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() - end < 0; round++) {
            Channel<Integer> ch = Channel.rendezvous();
            boolean receiverWaits = rnd.nextBoolean();
            int r = round;
            ScopedCall<Integer> waiter = ScopedCall.start(threads, receiverWaits ? ch::receive : () -> {
                ch.send(r);
                return r;
            });
            TestSupport.awaitCondition(() -> ch.waitingReceivers() + ch.waitingSenders() == 1, "round " + round + ": the waiter waits");
            int partnerSpins = rnd.nextInt(600);
            int cancelSpins = rnd.nextInt(600);
            java.util.concurrent.atomic.AtomicBoolean go = new java.util.concurrent.atomic.AtomicBoolean();
            boolean[] moved = new boolean[1];
            Background partner = threads.start("partner", () -> {
                while (!go.get()) {
                    Thread.onSpinWait();
                }
                for (int i = partnerSpins; i > 0; i--) {
                    Thread.onSpinWait();
                }
                moved[0] = receiverWaits ? ch.trySend(r) : ch.tryReceive().map(x -> {
                    assertEquals(r, x);
                    return true;
                }).orElse(false);
            });
            go.set(true);
            for (int i = cancelSpins; i > 0; i--) {
                Thread.onSpinWait();
            }
            waiter.cancel();
            partner.join(WAKE_BOUND);
            if (moved[0]) {
                assertEquals(r, waiter.value(), "round " + round + ": the hand-off happened, so the waiter returns it");
            } else {
                assertInstanceOf(CancelledException.class, waiter.error(), "round " + round + ": nothing moved, so the waiter was cancelled");
            }
            assertEquals(0, ch.waitingReceivers() + ch.waitingSenders(), "round " + round + ": nothing stays linked");
        }
    }

    /** Waiters on both sides, then close() at a random moment: every waiter wakes and throws. */
    @ParameterizedTest
    @MethodSource("cases")
    void closeAlwaysWakesItsWaiters(String kind, ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom(kind.hashCode() * 7L + threads.ordinal());
        long end = System.nanoTime() + BUDGET.toNanos();
        for (int round = 0; round < MIN_ROUNDS / 4 || System.nanoTime() - end < 0; round++) {
            Channel<Integer> receiving = kind(kind).get();
            Channel<Integer> sending = kind(kind).get();
            if (!kind.equals("rendezvous")) {
                assertTrue(sending.trySend(-1), "fills the buffer");
            }
            Background receiver = threads.start("receiver",
                    () -> assertThrows(ChannelClosedException.class, receiving::receive));
            Background sender = threads.start("sender",
                    () -> assertThrows(ChannelClosedException.class, () -> sending.send(1)));
            randomPause(rnd, receiver.thread());
            receiving.close();
            randomPause(rnd, sender.thread());
            sending.close();
            receiver.join(WAKE_BOUND);
            sender.join(WAKE_BOUND);
        }
    }

    /**
     * Four producers and four consumers hand 3 000 elements each through the channel, with random
     * short pauses so that waiters park at every stage: every element arrives once, each
     * producer's in order, and no one sleeps through a hand-off.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void manyPairsHandEveryElementOverOnceInOrder(String kind, ThreadKind threads) throws Exception {
        int pairs = 4;
        int perProducer = 3_000;
        Channel<Integer> ch = kind(kind).get();
        AtomicIntegerArray seen = new AtomicIntegerArray(pairs * perProducer);
        List<Background> all = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            int producer = p;
            all.add(threads.start("producer-" + p, () -> {
                SplittableRandom rnd = new SplittableRandom(producer);
                for (int i = 0; i < perProducer; i++) {
                    if (rnd.nextInt(8) == 0) {
                        Thread.yield();
                    }
                    ch.send(producer * perProducer + i);
                }
            }));
            all.add(threads.start("consumer-" + p, () -> {
                SplittableRandom rnd = new SplittableRandom(100 + producer);
                int[] last = new int[pairs];
                java.util.Arrays.fill(last, -1);
                for (int i = 0; i < perProducer; i++) {
                    if (rnd.nextInt(8) == 0) {
                        Thread.yield();
                    }
                    int x = ch.receive();
                    assertEquals(0, seen.getAndIncrement(x), "element " + x + " received twice");
                    int from = x / perProducer;
                    assertTrue(x > last[from], "producer " + from + "'s elements out of order: " + x + " after " + last[from]);
                    last[from] = x;
                }
            }));
        }
        for (Background b : all) {
            b.join(TestSupport.PROMPT);
        }
        for (int i = 0; i < seen.length(); i++) {
            assertEquals(1, seen.get(i), "element " + i);
        }
        assertEquals(0, ch.waitingSenders() + ch.waitingReceivers());
    }

    /**
     * Three receivers wait on a buffered channel; the oldest (the one the element is handed to)
     * and sometimes the second are cancelled around the send. Whichever wins each race, the
     * element reaches exactly one receiver: a cancelled receiver either withdrew before the
     * hand-off (and the element goes to the next) or returns the element it was handed.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void anElementReachesOneReceiverWhileTheOthersAreCancelled(ThreadKind threads) throws Exception {
        SplittableRandom rnd = new SplittableRandom(threads.ordinal());
        long end = System.nanoTime() + BUDGET.toNanos();
        for (int round = 0; round < MIN_ROUNDS / 2 || System.nanoTime() - end < 0; round++) {
            Channel<Integer> ch = Channel.bounded(2);
            ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
            List<ScopedCall<Void>> receivers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                receivers.add(ScopedCall.start(threads, () -> {
                    try {
                        got.add(ch.receive());
                    } catch (CancelledException | ChannelClosedException e) {
                        // not received: the element must reach another receiver
                    }
                    return null;
                }));
                int linked = i + 1;
                TestSupport.awaitCondition(() -> ch.waitingReceivers() == linked, "receiver " + i + " waits");
            }
            boolean cancelSecond = rnd.nextBoolean();
            if (rnd.nextBoolean()) {
                receivers.get(0).cancel();
                randomPause(rnd, receivers.get(2).thread());
                ch.send(round);
            } else {
                ch.send(round);
                randomPause(rnd, receivers.get(2).thread());
                receivers.get(0).cancel();
            }
            if (cancelSecond) {
                receivers.get(1).cancel();
            }
            TestSupport.awaitCondition(() -> got.size() == 1, "round " + round + ": the element reaches a receiver");
            ch.close();
            for (ScopedCall<Void> r : receivers) {
                r.finish();
            }
            assertEquals(List.of(round), List.copyOf(got), "round " + round);
        }
    }
}
