package dev.weft;

import static dev.weft.TestSupport.PROMPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.Background;
import dev.weft.TestSupport.ThreadKind;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A task's thread starts without looking at its scope chain: its spawner delivers to a task
 * spawned into a cancelled group before starting its thread, and a cancellation that comes later
 * reaches the linked task by itself (ThreadInterrupts' overview). These tests block the task in a
 * JDK call, which only weft's interrupt can end, so a lost delivery hangs the group and fails the
 * bounded join instead of passing at the next weft checkpoint.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpawnIntoCancelledGroupTest {
    /** Iterations of the race; each is a group, a task and a cancelling thread. */
    private static final int RACES = 1_000;

    /** A task spawned into an already cancelled group is interrupted in its first JDK call. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void taskSpawnedIntoCancelledGroupIsInterruptedInAJdkCall(ThreadKind owner) throws Exception {
        AtomicInteger interrupted = new AtomicInteger();
        Background b = Background.start(owner, "owner", () -> TaskGroup.run(g -> {
            g.cancel();
            g.spawn(() -> blockInJdkCall(interrupted));
            return null;
        }));
        b.join(PROMPT);
        assertEquals(1, interrupted.get(), "the task's JDK call was interrupted");
    }

    /**
     * A cancellation racing with a spawn interrupts the task whichever comes first: before the
     * task is linked (the spawner delivers), between linking and the thread's start (the delivery
     * is kept pending), or after (the thread is interrupted).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancellationRacingWithSpawnAlwaysInterruptsATaskInAJdkCall(ThreadKind owner) throws Exception {
        AtomicInteger interrupted = new AtomicInteger();
        Background b = Background.start(owner, "owner", () -> {
            for (int i = 0; i < RACES; i++) {
                CountDownLatch go = new CountDownLatch(1);
                TaskGroup.run(g -> {
                    Thread canceller = Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                        g.cancel();
                    });
                    go.countDown();
                    g.spawn(() -> blockInJdkCall(interrupted));
                    canceller.join();
                    return null;
                });
            }
        });
        b.join(TestSupport.BODY_BOUND);
        assertEquals(RACES, interrupted.get(), "every task's JDK call was interrupted");
    }

    /**
     * A delivery that races with the task's start is weft's interrupt, never a foreign one: a
     * shield entered right at the start takes it back, so a checkpoint inside the shield passes.
     * (Were the start to mistake the delivery's interrupt for a foreign one, the flag would
     * survive the shield and the checkpoint would throw "interrupted from outside weft".)
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void deliveryRacingWithTheStartIsTakenBackByAShield(ThreadKind owner) throws Exception {
        AtomicInteger passed = new AtomicInteger();
        Background b = Background.start(owner, "owner", () -> {
            for (int i = 0; i < RACES; i++) {
                TaskGroup.run(g -> {
                    g.spawn(() -> CancelScope.shield(() -> {
                        Weft.checkpoint();
                        return passed.incrementAndGet();
                    }));
                    g.cancel(); // races with the task's start
                    return null;
                });
            }
        });
        b.join(TestSupport.BODY_BOUND);
        assertEquals(RACES, passed.get(), "every shielded checkpoint passed");
    }

    /**
     * The start's slow path after the one interleaving the race above rarely hits: a delivery
     * that saw the thread already started (and interrupted it) runs between the start's write of
     * its started flag and its look at the interrupt state. The start must leave that interrupt
     * as weft's own (consumable), not call it foreign.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void startAfterADeliveryThatSawItStartedKeepsTheInterruptWefts(ThreadKind kind) throws Exception {
        Background b = Background.start(kind, "record-owner", () -> {
            ThreadRecord r = ThreadRecord.forGenerator(Thread.currentThread());
            CancelScope root = new CancelScope(null, r, ScopeKind.THREAD, null, "start-race");
            r.innermost = root;
            try {
                r.markStarted(); // the start's write of its flag, as a delivery sees it
                root.cancel(); // the delivery: sees the thread started and interrupts it
                assertTrue(Thread.currentThread().isInterrupted(), "the delivery interrupted the thread");
                r.startWithPendingInterrupt(); // the rest of the start
                assertTrue(r.consumeInterrupt(), "the interrupt is weft's, to be taken back");
                assertFalse(Thread.currentThread().isInterrupted(), "taking it back cleared the flag");
            } finally {
                Thread.interrupted();
                r.disarm();
            }
        });
        b.join(PROMPT);
    }

    /** Waits on a latch nobody opens; counts the interrupt that ends the wait. */
    private static Void blockInJdkCall(AtomicInteger interrupted) {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
        }
        return null;
    }
}
