package dev.weft;

import java.io.Serial;

/**
 * Thrown by a {@link Channel} operation that cannot happen because the channel is closed:
 * sending to a closed channel, or receiving from a channel that is closed and has no buffered
 * element left. Iterating a channel ends quietly instead.
 *
 * <p>An operation that throws this exception had no effect: a send that throws it did not
 * deliver its element, a receive that throws it took nothing.
 */
public final class ChannelClosedException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was attempted on which channel
     */
    public ChannelClosedException(String message) {
        super(message);
    }
}
