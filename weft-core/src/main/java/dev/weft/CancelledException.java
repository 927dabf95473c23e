package dev.weft;

import java.io.Serial;
import java.util.concurrent.CancellationException;

/**
 * Thrown by weft's blocking calls ({@link Weft#sleep}, {@link Weft#checkpoint}, {@link Task#join},
 * channel and generator operations) while the calling code is inside a cancelled scope, and by
 * {@link Task#join} on a task that ended cancelled.
 *
 * <p>Cancellation is level-triggered: as long as a cancelled scope encloses the code, every weft
 * blocking call throws again, and a JDK call that blocks again is interrupted again, so a
 * {@code catch (Exception e)} that swallows this exception only delays the stop until the next
 * blocking call. A deadline scope ({@link Timeout}) whose cancellation was swallowed fails at its
 * end anyway (ADR 0012). The outermost cancelled scope that the exception passes through absorbs
 * it (see {@link CancelScope}). Only weft creates these exceptions.
 *
 * <p>By default a cancellation carries no stack trace (it is control flow, and cheap that way);
 * run with {@code -Ddev.weft.cancellationStackTraces=true} to record one.
 */
public final class CancelledException extends CancellationException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Whether cancellations record where they were thrown. Off by default: a cancellation is
     * control flow, thrown in every cancelled task at once, and filling in a stack trace is most of
     * its cost (cancelling 1 000 000 sleeping tasks took several seconds longer with it, ScaleRun).
     * Turn it on with {@code -Ddev.weft.cancellationStackTraces=true} to debug where code was
     * cancelled, as kotlinx.coroutines does in debug mode.
     */
    static final boolean STACK_TRACES = Boolean.getBoolean("dev.weft.cancellationStackTraces");

    /**
     * The scope whose cancellation this is, when a weft call threw it for one (a checkpoint), or
     * null: a deadline scope whose body returned normally finds itself here in its thread's last
     * delivered cancellation, and so knows that the body swallowed it. Not serialized.
     */
    transient CancelScope scope;

    CancelledException(String message) {
        super(message);
    }

    @Override
    public Throwable fillInStackTrace() {
        return STACK_TRACES ? super.fillInStackTrace() : this;
    }
}
