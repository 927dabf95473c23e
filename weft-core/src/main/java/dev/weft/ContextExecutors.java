package dev.weft;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
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
 * when the task ends, so no worker keeps a stale context.
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
        Objects.requireNonNull(executor, "executor");
        return command -> executor.execute(Context.wrap(command));
    }

    /**
     * Wraps an executor service so that each task runs in a copy of its submitter's context.
     * Shutting down the wrapper shuts down {@code executor}.
     *
     * @param executor the executor service to wrap
     * @return an executor service that submits to {@code executor}
     */
    public static ExecutorService wrap(ExecutorService executor) {
        return new Wrapped(Objects.requireNonNull(executor, "executor"));
    }

    private record Wrapped(ExecutorService delegate) implements ExecutorService {
        private static <T> List<Callable<T>> wrapAll(Collection<? extends Callable<T>> tasks) {
            return tasks.stream().map(Context::wrap).toList();
        }

        @Override
        public void execute(Runnable command) {
            delegate.execute(Context.wrap(command));
        }

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            return delegate.submit(Context.wrap(task));
        }

        @Override
        public <T> Future<T> submit(Runnable task, T result) {
            return delegate.submit(Context.wrap(task), result);
        }

        @Override
        public Future<?> submit(Runnable task) {
            return delegate.submit(Context.wrap(task));
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
    }
}
