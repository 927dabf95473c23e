package dev.weft;

import dev.weft.internal.Time;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Deadlines for blocks of code, that compose: one budget shared by several calls, without
 * computing the time left by hand.
 *
 * <pre>{@code
 * Timeout.failAfter(Duration.ofSeconds(9), () -> {
 *     var a = client.send(requestA, ofString());   // together, at most 9 s
 *     var b = client.send(requestB, ofString());
 *     return merge(a, b);
 * });
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>A timeout is a {@link CancelScope} with a deadline. When the deadline passes, the block is
 *     cancelled: weft calls inside throw {@link CancelledException}, JDK calls are interrupted.
 *     At the block's end, {@code failAfter} turns its own cancellation into
 *     {@link DeadlineExceededException} (cause: the {@link CancelledException}) and
 *     {@code moveOnAfter} returns {@link Optional#empty()}.
 * <li>Nesting: the effective deadline is the earliest of all enclosing scopes, across spawned
 *     tasks. When an outer deadline fires first, inner timeouts let the cancellation pass and the
 *     outer one reports it; when an inner one fires first, only the inner block stops.
 * <li>A zero, negative or already passed deadline is legal: the block is cancelled at its first
 *     weft blocking call.
 * <li>An exception other than the cancellation passes through unchanged, even if the deadline
 *     has passed.
 * <li>A swallowed cancellation is loud: if the deadline reached the block (a weft call threw
 *     {@link CancelledException}, or a JDK call was interrupted) and the block caught it and
 *     returned normally, {@code failAfter} throws {@link DeadlineExceededException} anyway, with
 *     the swallowed exception attached as suppressed, and {@code moveOnAfter} returns empty. A
 *     deadline that passed without reaching the block (it computed without blocking) changes
 *     nothing. (ADR 0012; a plain {@link CancelScope} keeps Trio's behaviour and returns the
 *     block's value.)
 * </ul>
 *
 * <p>A timeout is a scope of kind TIMEOUT; its deadline is armed with the kernel's timer and read
 * on the installed {@link dev.weft.spi.Clock}. See {@code docs/design.md}, section "Time".
 */
public final class Timeout {
    private Timeout() {
    }

    /**
     * Runs {@code body} with a deadline {@code duration} from now, and fails if it is reached.
     *
     * @param duration the time budget; zero or negative means already expired
     * @param body the block
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result
     * @throws DeadlineExceededException if the deadline stopped the block
     * @throws X what the body throws
     */
    public static <R, X extends Throwable> R failAfter(Duration duration, CallableOp<R, X> body) throws X {
        Objects.requireNonNull(duration, "duration is null: give the block a time budget, e.g. Duration.ofSeconds(5)");
        return fail(Deadline.after(duration), duration, body);
    }

    /**
     * Runs {@code body} with deadline {@code deadline}, and fails if it is reached.
     *
     * @param deadline the deadline
     * @param body the block
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result
     * @throws DeadlineExceededException if the deadline stopped the block
     * @throws X what the body throws
     */
    public static <R, X extends Throwable> R failAt(Deadline deadline, CallableOp<R, X> body) throws X {
        Args.nonNull(deadline, "deadline", "pass a Deadline, e.g. Deadline.after(Duration.ofSeconds(5))");
        return fail(deadline, null, body);
    }

    private static <R, X extends Throwable> R fail(Deadline deadline, Duration budget, CallableOp<R, X> body)
            throws X {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        CancelScope s = CancelScope.enter(ScopeKind.TIMEOUT, nanos(deadline), budget);
        R r = s.runBody(scope -> body.call());
        if (s.cancelledCaught()) {
            throw exceeded(s, deadline, budget);
        }
        return r;
    }

    /**
     * The exception of a deadline scope that caught its cancellation: its cause is the
     * {@link CancelledException} (which in turn carries the JDK call's exception, when weft's
     * interrupt stopped one), and a cancellation the body swallowed is attached as suppressed.
     */
    private static DeadlineExceededException exceeded(CancelScope s, Deadline deadline, Duration budget) {
        Throwable stop = s.stoppedBy;
        CancelledException cause;
        if (stop instanceof CancelledException ce) {
            cause = ce;
        } else {
            cause = s.newCancelledException();
            if (stop != null) {
                cause.initCause(stop);
            }
        }
        DeadlineExceededException e = new DeadlineExceededException(deadline, budget, cause);
        if (s.swallowed != null) {
            e.addSuppressed(s.swallowed);
        }
        return e;
    }

    /**
     * Runs {@code body} with a deadline {@code duration} from now; if the deadline stops it,
     * returns empty instead of failing.
     *
     * @param duration the time budget; zero or negative means already expired
     * @param body the block
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result, or empty if the deadline stopped it (or the body returned null)
     * @throws X what the body throws
     */
    public static <R, X extends Throwable> Optional<R> moveOnAfter(Duration duration, CallableOp<R, X> body)
            throws X {
        Objects.requireNonNull(duration, "duration is null: give the block a time budget, e.g. Duration.ofSeconds(5)");
        return moveOnAt(Deadline.after(duration), body);
    }

    /**
     * Runs {@code body} with deadline {@code deadline}; if the deadline stops it, returns empty.
     *
     * @param deadline the deadline
     * @param body the block
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result, or empty if the deadline stopped it (or the body returned null)
     * @throws X what the body throws
     */
    public static <R, X extends Throwable> Optional<R> moveOnAt(Deadline deadline, CallableOp<R, X> body)
            throws X {
        Args.nonNull(deadline, "deadline", "pass a Deadline, e.g. Deadline.after(Duration.ofSeconds(5))");
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        CancelScope s = CancelScope.enter(ScopeKind.TIMEOUT, nanos(deadline), null);
        R r = s.runBody(scope -> body.call());
        return s.cancelledCaught() ? Optional.empty() : Optional.ofNullable(r);
    }

    /**
     * Returns the time left before the effective deadline of the current code: the earliest
     * deadline of all enclosing scopes, up to the nearest shield. Pass it to APIs that take a
     * timeout, e.g. {@code socket.setSoTimeout} or {@code HttpRequest.timeout}.
     *
     * @return the time left (negative once passed), or empty when no deadline applies
     */
    public static Optional<Duration> remaining() {
        ThreadRecord r = ThreadRecord.currentOrNull();
        long d = r == null ? ScopeNode.NO_DEADLINE : r.effectiveDeadline();
        return d == ScopeNode.NO_DEADLINE ? Optional.empty() : Optional.of(Duration.ofNanos(d - Time.now()));
    }

    /**
     * Returns the effective deadline of the current code, as {@link #remaining()}.
     *
     * @return the earliest enclosing deadline, or empty
     */
    public static Optional<Deadline> current() {
        ThreadRecord r = ThreadRecord.currentOrNull();
        long d = r == null ? ScopeNode.NO_DEADLINE : r.effectiveDeadline();
        return d == ScopeNode.NO_DEADLINE ? Optional.empty() : Optional.of(Deadline.ofNanoTime(d));
    }

    private static long nanos(Deadline d) {
        long n = d.nanoTime();
        return n == ScopeNode.NO_DEADLINE ? n + 1 : n;
    }
}
