package dev.weft;

import java.io.Serial;
import java.util.concurrent.CancellationException;

/**
 * Thrown by weft's blocking calls ({@link Weft#sleep}, {@link Weft#checkpoint}, {@link Task#join},
 * channel and generator operations) while the calling code is inside a cancelled scope, and by
 * {@link Task#join} on a task that ended cancelled.
 *
 * <p>Cancellation is level-triggered: as long as a cancelled scope encloses the code, every weft
 * blocking call throws again, so a {@code catch (Exception e)} that swallows this exception only
 * delays the stop until the next call. The outermost cancelled scope that the exception passes
 * through absorbs it (see {@link CancelScope}). Only weft creates these exceptions.
 */
public final class CancelledException extends CancellationException {
    @Serial
    private static final long serialVersionUID = 1L;

    CancelledException(String message) {
        super(message);
    }
}
