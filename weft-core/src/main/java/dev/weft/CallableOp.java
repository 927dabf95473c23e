package dev.weft;

/**
 * A body that takes no argument, returns a value and may throw {@code X}: the shape of
 * {@link java.util.concurrent.Callable} with the checked exception as a type parameter, as in
 * {@link ScopedValue.CallableOp}. A lambda that throws nothing checked needs no {@code try}:
 * {@code X} is inferred as {@link RuntimeException}.
 *
 * @param <R> the result type
 * @param <X> the checked exception the body may throw
 */
@FunctionalInterface
public interface CallableOp<R, X extends Throwable> {
    /**
     * Runs the body.
     *
     * @return the body's result
     * @throws X what the body throws
     */
    R call() throws X;
}
