package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A job submitted through {@link ContextExecutors} is cancelled with the scope that submitted it
 * (ADR 0010): explicitly, by a failing sibling, or by the deadline, and never after that scope has
 * ended normally; the link leaves nothing behind on the submitting scope.
 */
class ContextExecutorCancellationTest {
    private static final long WAIT = TestSupport.PROMPT.toMillis();

    /** The cause of a job's failure, as its future reports it. */
    private static Throwable failureOf(Future<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT, TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    private static void assertPoolThreadClean(ExecutorService pool) throws Exception {
        assertFalse(pool.submit(() -> Thread.currentThread().isInterrupted()).get(WAIT, TimeUnit.MILLISECONDS),
                "weft's interrupt leaked into the pool thread");
    }

    /** Cancelling the submitting scope stops a running job blocked in a JDK call or a weft call; its future fails with CancelledException. */
    @Test
    void runningJobIsCancelledWithTheSubmittingScope() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(2))) {
            for (boolean jdkCall : new boolean[] {true, false}) {
                CountDownLatch started = new CountDownLatch(1);
                @SuppressWarnings("unchecked")
                Future<Object>[] job = new Future[1];
                CancelScope.run(scope -> {
                    job[0] = pool.submit(() -> {
                        started.countDown();
                        if (jdkCall) {
                            Thread.sleep(Duration.ofDays(1));
                        } else {
                            Weft.sleep(Duration.ofDays(1));
                        }
                        return "not cancelled";
                    });
                    TestSupport.await(started, "the job starts");
                    scope.cancel();
                    return null;
                });
                Throwable cause = failureOf(job[0]);
                assertInstanceOf(CancelledException.class, cause);
                assertTrue(cause.getMessage().contains("executor job"), cause.getMessage());
            }
            assertPoolThreadClean(pool);
        }
    }

    /** A task failing in a group cancels the jobs its siblings submitted. */
    @Test
    void failingSiblingCancelsTheJobsOfTheGroup() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor())) {
            CountDownLatch started = new CountDownLatch(1);
            @SuppressWarnings("unchecked")
            Future<Object>[] job = new Future[1];
            assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                g.spawn(() -> {
                    job[0] = pool.submit(() -> {
                        started.countDown();
                        Thread.sleep(Duration.ofDays(1));
                        return "not cancelled";
                    });
                    Weft.sleep(Duration.ofDays(1));
                    return null;
                });
                g.spawn(() -> {
                    TestSupport.await(started, "the sibling's job starts");
                    throw new IllegalStateException("boom");
                });
                return null;
            }), "the group reports the failure");
            assertInstanceOf(CancelledException.class, failureOf(job[0]));
            assertPoolThreadClean(pool);
        }
    }

    /** A job submitted from a scope that is already cancelled, or that ended cancelled before the job started, does not run. */
    @Test
    void jobSubmittedFromACancelledScopeDoesNotRun() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor())) {
            AtomicBoolean ran = new AtomicBoolean();
            @SuppressWarnings("unchecked")
            Future<Object>[] job = new Future[2];
            CancelScope.run(scope -> {
                scope.cancel();
                job[0] = pool.submit(() -> ran.getAndSet(true));
                return null;
            });
            assertInstanceOf(CancelledException.class, failureOf(job[0]));

            CountDownLatch release = new CountDownLatch(1);
            Future<?> blocker = pool.submit(() -> {
                release.await();
                return null;
            });
            CancelScope.run(scope -> {
                job[1] = pool.submit(() -> ran.getAndSet(true)); // queued behind the blocker
                scope.cancel();
                return null;
            }); // the scope has ended, cancelled, before the job starts
            release.countDown();
            blocker.get(WAIT, TimeUnit.MILLISECONDS);
            assertInstanceOf(CancelledException.class, failureOf(job[1]));
            assertFalse(ran.get(), "a job of a cancelled scope ran its body");
        }
    }

    /**
     * A job whose submitting scope ended normally runs on, unlinked: a later cancel of that scope
     * (which does nothing once ended) does not reach it.
     */
    @Test
    void jobOutlivesASubmittingScopeThatEndedNormally() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor())) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CancelScope[] submitter = new CancelScope[1];
            Future<String> job = CancelScope.run(scope -> {
                submitter[0] = scope;
                return pool.submit(() -> {
                    started.countDown();
                    release.await();
                    Weft.checkpoint();
                    return "done";
                });
            });
            TestSupport.await(started, "the job starts");
            submitter[0].cancel();
            release.countDown();
            assertEquals("done", job.get(WAIT, TimeUnit.MILLISECONDS));
        }
    }

    /**
     * Each job's registration on the submitting scope is closed when the job ends: 10 000 jobs
     * submitted from one long-lived scope leave its callback list small.
     */
    @Test
    void registrationsDoNotAccumulateOnTheSubmittingScope() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(2))) {
            CancelScope.run(scope -> {
                List<Future<Integer>> batch = new ArrayList<>();
                for (int i = 0; i < 10_000; i++) {
                    int n = i;
                    batch.add(pool.submit(() -> n));
                    if (batch.size() == 100) {
                        for (Future<Integer> f : batch) {
                            f.get(WAIT, TimeUnit.MILLISECONDS);
                        }
                        batch.clear();
                    }
                }
                int kept = scope.callbacks().size();
                assertTrue(kept <= 300, "the submitting scope keeps " + kept + " callbacks after 10 000 jobs");
                return null;
            });
            Timeout.failAfter(Duration.ofMinutes(5), () -> {
                CancelScope inner = CancelScope.current();
                for (int i = 0; i < 1000; i++) {
                    pool.submit(() -> 1).get(WAIT, TimeUnit.MILLISECONDS);
                }
                assertTrue(inner.callbacks().size() <= 16, "kept " + inner.callbacks().size());
                return null;
            });
        }
    }

    /** A delayed job of a wrapped scheduler whose submitting scope was cancelled meanwhile does not run. */
    @Test
    void delayedJobOfACancelledScopeDoesNotRun() throws Exception {
        try (ScheduledExecutorService timer = ContextExecutors.wrap(Executors.newSingleThreadScheduledExecutor())) {
            AtomicBoolean ran = new AtomicBoolean();
            ScheduledFuture<?> job = CancelScope.run(scope -> {
                ScheduledFuture<?> f = timer.schedule(() -> ran.set(true), 50, TimeUnit.MILLISECONDS);
                scope.cancel();
                return f;
            });
            assertInstanceOf(CancelledException.class, failureOf(job));
            assertFalse(ran.get());
        }
    }

    /**
     * A periodic job under a deadline stops once the deadline passes, though its body never blocks:
     * the next run ends with DeadlineExceededException and the executor schedules no more. A
     * periodic job whose submitting scope is cancelled stops with CancelledException.
     */
    @Test
    void periodicJobStopsAtTheDeadlineOrTheCancel() throws Exception {
        try (ScheduledExecutorService timer = ContextExecutors.wrap(Executors.newSingleThreadScheduledExecutor())) {
            AtomicInteger runs = new AtomicInteger();
            ScheduledFuture<?> byDeadline = Timeout.moveOnAfter(Duration.ofMillis(100),
                    () -> timer.scheduleAtFixedRate(runs::incrementAndGet, 0, 5, TimeUnit.MILLISECONDS)).orElseThrow();
            assertInstanceOf(DeadlineExceededException.class, failureOf(byDeadline));
            int after = runs.get();
            assertTrue(after > 0, "the periodic job never ran");
            // the executor dropped the job: a later job on the same thread sees no new run
            timer.schedule(() -> { }, 20, TimeUnit.MILLISECONDS).get(WAIT, TimeUnit.MILLISECONDS);
            assertEquals(after, runs.get(), "the periodic job ran after its deadline");

            AtomicInteger fixedDelayRuns = new AtomicInteger();
            CountDownLatch twice = new CountDownLatch(2);
            ScheduledFuture<?> byCancel = CancelScope.run(scope -> {
                ScheduledFuture<?> f = timer.scheduleWithFixedDelay(() -> {
                    fixedDelayRuns.incrementAndGet();
                    twice.countDown();
                }, 0, 5, TimeUnit.MILLISECONDS);
                TestSupport.await(twice, "two runs");
                scope.cancel();
                return f;
            });
            assertInstanceOf(CancelledException.class, failureOf(byCancel));
        }
    }

    /**
     * Races: a cancel at a random moment around the job's start (before it is queued, while queued,
     * while it runs) always ends the job with CancelledException, promptly, and never leaves an
     * interrupt on the pool thread; a deadline racing the submitter's own timer always ends it with
     * DeadlineExceededException.
     */
    @Test
    void cancelAndDeadlineRacesEndTheJobTheSameWay() throws Exception {
        raceIterations(200);
    }

    /** {@link #cancelAndDeadlineRacesEndTheJobTheSameWay} for many more iterations. */
    @Test
    @Tag("stress")
    void cancelAndDeadlineRacesEndTheJobTheSameWayManyTimes() throws Exception {
        raceIterations(5_000);
    }

    private static void raceIterations(int iterations) throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(2))) {
            for (int i = 0; i < iterations; i++) {
                int spin = ThreadLocalRandom.current().nextInt(2_000);
                boolean jdkCall = (i & 1) == 0;
                @SuppressWarnings("unchecked")
                Future<Object>[] job = new Future[1];
                CancelScope.run(scope -> {
                    job[0] = pool.submit(() -> {
                        if (jdkCall) {
                            Thread.sleep(Duration.ofDays(1));
                        } else {
                            Weft.sleep(Duration.ofDays(1));
                        }
                        return null;
                    });
                    for (int s = 0; s < spin; s++) {
                        Thread.onSpinWait();
                    }
                    scope.cancel();
                    return null;
                });
                Throwable c = failureOf(job[0]);
                assertInstanceOf(CancelledException.class, c, "iteration " + i);

                Future<?> timed = Timeout.moveOnAfter(Duration.ofNanos(ThreadLocalRandom.current().nextInt(2_000_000)),
                        () -> pool.submit(() -> {
                            Weft.sleep(Duration.ofDays(1));
                            return null;
                        })).orElse(null);
                if (timed != null) {
                    assertInstanceOf(DeadlineExceededException.class, failureOf(timed), "iteration " + i);
                }
            }
            assertPoolThreadClean(pool);
            assertPoolThreadClean(pool);
        }
    }
}
