package dev.weft.grpc;

import java.io.InterruptedIOException;
import java.io.Serial;

/**
 * The cause that {@link WeftClientInterceptor} attaches to a call's {@link io.grpc.Status} when weft
 * ended the call: the calling scope's deadline passed ({@link #byDeadline()}), or the scope was
 * cancelled.
 *
 * <p>To weft, a call stopped by a cancellation is interrupted I/O, hence the superclass: a
 * {@code StatusRuntimeException} carrying this cause that leaves a cancelled weft scope is that
 * scope's cancellation, as an {@code InterruptedException} would be. So
 * {@code Timeout.failAfter(d, () -> stub.call(request))} throws {@code DeadlineExceededException}
 * whichever timer noticed the deadline first, gRPC's or weft's. Code that handles the
 * {@code StatusRuntimeException} itself (an async stub's {@code onError}) can test
 * {@link #isWeftCancellation(Throwable)}.
 */
public final class CancelledByWeftException extends InterruptedIOException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Whether weft's deadline (rather than an explicit cancel) ended the call. */
    private final boolean byDeadline;

    CancelledByWeftException(String message, boolean byDeadline) {
        super(message);
        this.byDeadline = byDeadline;
    }

    /**
     * Returns whether the calling scope's deadline ended the call (else it was cancelled).
     *
     * @return true for a deadline, false for an explicit cancellation
     */
    public boolean byDeadline() {
        return byDeadline;
    }

    /**
     * Returns whether {@code t}, or one of its causes, says that weft ended a gRPC call.
     *
     * @param t an exception, e.g. a {@code StatusRuntimeException}; may be null
     * @return true if a {@link CancelledByWeftException} is in its cause chain
     */
    public static boolean isWeftCancellation(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof CancelledByWeftException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Throwable fillInStackTrace() {
        return this; // control flow, created on the timer or the canceller's thread: no useful trace
    }
}
