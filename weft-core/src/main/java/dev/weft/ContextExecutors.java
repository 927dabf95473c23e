package dev.weft;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Executors whose tasks run in the submitter's context.
 *
 * <pre>{@code
 * ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(4));
 * REQUEST_ID.set("r-42");
 * pool.submit(() -> log(REQUEST_ID.get()));   // logs r-42, whichever worker runs it
 * }</pre>
 *
 * <p>Each task runs in a copy of the context that was current when it was submitted (not when
 * the worker thread was created), with fork copiers applied; the worker's own context is restored
 * when the task ends, so no worker keeps a stale context. A periodic task of a wrapped
 * {@link ScheduledExecutorService} gets a fresh copy of that snapshot for every run, so one run
 * does not see what an earlier run set.
 *
 * <h2>Deadlines and cancellation</h2>
 * A job is part of the request that submitted it, as gRPC's {@code Context.wrap} carries a
 * deadline and a cancellation; see {@code docs/adr/0010-deadlines-follow-executor-jobs.md}.
 * <ul>
 * <li>A job submitted inside a deadline scope ({@link Timeout#failAfter}, a task group under one)
 *     runs under that deadline: {@link Timeout#remaining()} in the job is the submitter's
 *     remaining budget, and when the deadline passes the job is cancelled as weft code is (weft
 *     calls throw, JDK blocking calls are interrupted) and ends with
 *     {@link DeadlineExceededException}.
 * <li>While the job runs, cancelling the scope that submitted it ({@link CancelScope#cancel},
 *     a failing task of its group) cancels the job too, which then ends with
 *     {@link CancelledException}. Once that scope has ended normally, the job runs on unlinked.
 * <li>A job whose submitting scope is cancelled (or whose deadline has passed) before the job
 *     starts does not run its body; it ends with that exception at once. This is also what stops
 *     a periodic job: its next run fails, and the scheduler runs it no more.
 * <li>The exception goes where the executor puts a job's failure: {@link Future#get} throws
 *     {@link ExecutionException} with it as the cause; a job given to {@code execute} or a thread
 *     of {@link #threadFactory} hands it to the thread's uncaught exception handler.
 * <li>A job submitted with no deadline in force and from no cancellable scope runs as a plain
 *     job in the submitter's context.
 * </ul>
 *
 * <h2>CompletableFuture, parallel streams, thread-per-task APIs</h2>
 * <ul>
 * <li>A wrapped executor passed to {@code thenApplyAsync(fn, executor)} captures the context of
 *     the thread that <em>triggers</em> the stage: the registering thread if the stage before was
 *     complete, else the completing thread. For the registering context every time, use
 *     {@link ContextFuture}.
 * <li>Parallel streams run elements on common-pool workers, which see their own (empty)
 *     context: wrap the stream's lambdas with {@link ContextFunctions}.
 * <li>{@link #threadFactory(ThreadFactory)} makes any thread-per-task API
 *     ({@code Executors.newThreadPerTaskExecutor}, preview {@code StructuredTaskScope}'s
 *     {@code withThreadFactory}) run each thread in its creator's context.
 * </ul>
 */
public final class ContextExecutors {
    private ContextExecutors() {
    }

    /**
     * Wraps an executor so that each task runs in a copy of its submitter's context.
     *
     * @param executor the executor to wrap
     * @return an executor that submits to {@code executor}
     */
    public static Executor wrap(Executor executor) {
        Args.nonNull(executor, "executor", "pass the executor to wrap, e.g. Executors.newFixedThreadPool(4)");
        return command -> executor.execute(command(command));
    }

    /**
     * Returns a thread factory whose threads run in a copy of the context current when the
     * thread is created (for thread-per-task executors: the submitter's), under the deadline in
     * force then, as {@link #wrap(ExecutorService)} jobs do.
     *
     * <pre>{@code
     * try (var perTask = Executors.newThreadPerTaskExecutor(ContextExecutors.threadFactory())) {
     *     perTask.submit(() -> REQUEST_ID.get());   // the submitter's value
     * }
     * }</pre>
     *
     * @param factory makes the threads (for example {@code Thread.ofVirtual().factory()})
     * @return the context-carrying factory
     */
    public static ThreadFactory threadFactory(ThreadFactory factory) {
        Args.nonNull(factory, "factory", "pass the factory that makes the threads, e.g. Thread.ofVirtual().factory()");
        return r -> factory.newThread(bind(Args.nonNull(r, "runnable", "pass the code the thread runs")));
    }

    /**
     * Returns a factory of virtual threads that run in their creator's context, as
     * {@link #threadFactory(ThreadFactory)}.
     *
     * @return the context-carrying factory of virtual threads
     */
    public static ThreadFactory threadFactory() {
        return threadFactory(Thread.ofVirtual().factory());
    }

    /** A copy of the current context, the deadline in force and the submitting scope, carried into {@code r}. */
    static Runnable bind(Runnable r) {
        Callable<Object> job = bind(Executors.callable(r));
        return () -> {
            try {
                job.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("unreachable: a Runnable threw a checked exception", e);
            }
        };
    }

    /** A copy of the current context, the deadline in force and the submitting scope, carried into {@code c}. */
    static <T> Callable<T> bind(Callable<T> c) {
        Callable<T> inContext = Context.wrap(c);
        ThreadRecord r = ThreadRecord.currentOrNull();
        if (r == null) {
            return inContext; // a thread weft has never seen is in no scope and under no deadline
        }
        return new LinkedJob<>(inContext, r.innermost, r.effectiveDeadline());
    }

    /**
     * Wraps an executor service so that each task runs in a copy of its submitter's context.
     * Shutting down the wrapper shuts down {@code executor}.
     *
     * @param executor the executor service to wrap
     * @return an executor service that submits to {@code executor}
     */
    public static ExecutorService wrap(ExecutorService executor) {
        return new Wrapped<>(Args.nonNull(executor, "executor",
                "pass the executor service to wrap, e.g. Executors.newFixedThreadPool(4)"));
    }

    /**
     * Wraps a scheduled executor service so that each task, delayed or periodic, runs in a copy
     * of the context current when it was scheduled. Shutting down the wrapper shuts down
     * {@code executor}.
     *
     * <pre>{@code
     * ScheduledExecutorService timer = ContextExecutors.wrap(Executors.newSingleThreadScheduledExecutor());
     * REQUEST_ID.set("r-42");
     * timer.schedule(() -> log(REQUEST_ID.get()), 1, TimeUnit.SECONDS);   // logs r-42
     * }</pre>
     *
     * @param executor the scheduled executor service to wrap
     * @return a scheduled executor service that submits to {@code executor}
     */
    public static ScheduledExecutorService wrap(ScheduledExecutorService executor) {
        return new Scheduled(Args.nonNull(executor, "executor",
                "pass the scheduled executor service to wrap, e.g. Executors.newScheduledThreadPool(1)"));
    }

    private static Runnable command(Runnable command) {
        return bind(Args.nonNull(command, "command", "pass the code to run"));
    }

    private static <T> Callable<T> task(Callable<T> task) {
        return bind(Args.nonNull(task, "task", "pass the code to run"));
    }

    private static TimeUnit unit(TimeUnit unit) {
        return Args.nonNull(unit, "unit", "pass the unit of the delay, e.g. TimeUnit.MILLISECONDS");
    }

    /** Delegates every call, binding each task to the submitter's context and deadline. */
    private static class Wrapped<E extends ExecutorService> implements ExecutorService {
        final E delegate;

        Wrapped(E delegate) {
            this.delegate = delegate;
        }

        private static <T> List<Callable<T>> wrapAll(Collection<? extends Callable<T>> tasks) {
            Args.nonNull(tasks, "tasks", "pass a collection of tasks");
            return tasks.stream().map(ContextExecutors::task).toList();
        }

        @Override
        public void execute(Runnable command) {
            delegate.execute(command(command));
        }

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            return delegate.submit(task(task));
        }

        @Override
        public <T> Future<T> submit(Runnable task, T result) {
            return delegate.submit(command(task), result);
        }

        @Override
        public Future<?> submit(Runnable task) {
            return delegate.submit(command(task));
        }

        @Override
        public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
            return delegate.invokeAll(wrapAll(tasks));
        }

        @Override
        public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
                throws InterruptedException {
            return delegate.invokeAll(wrapAll(tasks), timeout, unit);
        }

        @Override
        public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
                throws InterruptedException, ExecutionException {
            return delegate.invokeAny(wrapAll(tasks));
        }

        @Override
        public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
                throws InterruptedException, ExecutionException, TimeoutException {
            return delegate.invokeAny(wrapAll(tasks), timeout, unit);
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return delegate.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public String toString() {
            return "ContextExecutors.wrap(" + delegate + ")";
        }
    }

    /** A wrapped scheduled executor service: delayed and periodic tasks too run in the scheduler's context. */
    private static final class Scheduled extends Wrapped<ScheduledExecutorService> implements ScheduledExecutorService {
        Scheduled(ScheduledExecutorService delegate) {
            super(delegate);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return delegate.schedule(command(command), delay, unit(unit));
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return delegate.schedule(task(callable), delay, unit(unit));
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            return delegate.scheduleAtFixedRate(command(command), initialDelay, period, unit(unit));
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            return delegate.scheduleWithFixedDelay(command(command), initialDelay, delay, unit(unit));
        }
    }
}
