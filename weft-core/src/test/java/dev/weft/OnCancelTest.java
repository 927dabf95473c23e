package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link CancelScope#onCancel}: when, where and how often the action runs. */
class OnCancelTest {
    /** A scope already cancelled runs the action at once, on the registering thread. */
    @Test
    void runsAtOnceOnTheCallingThreadWhenAlreadyCancelled() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CancelScope.run(s -> {
            s.cancel();
            s.onCancel(() -> ranOn.set(Thread.currentThread()));
            assertSame(Thread.currentThread(), ranOn.get(), "did not run at once on the caller");
            return null;
        });
    }

    /** A later cancel() runs the action on the cancelling thread. */
    @Test
    void runsOnTheCancellingThread() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Thread> canceller = new AtomicReference<>();
        CancelScope.run(s -> {
            s.onCancel(() -> ranOn.set(Thread.currentThread()));
            assertNull(ranOn.get(), "ran before any cancellation");
            Thread t = Thread.ofPlatform().start(s::cancel);
            canceller.set(t);
            t.join();
            return null;
        });
        assertSame(canceller.get(), ranOn.get());
    }

    /** A deadline that passes runs the action on the deadline timer's thread. */
    @Test
    void runsOnTheTimerThreadWhenTheDeadlinePasses() throws Exception {
        AtomicReference<String> ranOn = new AtomicReference<>();
        Optional<Object> r = Timeout.moveOnAfter(Duration.ofMillis(20), () -> {
            CancelScope.current().onCancel(() -> ranOn.set(Thread.currentThread().getName()));
            // A JDK wait, which only weft's interrupt ends: this thread never polls the deadline.
            new CountDownLatch(1).await();
            return null;
        });
        assertTrue(r.isEmpty());
        assertEquals("weft-deadline-timer", ranOn.get());
    }

    /** The cancellation of an enclosing scope reaches the action of an inner scope. */
    @Test
    void runsWhenAnEnclosingScopeIsCancelled() {
        AtomicInteger runs = new AtomicInteger();
        CancelScope.run(outer -> CancelScope.run(inner -> {
            inner.onCancel(runs::incrementAndGet);
            outer.cancel();
            assertEquals(1, runs.get());
            return null;
        }));
        assertEquals(1, runs.get());
    }

    /** A shield between the cancelled scope and the registered one hides the cancellation. */
    @Test
    void doesNotRunThroughAShield() {
        AtomicInteger runs = new AtomicInteger();
        CancelScope.run(outer -> CancelScope.shield(() -> CancelScope.run(inner -> {
            inner.onCancel(runs::incrementAndGet);
            CancelScope.current().onCancel(runs::incrementAndGet);
            outer.cancel();
            return null;
        })));
        assertEquals(0, runs.get(), "the outer cancellation passed the shield");
    }

    /** A failing sibling cancels the group, which reaches an action registered in another task. */
    @Test
    void runsWhenASiblingTaskFails() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        CountDownLatch registered = new CountDownLatch(1);
        assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                CancelScope.current().onCancel(ran::countDown);
                registered.countDown();
                Weft.sleep(Duration.ofSeconds(30));
                return null;
            });
            registered.await();
            g.spawn(() -> {
                throw new IllegalStateException("boom");
            });
            return null;
        }));
        assertTrue(ran.await(0, TimeUnit.SECONDS));
    }

    /** After close() the action never runs; close is idempotent. */
    @Test
    void closedRegistrationNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        CancelScope.run(s -> {
            CancelScope.Registration r = s.onCancel(runs::incrementAndGet);
            r.close();
            r.close();
            s.cancel();
            return null;
        });
        assertEquals(0, runs.get());
    }

    /** An action throws: the uncaught-exception handler gets it; other actions and the cancellation go on. */
    @Test
    void failingActionIsReportedAndDoesNotDisturbTheCancellation() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        AtomicBoolean second = new AtomicBoolean();
        AtomicBoolean caught = new AtomicBoolean();
        Thread t = Thread.ofPlatform().unstarted(() -> CancelScope.run(s -> {
            s.onCancel(() -> {
                throw new IllegalStateException("action failed");
            });
            s.onCancel(() -> second.set(true));
            s.cancel();
            try {
                Weft.checkpoint();
            } finally {
                caught.set(true);
            }
            return null;
        }));
        t.setUncaughtExceptionHandler((th, e) -> reported.add(e));
        t.start();
        t.join();
        assertEquals(1, reported.size(), () -> "reported: " + reported);
        assertEquals("action failed", reported.getFirst().getMessage());
        assertTrue(second.get(), "the second action did not run");
        assertTrue(caught.get(), "the cancellation did not reach the body");
    }

    /** Once the scope has ended, the action never runs, and a registration on it never does either. */
    @Test
    void neverRunsAfterTheScopeEnded() {
        AtomicInteger runs = new AtomicInteger();
        CancelScope.run(outer -> {
            CancelScope inner = CancelScope.run(s -> {
                s.onCancel(runs::incrementAndGet);
                return s;
            });
            inner.onCancel(runs::incrementAndGet);
            outer.cancel();
            inner.cancel();
            return null;
        });
        assertEquals(0, runs.get());
    }

    /** Cancelled by its own scope and by an enclosing one, at the same time: the action runs once. */
    @Test
    void runsOnceUnderRacingCancellations() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            AtomicInteger runs = new AtomicInteger();
            CancelScope.run(outer -> CancelScope.run(inner -> {
                inner.onCancel(runs::incrementAndGet);
                Thread a = Thread.ofVirtual().start(outer::cancel);
                inner.cancel();
                a.join();
                return null;
            }));
            assertEquals(1, runs.get(), "round " + round);
        }
    }

    /**
     * close() racing cancel(): the action runs at most once, never starts after close() has
     * returned, and has run whenever the cancel completed before close() was called.
     */
    @Test
    void closeRacingCancelNeverRunsAfterClose() throws Exception {
        for (int round = 0; round < 5_000; round++) {
            AtomicInteger runs = new AtomicInteger();
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicBoolean lateRun = new AtomicBoolean();
            int r0 = round;
            CancelScope.run(s -> {
                CancelScope.Registration reg = s.onCancel(() -> {
                    if (closeReturned.get()) {
                        lateRun.set(true);
                    }
                    runs.incrementAndGet();
                });
                CountDownLatch go = new CountDownLatch(1);
                Thread canceller = Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    s.cancel();
                });
                go.countDown();
                if (r0 % 2 == 0) {
                    Thread.yield();
                }
                reg.close();
                closeReturned.set(true);
                canceller.join();
                return null;
            });
            assertFalse(lateRun.get(), "round " + round + ": the action started after close() returned");
            assertTrue(runs.get() <= 1, "round " + round + ": ran " + runs.get() + " times");
        }
    }
}
