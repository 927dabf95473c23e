package dev.weft;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link CompletableFuture} whose every stage runs in the context of the code that registered
 * it, as asyncio runs a callback in the context that registered it.
 *
 * <pre>{@code
 * REQUEST_ID.set("r-42");
 * ContextFuture.supplyAsync(() -> fetch(), pool)      // runs with r-42
 *         .thenApply(body -> parse(body))            // r-42, whichever thread completes fetch
 *         .thenAcceptAsync(v -> log(v));             // r-42, on the common pool too
 * }</pre>
 *
 * <h2>Why</h2>
 * A plain {@code CompletableFuture} runs a dependent stage on whichever thread happens to trigger
 * it: the registering thread if the stage before was already complete, otherwise the thread that
 * completed it, so the context a callback sees depends on timing. Here each function is bound,
 * when it is registered, to a copy of the registering thread's context ({@link Context#copyCurrent()},
 * with bridged libraries' state such as the MDC), and runs in it wherever it runs: on the
 * completing thread, on the registering thread, on the common pool, or on any executor given to an
 * {@code *Async} method. The stage's own sets stay in its copy.
 *
 * <p>Every stage made from a {@code ContextFuture} is a {@code ContextFuture}
 * ({@link #newIncompleteFuture()}), so a whole chain keeps the rule. {@link #of(CompletionStage)}
 * adapts a future from elsewhere. Deadlines do not travel with stages (a stage may run long
 * after the scope that registered it ended); use {@link ContextExecutors} for that.
 *
 * @param <T> the result type
 */
// The casts from CompletableFuture<X> to ContextFuture<X> hold: every stage is made by
// newIncompleteFuture(), which returns a ContextFuture.
@SuppressWarnings("unchecked")
public class ContextFuture<T> extends CompletableFuture<T> {
    /** Creates an incomplete future. */
    public ContextFuture() {
    }

    /**
     * Returns a future completed by {@code supplier}, run asynchronously on the common pool in a
     * copy of the current context.
     *
     * @param supplier computes the value
     * @param <U> the value type
     * @return the future
     */
    public static <U> ContextFuture<U> supplyAsync(Supplier<U> supplier) {
        Args.nonNull(supplier, "supplier", "pass the code that computes the value, e.g. () -> load()");
        return new ContextFuture<U>().completeAsync(supplier);
    }

    /**
     * Returns a future completed by {@code supplier}, run on {@code executor} in a copy of the
     * current context.
     *
     * @param supplier computes the value
     * @param executor where to run it
     * @param <U> the value type
     * @return the future
     */
    public static <U> ContextFuture<U> supplyAsync(Supplier<U> supplier, Executor executor) {
        Args.nonNull(supplier, "supplier", "pass the code that computes the value, e.g. () -> load()");
        Args.nonNull(executor, "executor", "pass the executor to run on, e.g. ForkJoinPool.commonPool()");
        return new ContextFuture<U>().completeAsync(supplier, executor);
    }

    /**
     * Returns a future completed after {@code action} ran on {@code executor} in a copy of the
     * current context.
     *
     * @param action what to run
     * @param executor where to run it
     * @return the future
     */
    public static ContextFuture<Void> runAsync(Runnable action, Executor executor) {
        Args.nonNull(action, "action", "pass the code to run, e.g. () -> work()");
        Args.nonNull(executor, "executor", "pass the executor to run on, e.g. ForkJoinPool.commonPool()");
        return supplyAsync(() -> {
            action.run();
            return null;
        }, executor);
    }

    /**
     * Adapts {@code stage}: the returned future completes as {@code stage} does, and stages
     * registered on it run in their registering context.
     *
     * @param stage any completion stage
     * @param <U> the value type
     * @return a future that mirrors {@code stage}
     */
    public static <U> ContextFuture<U> of(CompletionStage<U> stage) {
        Args.nonNull(stage, "stage", "pass the CompletionStage to follow, e.g. client.sendAsync(...)");
        ContextFuture<U> f = new ContextFuture<>();
        stage.whenComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f;
    }

    /** Every dependent stage is a ContextFuture too. */
    @Override
    public <U> ContextFuture<U> newIncompleteFuture() {
        return new ContextFuture<>();
    }

    private static <R> R in(Context c, Callable<R> body) {
        try {
            return c.call(body::call);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    static <U> Supplier<U> bindSupplier(Supplier<U> s) {
        Objects.requireNonNull(s, "supplier");
        Context c = Context.copyCurrent();
        return () -> in(c, s::get);
    }

    private static <A, B> Function<A, B> bindFunction(Function<A, B> f) {
        Objects.requireNonNull(f, "fn");
        Context c = Context.copyCurrent();
        return a -> in(c, () -> f.apply(a));
    }

    private static <A> Consumer<A> bindConsumer(Consumer<A> f) {
        Objects.requireNonNull(f, "action");
        Context c = Context.copyCurrent();
        return a -> in(c, () -> {
            f.accept(a);
            return null;
        });
    }

    private static Runnable bindRunnable(Runnable f) {
        Objects.requireNonNull(f, "action");
        Context c = Context.copyCurrent();
        return () -> in(c, () -> {
            f.run();
            return null;
        });
    }

    private static <A, B, R> BiFunction<A, B, R> bindBifunction(BiFunction<A, B, R> f) {
        Objects.requireNonNull(f, "fn");
        Context c = Context.copyCurrent();
        return (a, b) -> in(c, () -> f.apply(a, b));
    }

    private static <A, B> BiConsumer<A, B> bindBiconsumer(BiConsumer<A, B> f) {
        Objects.requireNonNull(f, "action");
        Context c = Context.copyCurrent();
        return (a, b) -> in(c, () -> {
            f.accept(a, b);
            return null;
        });
    }

    // Every method that takes a function binds it to the registering context; the rest is
    // CompletableFuture's own behaviour.

    @Override
    public ContextFuture<T> completeAsync(Supplier<? extends T> supplier) {
        return (ContextFuture<T>) super.completeAsync(bindSupplier(supplier));
    }

    @Override
    public ContextFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        return (ContextFuture<T>) super.completeAsync(bindSupplier(supplier), executor);
    }

    @Override
    public <U> ContextFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return (ContextFuture<U>) super.thenApply(bindFunction(fn));
    }

    @Override
    public ContextFuture<Void> thenAccept(Consumer<? super T> action) {
        return (ContextFuture<Void>) super.thenAccept(bindConsumer(action));
    }

    @Override
    public ContextFuture<Void> thenRun(Runnable action) {
        return (ContextFuture<Void>) super.thenRun(bindRunnable(action));
    }

    @Override
    public <U, V> ContextFuture<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
        return (ContextFuture<V>) super.thenCombine(other, bindBifunction(fn));
    }

    @Override
    public <U> ContextFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
        return (ContextFuture<Void>) super.thenAcceptBoth(other, bindBiconsumer(action));
    }

    @Override
    public ContextFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return (ContextFuture<Void>) super.runAfterBoth(other, bindRunnable(action));
    }

    @Override
    public <U> ContextFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return (ContextFuture<U>) super.applyToEither(other, bindFunction(fn));
    }

    @Override
    public ContextFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return (ContextFuture<Void>) super.acceptEither(other, bindConsumer(action));
    }

    @Override
    public ContextFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return (ContextFuture<Void>) super.runAfterEither(other, bindRunnable(action));
    }

    @Override
    public <U> ContextFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return (ContextFuture<U>) super.thenCompose(bindFunction(fn));
    }

    @Override
    public <U> ContextFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return (ContextFuture<U>) super.handle(bindBifunction(fn));
    }

    @Override
    public ContextFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return (ContextFuture<T>) super.whenComplete(bindBiconsumer(action));
    }

    @Override
    public ContextFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return (ContextFuture<T>) super.exceptionally(bindFunction(fn));
    }

    @Override
    public ContextFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return (ContextFuture<T>) super.exceptionallyCompose(bindFunction(fn));
    }

    @Override
    public <U> ContextFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn) {
        return (ContextFuture<U>) super.thenApplyAsync(bindFunction(fn));
    }

    @Override
    public ContextFuture<Void> thenAcceptAsync(Consumer<? super T> action) {
        return (ContextFuture<Void>) super.thenAcceptAsync(bindConsumer(action));
    }

    @Override
    public ContextFuture<Void> thenRunAsync(Runnable action) {
        return (ContextFuture<Void>) super.thenRunAsync(bindRunnable(action));
    }

    @Override
    public <U, V> ContextFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
        return (ContextFuture<V>) super.thenCombineAsync(other, bindBifunction(fn));
    }

    @Override
    public <U> ContextFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
        return (ContextFuture<Void>) super.thenAcceptBothAsync(other, bindBiconsumer(action));
    }

    @Override
    public ContextFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action) {
        return (ContextFuture<Void>) super.runAfterBothAsync(other, bindRunnable(action));
    }

    @Override
    public <U> ContextFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return (ContextFuture<U>) super.applyToEitherAsync(other, bindFunction(fn));
    }

    @Override
    public ContextFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return (ContextFuture<Void>) super.acceptEitherAsync(other, bindConsumer(action));
    }

    @Override
    public ContextFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action) {
        return (ContextFuture<Void>) super.runAfterEitherAsync(other, bindRunnable(action));
    }

    @Override
    public <U> ContextFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn) {
        return (ContextFuture<U>) super.thenComposeAsync(bindFunction(fn));
    }

    @Override
    public <U> ContextFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn) {
        return (ContextFuture<U>) super.handleAsync(bindBifunction(fn));
    }

    @Override
    public ContextFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action) {
        return (ContextFuture<T>) super.whenCompleteAsync(bindBiconsumer(action));
    }

    @Override
    public ContextFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn) {
        return (ContextFuture<T>) super.exceptionallyAsync(bindFunction(fn));
    }

    @Override
    public ContextFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return (ContextFuture<T>) super.exceptionallyComposeAsync(bindFunction(fn));
    }

    @Override
    public <U> ContextFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor) {
        return (ContextFuture<U>) super.thenApplyAsync(bindFunction(fn), executor);
    }

    @Override
    public ContextFuture<Void> thenAcceptAsync(Consumer<? super T> action, Executor executor) {
        return (ContextFuture<Void>) super.thenAcceptAsync(bindConsumer(action), executor);
    }

    @Override
    public ContextFuture<Void> thenRunAsync(Runnable action, Executor executor) {
        return (ContextFuture<Void>) super.thenRunAsync(bindRunnable(action), executor);
    }

    @Override
    public <U, V> ContextFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor) {
        return (ContextFuture<V>) super.thenCombineAsync(other, bindBifunction(fn), executor);
    }

    @Override
    public <U> ContextFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor) {
        return (ContextFuture<Void>) super.thenAcceptBothAsync(other, bindBiconsumer(action), executor);
    }

    @Override
    public ContextFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor) {
        return (ContextFuture<Void>) super.runAfterBothAsync(other, bindRunnable(action), executor);
    }

    @Override
    public <U> ContextFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor) {
        return (ContextFuture<U>) super.applyToEitherAsync(other, bindFunction(fn), executor);
    }

    @Override
    public ContextFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor) {
        return (ContextFuture<Void>) super.acceptEitherAsync(other, bindConsumer(action), executor);
    }

    @Override
    public ContextFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor) {
        return (ContextFuture<Void>) super.runAfterEitherAsync(other, bindRunnable(action), executor);
    }

    @Override
    public <U> ContextFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor) {
        return (ContextFuture<U>) super.thenComposeAsync(bindFunction(fn), executor);
    }

    @Override
    public <U> ContextFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor) {
        return (ContextFuture<U>) super.handleAsync(bindBifunction(fn), executor);
    }

    @Override
    public ContextFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor) {
        return (ContextFuture<T>) super.whenCompleteAsync(bindBiconsumer(action), executor);
    }

    @Override
    public ContextFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor) {
        return (ContextFuture<T>) super.exceptionallyAsync(bindFunction(fn), executor);
    }

    @Override
    public ContextFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn, Executor executor) {
        return (ContextFuture<T>) super.exceptionallyComposeAsync(bindFunction(fn), executor);
    }
}
