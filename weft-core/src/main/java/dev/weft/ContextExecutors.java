package dev.weft;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
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
 * when the task ends, so no worker keeps a stale context.
 *
 * <h2>Deadlines</h2>
 * A job submitted inside a deadline scope ({@link Timeout#failAfter}, a task group under one)
 * runs under that deadline: {@link Timeout#remaining()} in the job is the submitter's remaining
 * budget, and when the deadline passes the job is cancelled as weft code is (weft calls throw,
 * JDK blocking calls are interrupted) and ends with {@link DeadlineExceededException}. The job is
 * part of the request that submitted it, as gRPC's {@code Context.wrap} carries a deadline; see
 * {@code docs/adr/0010-deadlines-follow-executor-jobs.md}. A job submitted with no deadline in
 * force runs without one.
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
        Objects.requireNonNull(executor, "executor");
        return command -> executor.execute(bind(command));
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
        Objects.requireNonNull(factory, "factory");
        return r -> factory.newThread(bind(Objects.requireNonNull(r, "runnable")));
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

    /** A copy of the current context, and the deadline in force, carried into {@code r}. */
    static Runnable bind(Runnable r) {
        Runnable inContext = Context.wrap(r);
        Optional<Deadline> deadline = Timeout.current();
        if (deadline.isEmpty()) {
            return inContext;
        }
        Deadline d = deadline.get();
        return () -> Timeout.failAt(d, () -> {
            inContext.run();
            return null;
        });
    }

    /** A copy of the current context, and the deadline in force, carried into {@code c}. */
    static <T> Callable<T> bind(Callable<T> c) {
        Callable<T> inContext = Context.wrap(c);
        Optional<Deadline> deadline = Timeout.current();
        if (deadline.isEmpty()) {
            return inContext;
        }
        Deadline d = deadline.get();
        return () -> Timeout.failAt(d, inContext::call);
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
            return tasks.stream().map(ContextExecutors::bind).toList();
        }

        @Override
        public void execute(Runnable command) {
            delegate.execute(bind(command));
        }

        @Override
        public <T> Future<T> submit(Callable<T> task) {
            return delegate.submit(bind(task));
        }

        @Override
        public <T> Future<T> submit(Runnable task, T result) {
            return delegate.submit(bind(task), result);
        }

        @Override
        public Future<?> submit(Runnable task) {
            return delegate.submit(bind(task));
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
