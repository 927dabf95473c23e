package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How precisely a timeout fires: {@code failAfter(d)} around a blocking call never stops it
 * before the deadline, and stops it soon after. The lateness (time past the deadline when the
 * body sees its cancellation, and when the block has ended) is recorded over many runs and its
 * distribution printed; the bounds are loose, for two busy cores.
 */
@org.junit.jupiter.api.Timeout(60)
class TimeoutPrecisionTest {
    private static final int RUNS = 50;
    private static final Duration BUDGET = Duration.ofMillis(20);
    private static final Duration MEDIAN_BOUND = Duration.ofMillis(50);
    private static final Duration MAX_BOUND = Duration.ofSeconds(1);

    /** The kinds of thread the timeout runs on. */
    enum Kind {
        PLATFORM, VIRTUAL
    }

    /** The blocking call the timeout interrupts. */
    enum Blocker {
        /** A JDK sleep: the deadline timer must interrupt it. */
        THREAD_SLEEP,
        /** weft's sleep: it parks until the effective deadline itself. */
        WEFT_SLEEP,
        /** A JDK queue wait, interrupted like the sleep. */
        QUEUE_TAKE
    }

    static Stream<Arguments> cases() {
        return Stream.of(Blocker.values()).flatMap(b -> Stream.of(Kind.values()).map(k -> Arguments.of(b, k)));
    }

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** Over {@value #RUNS} runs: never early; median lateness within 50 ms; maximum within 1 s. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void timeoutFiresNoEarlierThanDeadlineAndSoonAfter(Blocker blocker, Kind kind) throws Exception {
        long[] seenLate = new long[RUNS];
        long[] exitLate = new long[RUNS];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable measure = () -> {
            try {
                for (int i = 0; i < RUNS; i++) {
                    AtomicReference<Deadline> deadline = new AtomicReference<>();
                    long[] seen = {Long.MIN_VALUE};
                    DeadlineExceededException e = null;
                    try {
                        Timeout.failAfter(BUDGET, () -> {
                            Deadline d = CancelScope.current().deadline().orElseThrow();
                            deadline.set(d);
                            try {
                                switch (blocker) {
                                    case THREAD_SLEEP -> Thread.sleep(Duration.ofSeconds(20));
                                    case WEFT_SLEEP -> Weft.sleep(Duration.ofSeconds(20));
                                    case QUEUE_TAKE -> new ArrayBlockingQueue<Integer>(1).take();
                                }
                            } finally {
                                seen[0] = -d.remaining().toNanos();
                            }
                            return null;
                        });
                    } catch (DeadlineExceededException expected) {
                        e = expected;
                    }
                    exitLate[i] = -deadline.get().remaining().toNanos();
                    seenLate[i] = seen[0];
                    assertInstanceOf(DeadlineExceededException.class, e, "run " + i + ": the timeout did not fire");
                    assertEquals(deadline.get(), e.deadline());
                    assertFalse(Thread.currentThread().isInterrupted(), "run " + i + ": interrupt leaked");
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        Thread t = kind == Kind.PLATFORM ? Thread.ofPlatform().start(measure) : Thread.ofVirtual().start(measure);
        assertTrue(t.join(Duration.ofSeconds(50)), "runs did not finish");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Arrays.sort(seenLate);
        Arrays.sort(exitLate);
        System.out.printf("[TimeoutPrecisionTest] %s on %s, budget %d ms, %d runs; lateness in ms%n"
                        + "    seen by the body: %s%n    block ended:      %s%n",
                blocker, kind, BUDGET.toMillis(), RUNS, summary(seenLate), summary(exitLate));
        assertTrue(seenLate[0] >= 0, "the body was stopped " + -seenLate[0] + " ns before its deadline");
        assertTrue(exitLate[0] >= 0);
        assertTrue(seenLate[RUNS / 2] <= MEDIAN_BOUND.toNanos(), "median lateness " + seenLate[RUNS / 2] + " ns");
        assertTrue(exitLate[RUNS - 1] <= MAX_BOUND.toNanos(), "maximum lateness " + exitLate[RUNS - 1] + " ns");
    }

    private static String summary(long[] sorted) {
        return String.format("min %.2f  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f",
                ms(sorted[0]), ms(sorted[sorted.length / 2]), ms(sorted[sorted.length * 9 / 10]),
                ms(sorted[Math.min(sorted.length - 1, sorted.length * 99 / 100)]), ms(sorted[sorted.length - 1]));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
