package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelScope;
import dev.weft.Channel;
import dev.weft.Deadline;
import dev.weft.DeadlineExceededException;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import dev.weft.spi.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Virtual time: sleeps and deadlines jump when every thread of the block waits in weft. */
@org.junit.jupiter.api.Timeout(120)
class VirtualTimeTest {
    /**
     * The stall tests give virtual time 1 s of real time to see the block's threads settle. The
     * first task of a JVM may spend a while in lazy initialization (JFR's event types): a loaded
     * machine once took longer than the stall timeout there, so the report named that frame
     * instead of the wait under test. Warm up on real time first.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        TaskGroup.run(g -> g.spawn(() -> null).join());
    }

    /** A 30-second failAfter around a 60-second sleep fails at exactly 30 s, every one of 100 runs. */
    @Test
    void thirtySecondTimeoutAroundSixtySecondSleepIsDeterministic() throws Exception {
        long start = System.nanoTime();
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            outcomes.add(VirtualTime.call(() -> {
                DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                        () -> Timeout.failAfter(Duration.ofSeconds(30), () -> {
                            Weft.sleep(Duration.ofSeconds(60));
                            return null;
                        }));
                return e.getClass().getSimpleName() + " at " + VirtualTime.elapsed();
            }));
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("[VirtualTimeTest] 100 runs of failAfter(30 s) around sleep(60 s) took %d ms of real time%n", ms);
        assertEquals(List.of("DeadlineExceededException at PT30S"), outcomes.stream().distinct().toList());
    }

    /** Tasks sleeping 10 s and 20 s end in 20 s of virtual time, in the order of their sleeps. */
    @Test
    void tasksSleepingInParallelJumpTogether() throws Exception {
        EventTrail trail = new EventTrail();
        VirtualTime.run(() -> {
            TaskGroup.run(g -> {
                g.spawn("slow", () -> {
                    Weft.sleep(Duration.ofSeconds(20));
                    trail.record("slow woke at " + VirtualTime.elapsed());
                    return null;
                });
                g.spawn("fast", () -> {
                    Weft.sleep(Duration.ofSeconds(10));
                    trail.record("fast woke at " + VirtualTime.elapsed());
                    return null;
                });
                return null;
            });
            assertEquals(Duration.ofSeconds(20), VirtualTime.elapsed());
        });
        trail.assertExactly("fast woke at PT10S", "slow woke at PT20S");
    }

    /** moveOnAfter, Timeout.remaining, a scope's deadline and Deadline.remaining all read virtual time. */
    @Test
    void timeoutsAndDeadlinesReadVirtualTime() throws Exception {
        VirtualTime.run(() -> {
            Optional<Object> moved = Timeout.moveOnAfter(Duration.ofMinutes(5), () -> {
                Weft.sleep(Duration.ofHours(1));
                return "finished";
            });
            assertTrue(moved.isEmpty());
            assertEquals(Duration.ofMinutes(5), VirtualTime.elapsed());
            Timeout.failAfter(Duration.ofSeconds(10), () -> {
                Weft.sleep(Duration.ofSeconds(4));
                assertEquals(Duration.ofSeconds(6), Timeout.remaining().orElseThrow());
                return null;
            });
            Deadline d = Deadline.after(Duration.ofSeconds(3));
            Weft.sleepUntil(d);
            assertTrue(d.isExpired());
            assertEquals(Duration.ZERO, d.remaining());
            CancelScope.run(scope -> {
                scope.setDeadline(Deadline.after(Duration.ofDays(2)));
                Weft.sleep(Duration.ofDays(3));
                return null;
            });
            assertEquals(Duration.ofMinutes(5).plusSeconds(7).plusDays(2), VirtualTime.elapsed());
        });
    }

    /** A channel consumer waits in weft, so a producer's sleeps jump. */
    @Test
    void channelWaitsCountAsWeftWaits() throws Exception {
        List<Integer> got = VirtualTime.call(() -> {
            Channel<Integer> ch = Channel.bounded(1);
            List<Integer> out = new ArrayList<>();
            TaskGroup.run(g -> {
                g.spawn(() -> {
                    for (int i = 0; i < 3; i++) {
                        Weft.sleep(Duration.ofMinutes(1));
                        ch.send(i);
                    }
                    ch.close();
                });
                for (int i : ch) {
                    out.add(i);
                }
                return null;
            });
            assertEquals(Duration.ofMinutes(3), VirtualTime.elapsed());
            return out;
        });
        assertEquals(List.of(0, 1, 2), got);
    }

    /** A JDK Thread.sleep cannot be skipped: the block fails naming the thread and its frames. */
    @Test
    void aJdkSleepFailsWithTheThreadAndItsFrames() {
        AssertionError e = assertThrows(AssertionError.class, () -> VirtualTime.withStallTimeout(Duration.ofSeconds(1))
                .runBlock(() -> TaskGroup.run(g -> {
                    g.spawn("jdk-sleeper", () -> {
                        Thread.sleep(Duration.ofSeconds(30));
                        return null;
                    });
                    Weft.sleep(Duration.ofSeconds(1));
                    return null;
                })));
        String m = e.getMessage();
        assertTrue(m.startsWith("virtual time is stuck"), m);
        assertTrue(m.contains("thread 'jdk-sleeper'"), m);
        assertTrue(m.contains("not in a weft wait"), m);
        assertTrue(m.contains("java.lang.Thread.sleep"), m);
        assertTrue(m.contains("VirtualTimeTest"), m);
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** Every thread parked in weft with no deadline armed: reported as a deadlock, not a hang. */
    @Test
    void aDeadlockIsReportedNotHung() {
        AssertionError e = assertThrows(AssertionError.class, () -> VirtualTime.withStallTimeout(Duration.ofSeconds(1))
                .runBlock(() -> {
                    Channel<String> nobodySends = Channel.rendezvous();
                    TaskGroup.run(g -> {
                        g.spawn("receiver", nobodySends::receive);
                        return null;
                    });
                }));
        String m = e.getMessage();
        assertTrue(m.contains("a deadlock"), m);
        assertTrue(m.contains("thread 'receiver'"), m);
        assertTrue(m.contains("parked in a weft wait"), m);
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** The clock installed before is back after the block, even when the block throws. */
    @Test
    void previousClockIsRestored() {
        Clock before = Clock.current();
        assertThrows(IllegalStateException.class, () -> VirtualTime.run(() -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(before, Clock.current());
        assertThrows(IllegalStateException.class, VirtualTime::elapsed);
    }

    /** A task's join waits in weft; a cancelled task's sleep ends at once, with no time passing. */
    @Test
    void cancellationNeedsNoTime() throws Exception {
        VirtualTime.run(() -> {
            Task<?>[] t = new Task<?>[1];
            TaskGroup.run(g -> {
                t[0] = g.spawn(() -> {
                    Weft.sleep(Duration.ofDays(1));
                    return null;
                });
                Weft.sleep(Duration.ofSeconds(1));
                t[0].cancel();
                return null;
            });
            assertInstanceOf(Task.class, t[0]);
            assertEquals(Task.State.CANCELLED, t[0].state());
            assertEquals(Duration.ofSeconds(1), VirtualTime.elapsed());
        });
    }
}
