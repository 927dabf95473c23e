package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Context (and deadline) into thread-per-task APIs, CompletableFuture chains, parallel streams and executor jobs. */
class ExecutorsAndFuturesTest {
    static final ContextVar<String> REQUEST = ContextVar.of("request", "-");

    /** A thread-per-task executor built on ContextExecutors.threadFactory runs each task in its submitter's context. */
    @Test
    void threadFactoryCarriesTheCreatorsContext() throws Exception {
        try (ExecutorService perTask = Executors.newThreadPerTaskExecutor(ContextExecutors.threadFactory())) {
            for (int i = 0; i < 20; i++) {
                try (Token<String> t = REQUEST.set("r-" + i)) {
                    assertEquals("r-" + i, perTask.submit(() -> REQUEST.get()).get(5, TimeUnit.SECONDS));
                }
            }
        }
    }

    /**
     * A ContextFuture stage runs in the context that registered it, even when another thread,
     * in another context, completes the stage before it (where a plain CompletableFuture would
     * run it in the completing thread's context).
     */
    @Test
    void contextFutureStageRunsInTheRegisteringContext() throws Exception {
        for (int i = 0; i < 50; i++) {
            ContextFuture<String> source = new ContextFuture<>();
            CompletableFuture<String> plain = new CompletableFuture<>();
            CompletableFuture<String> bound;
            CompletableFuture<String> unbound;
            try (Token<String> t = REQUEST.set("registering")) {
                bound = source.thenApply(v -> v + ":" + REQUEST.get());
                unbound = plain.thenApply(v -> v + ":" + REQUEST.get());
            }
            Thread completer = Thread.ofVirtual().start(() -> {
                REQUEST.set("completing");
                source.complete("x");
                plain.complete("x");
            });
            assertTrue(completer.join(Duration.ofSeconds(5)));
            assertEquals("x:registering", bound.get(5, TimeUnit.SECONDS));
            assertEquals("x:completing", unbound.get(5, TimeUnit.SECONDS), "the trap this class exists for");
            assertInstanceOf(ContextFuture.class, bound, "a chain stays a ContextFuture");
        }
    }

    /** Async stages run in the registering context on the common pool and on a given executor; the stage's sets stay in it. */
    @Test
    void contextFutureAsyncStagesKeepTheContext() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Token<String> t = REQUEST.set("r-async")) {
            String out = ContextFuture.supplyAsync(() -> REQUEST.get(), pool)
                    .thenApplyAsync(v -> v + "|" + REQUEST.get())
                    .thenComposeAsync(v -> {
                        REQUEST.set("changed in a stage");
                        return CompletableFuture.completedFuture(v);
                    }, pool)
                    .thenApply(v -> v + "|" + REQUEST.get())
                    .get(5, TimeUnit.SECONDS);
            assertEquals("r-async|r-async|r-async", out);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("-", REQUEST.get());
    }

    /** ContextFunctions carries the context into every element of a parallel stream. */
    @Test
    void parallelStreamElementsSeeTheContextThroughContextFunctions() {
        try (Token<String> t = REQUEST.set("r-par")) {
            List<String> seen = IntStream.range(0, 2_000).boxed().parallel()
                    .map(ContextFunctions.function(i -> REQUEST.get()))
                    .distinct().toList();
            assertEquals(List.of("r-par"), seen);
        }
    }

    /** A job submitted inside a deadline scope can read the submitter's remaining budget. */
    @Test
    void executorJobReadsTheSubmittersRemainingBudget() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor())) {
            Optional<Duration> inJob = Timeout.failAfter(Duration.ofSeconds(5),
                    () -> pool.submit(Timeout::remaining).get(5, TimeUnit.SECONDS));
            assertTrue(inJob.isPresent(), "no deadline in the job");
            assertTrue(inJob.get().compareTo(Duration.ofSeconds(5)) <= 0 && !inJob.get().isNegative(), inJob.toString());
            assertEquals(Optional.empty(), pool.submit(Timeout::remaining).get(5, TimeUnit.SECONDS),
                    "a job submitted without a deadline runs without one");
        }
    }

    /** The submitter's deadline cancels the job: a job blocked far past it ends promptly with DeadlineExceededException. */
    @Test
    void submittersDeadlineCancelsTheJob() throws Exception {
        try (ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor())) {
            CountDownLatch started = new CountDownLatch(1);
            long t0 = System.nanoTime();
            Future<?> job = Timeout.moveOnAfter(Duration.ofMillis(150), () -> pool.submit(() -> {
                started.countDown();
                Thread.sleep(Duration.ofDays(1)); // a JDK blocking call: interrupted at the deadline
                return null;
            })).orElseThrow();
            ExecutionException e = assertThrows(ExecutionException.class, () -> job.get(10, TimeUnit.SECONDS));
            assertInstanceOf(DeadlineExceededException.class, e.getCause());
            assertTrue(started.await(0, TimeUnit.SECONDS));
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(5)) < 0);
            assertFalse(pool.submit(() -> Thread.currentThread().isInterrupted()).get(5, TimeUnit.SECONDS),
                    "the interrupt leaked into the pool thread");
        }
    }
}
