package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.spi.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deadline behaviour that is about order, not speed, checked on a {@link ManualClock}: time moves
 * only when the test advances it, so nothing here depends on how fast the machine is.
 */
class ManualClockDeadlineTest {
    private static final Duration HOUR = Duration.ofHours(1);

    @AfterEach
    void clockRestoredAndThreadClean() {
        assertSame(Clock.system(), Clock.current(), "a test left its clock installed");
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** Deadlines order by time, compare equal by time, and min picks the earlier; remaining() follows the clock. */
    @Test
    void deadlinesOrderByTimeAndFollowTheClock() {
        try (ManualClock clock = ManualClock.install()) {
            Deadline a = Deadline.after(Duration.ofSeconds(1));
            Deadline b = Deadline.after(Duration.ofSeconds(2));
            assertTrue(a.compareTo(b) < 0);
            assertTrue(b.compareTo(a) > 0);
            assertEquals(0, a.compareTo(a));
            assertSame(a, a.min(b));
            assertSame(a, b.min(a));
            assertNotEquals(a, b);
            assertEquals(Duration.ofSeconds(1), a.remaining());
            clock.advance(Duration.ofMillis(1500));
            assertTrue(a.isExpired());
            assertFalse(b.isExpired());
            assertEquals(Duration.ofMillis(-500), a.remaining());
            assertEquals(Duration.ofMillis(500), b.remaining());
        }
    }

    /** Timeout.remaining() is the time left on the installed clock, to the nanosecond. */
    @Test
    void remainingFollowsTheClock() {
        try (ManualClock clock = ManualClock.install()) {
            Timeout.failAfter(Duration.ofSeconds(10), () -> {
                assertEquals(Optional.of(Duration.ofSeconds(10)), Timeout.remaining());
                clock.advance(Duration.ofSeconds(4));
                assertEquals(Optional.of(Duration.ofSeconds(6)), Timeout.remaining());
                return null;
            });
        }
    }

    /** Nested timeouts: the inner one fires first and stops only its block; the outer one fires later. */
    @Test
    void nestedDeadlinesFireInOrder() throws Exception {
        List<String> trail = new CopyOnWriteArrayList<>();
        try (ManualClock clock = ManualClock.install()) {
            TaskGroup.run(g -> {
                Task<Void> t = g.spawn(() -> {
                    Optional<Object> outer = Timeout.moveOnAfter(Duration.ofSeconds(10), () -> {
                        Optional<Object> inner = Timeout.moveOnAfter(Duration.ofSeconds(5), () -> {
                            Weft.sleep(HOUR);
                            return null;
                        });
                        trail.add("inner ended " + inner.isPresent());
                        Weft.sleep(HOUR);
                        return null;
                    });
                    trail.add("outer ended " + outer.isPresent());
                });
                Thread th = t.record.thread();
                clock.awaitParked(th);
                clock.advance(Duration.ofSeconds(4));
                clock.awaitParked(th);
                assertEquals(List.of(), trail, "a deadline fired early");
                clock.advance(Duration.ofSeconds(2));
                ManualClock.awaitCondition(() -> trail.size() == 1, "the inner deadline");
                clock.awaitParked(th);
                assertEquals(List.of("inner ended false"), trail);
                clock.advance(Duration.ofSeconds(5));
                t.join();
                return null;
            });
        }
        assertEquals(List.of("inner ended false", "outer ended false"), trail);
    }

    /**
     * Inner deadline shorter: each inner failAfter stops only its own block, the outer scope is not
     * cancelled by them, and the outer deadline still fires later, reported by failAt.
     */
    @Test
    void innerShorterDeadlineStopsOnlyInner() throws Exception {
        List<String> trail = new CopyOnWriteArrayList<>();
        try (ManualClock clock = ManualClock.install()) {
            Deadline outerDeadline = Deadline.after(Duration.ofSeconds(10));
            TaskGroup.run(g -> {
                Task<Throwable> t = g.spawn(() -> {
                    try {
                        Timeout.failAt(outerDeadline, () -> {
                            for (int i = 0; i < 2; i++) {
                                try {
                                    Timeout.failAfter(Duration.ofSeconds(1), () -> {
                                        Weft.sleep(HOUR);
                                        return null;
                                    });
                                } catch (DeadlineExceededException inner) {
                                    assertFalse(outerDeadline.isExpired());
                                    trail.add("inner " + i + " expired");
                                }
                            }
                            Weft.checkpoint(); // the outer scope is not cancelled by the inner expiries
                            trail.add("outer goes on");
                            Weft.sleep(HOUR);
                            trail.add("slept through the outer deadline");
                            return null;
                        });
                        return null;
                    } catch (DeadlineExceededException e) {
                        return e;
                    }
                });
                Thread th = t.record.thread();
                for (int i = 1; i <= 2; i++) {
                    clock.awaitParked(th);
                    clock.advance(Duration.ofSeconds(1));
                    int expected = i;
                    ManualClock.awaitCondition(() -> trail.size() >= expected, "inner expiry " + i);
                }
                clock.awaitParked(th);
                assertEquals(List.of("inner 0 expired", "inner 1 expired", "outer goes on"), trail);
                clock.advance(Duration.ofSeconds(8));
                DeadlineExceededException e = assertInstanceOf(DeadlineExceededException.class, t.join());
                assertEquals(outerDeadline, e.deadline());
                return null;
            });
        }
        assertEquals(List.of("inner 0 expired", "inner 1 expired", "outer goes on"), trail);
    }

    /** Sleeps end in the order of their wake-up times, each exactly when the clock reaches it. */
    @Test
    void sleepsWakeInTheOrderOfTheirTimes() throws Exception {
        List<Integer> woke = new CopyOnWriteArrayList<>();
        try (ManualClock clock = ManualClock.install()) {
            TaskGroup.run(g -> {
                List<Task<Void>> tasks = new java.util.ArrayList<>();
                for (int s : new int[] {3, 1, 2}) {
                    tasks.add(g.spawn(() -> {
                        Weft.sleep(Duration.ofSeconds(s));
                        woke.add(s);
                    }));
                }
                for (Task<Void> t : tasks) {
                    clock.awaitParked(t.record.thread());
                }
                for (int s = 1; s <= 3; s++) {
                    clock.advance(Duration.ofSeconds(1));
                    int expected = s;
                    ManualClock.awaitCondition(() -> woke.size() == expected, "sleep of " + s + " s");
                }
                return null;
            });
        }
        assertEquals(List.of(1, 2, 3), woke);
    }

    /** A far deadline lets a sleep run; moving it near stops the sleep at that time; later checkpoints raise. */
    @Test
    void movingDeadlineEarlierWhileRunning() throws Exception {
        List<String> trail = new CopyOnWriteArrayList<>();
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        try (ManualClock clock = ManualClock.install()) {
            TaskGroup.run(g -> {
                Task<Void> t = g.spawn(() -> CancelScope.run(s -> {
                    scope.set(s);
                    s.setDeadline(Deadline.after(Duration.ofSeconds(10)));
                    Weft.sleep(Duration.ofSeconds(1));
                    trail.add("far deadline");
                    try {
                        Weft.sleep(HOUR);
                    } catch (CancelledException e) {
                        trail.add("cancelled");
                    }
                    assertThrows(CancelledException.class, Weft::checkpoint);
                    return null;
                }));
                Thread th = t.record.thread();
                clock.awaitParked(th);
                clock.advance(Duration.ofSeconds(1));
                ManualClock.awaitCondition(() -> trail.size() == 1, "the first sleep");
                clock.awaitParked(th);
                scope.get().setDeadline(Deadline.after(Duration.ofSeconds(3)));
                clock.advance(Duration.ofSeconds(2));
                clock.awaitParked(th);
                assertEquals(List.of("far deadline"), trail, "the moved deadline fired early");
                clock.advance(Duration.ofSeconds(1));
                t.join();
                return null;
            });
        }
        assertEquals(List.of("far deadline", "cancelled"), trail);
        assertTrue(scope.get().isCancelled());
    }

    /** Moving a deadline later before it passes extends the budget: the old time passes without effect. */
    @Test
    void movingDeadlineLaterExtendsTheBudget() throws Exception {
        try (ManualClock clock = ManualClock.install()) {
            String r = TaskGroup.run(g -> {
                Task<String> t = g.spawn(() -> Timeout.failAfter(Duration.ofSeconds(2), () -> {
                    CancelScope.current().setDeadline(Deadline.after(Duration.ofSeconds(10)));
                    Weft.sleep(Duration.ofSeconds(5));
                    return "extended";
                }));
                clock.awaitParked(t.record.thread());
                clock.advance(Duration.ofSeconds(5));
                return t.join();
            });
            assertEquals("extended", r);
        }
    }

    /** clearDeadline removes a deadline before it passes: the time passes and nothing is cancelled. */
    @Test
    void clearedDeadlineNeverFires() throws Exception {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        try (ManualClock clock = ManualClock.install()) {
            String r = TaskGroup.run(g -> {
                Task<String> t = g.spawn(() -> CancelScope.run(s -> {
                    scope.set(s);
                    s.setDeadline(Deadline.after(Duration.ofSeconds(2)));
                    s.clearDeadline();
                    assertEquals(Optional.empty(), s.deadline());
                    Weft.sleep(Duration.ofSeconds(5));
                    return "kept going";
                }));
                clock.awaitParked(t.record.thread());
                clock.advance(Duration.ofSeconds(5));
                return t.join();
            });
            assertEquals("kept going", r);
        }
        assertFalse(scope.get().isCancelled());
    }

    /**
     * A passed deadline that a reader notices before the timer fires is published as a real
     * cancellation: it reaches a task of the scope blocked in a JDK call (regression: the reader
     * used to record the reason without telling anyone, and the timer then found it set and
     * delivered nothing, leaving the task blocked).
     */
    @Test
    void deadlineNoticedByAReaderReachesTasksInJdkCalls() throws Exception {
        try (ManualClock clock = ManualClock.install()) {
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            Optional<Object> r = Timeout.moveOnAfter(Duration.ofSeconds(1), () -> {
                scope.set(CancelScope.current()); // the timeout's scope
                return TaskGroup.run(g -> {
                java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
                Task<Void> t = g.spawn(() -> {
                    never.await(); // a JDK wait: only an interrupt ends it
                    return null;
                });
                ManualClock.awaitCondition(() -> t.record.thread().getState() == Thread.State.WAITING,
                        "the task to block in its JDK wait");
                clock.advanceSilently(Duration.ofSeconds(2));
                assertTrue(scope.get().isCancelled(), "the passed deadline was not seen");
                ManualClock.awaitCondition(t::isDone, "the task to be interrupted");
                return null;
                });
            });
            assertTrue(r.isEmpty());
        }
    }

    /**
     * What a virtual clock learns from the hooks: the task's thread starts and ends, parks in its
     * weft wait, its deadline is armed before it can fire, and its wake-up is announced.
     */
    @Test
    void hooksReportThreadsParksWakeUpsAndDeadlines() throws Exception {
        try (ManualClock clock = ManualClock.install()) {
            TaskGroup.run(g -> {
                Task<Void> t = g.spawn(() -> Weft.sleep(Duration.ofSeconds(1)));
                Thread th = t.record.thread();
                clock.awaitParked(th);
                assertTrue(clock.started.contains(th));
                assertTrue(clock.armed.get() >= 1, "the sleep's deadline was not announced");
                int wakeUps = clock.wakeUps.get();
                clock.advance(Duration.ofSeconds(1));
                t.join();
                assertTrue(clock.wakeUps.get() > wakeUps, "the timer's wake-up was not announced");
                ManualClock.awaitCondition(() -> clock.ended.contains(th), "the task's end to be reported");
                assertFalse(clock.parked.contains(th));
                return null;
            });
        }
    }

    /** Installations nest and must be closed in reverse order; closing twice is harmless. */
    @Test
    void installationsNestAndRestore() {
        ManualClock a = ManualClock.install();
        ManualClock b = ManualClock.install();
        assertSame(b, Clock.current());
        IllegalStateException e = assertThrows(IllegalStateException.class, a::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        b.close();
        b.close();
        assertSame(a, Clock.current());
        a.close();
        assertSame(Clock.system(), Clock.current());
        long[] seen = new long[1];
        ManualClock c = ManualClock.install();
        c.close();
        Clock.using(c, () -> seen[0] = Clock.current().nanoTime());
        assertEquals(c.nanoTime(), seen[0]);
        assertSame(Clock.system(), Clock.current());
    }
}
