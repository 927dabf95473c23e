package dev.weft;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
        return Context.wrap(Args.nonNull(command, "command", "pass the code to run"));
    }

    private static <T> Callable<T> task(Callable<T> task) {
        return Context.wrap(Args.nonNull(task, "task", "pass the code to run"));
    }

    private static TimeUnit unit(TimeUnit unit) {
        return Args.nonNull(unit, "unit", "pass the unit of the delay, e.g. TimeUnit.MILLISECONDS");
    }

    /** Delegates every call, wrapping each task in a copy of the submitter's context. */
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
