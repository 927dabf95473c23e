package dev.weft;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Functional interfaces bound to the current context, for code that runs a lambda on threads
 * weft does not control: parallel streams, callbacks of other libraries.
 *
 * <pre>{@code
 * REQUEST_ID.set("r-42");
 * List<String> out = ids.parallelStream()
 *         .map(ContextFunctions.function(id -> REQUEST_ID.get() + ":" + id))   // r-42 on every worker
 *         .toList();
 * }</pre>
 *
 * <p>Each function captures a copy of the current context when it is made and runs every call
 * in its own copy of that snapshot (calls may run at the same time on several workers; they do
 * not see each other's sets). Bridged libraries' state (the MDC, a tracing context) is carried
 * too. A parallel stream's own common-pool workers otherwise see their own, empty, context.
 */
public final class ContextFunctions {
    private ContextFunctions() {
    }

    private static <R> R in(Context snapshot, CallableOp<R, RuntimeException> body) {
        return snapshot.copy().call(body);
    }

    /**
     * Binds {@code f} to a copy of the current context.
     *
     * @param f the function
     * @param <A> the argument type
     * @param <R> the result type
     * @return a function that runs {@code f} in that context
     */
    public static <A, R> Function<A, R> function(Function<A, R> f) {
        Args.nonNull(f, "f", "pass the function to run in the context, e.g. x -> x + 1");
        Context c = Context.copyCurrent();
        return a -> in(c, () -> f.apply(a));
    }

    /**
     * Binds {@code f} to a copy of the current context.
     *
     * @param f the consumer
     * @param <A> the argument type
     * @return a consumer that runs {@code f} in that context
     */
    public static <A> Consumer<A> consumer(Consumer<A> f) {
        Args.nonNull(f, "f", "pass the consumer to run in the context, e.g. x -> log(x)");
        Context c = Context.copyCurrent();
        return a -> in(c, () -> {
            f.accept(a);
            return null;
        });
    }

    /**
     * Binds {@code f} to a copy of the current context.
     *
     * @param f the predicate
     * @param <A> the argument type
     * @return a predicate that runs {@code f} in that context
     */
    public static <A> Predicate<A> predicate(Predicate<A> f) {
        Args.nonNull(f, "f", "pass the predicate to run in the context, e.g. x -> x > 0");
        Context c = Context.copyCurrent();
        return a -> in(c, () -> f.test(a));
    }

    /**
     * Binds {@code f} to a copy of the current context.
     *
     * @param f the supplier
     * @param <R> the result type
     * @return a supplier that runs {@code f} in that context
     */
    public static <R> Supplier<R> supplier(Supplier<R> f) {
        Args.nonNull(f, "f", "pass the supplier to run in the context, e.g. () -> load()");
        Context c = Context.copyCurrent();
        return () -> in(c, f::get);
    }
}
