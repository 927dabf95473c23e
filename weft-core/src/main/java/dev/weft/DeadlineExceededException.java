package dev.weft;

import java.io.Serial;
import java.time.Duration;

/**
 * Thrown by {@link Timeout#failAfter} and {@link Timeout#failAt} when the deadline passed and the
 * block was cancelled because of it. The cause is the {@link CancelledException} that stopped the
 * block, whatever kind of call it stopped: when weft's interrupt stopped a JDK call, that call's
 * exception ({@code InterruptedException}, {@code ClosedByInterruptException}, a socket's
 * "Closed by interrupt") is the cancellation's cause. When the block swallowed the cancellation
 * and returned normally, the swallowed exception is attached as suppressed (ADR 0012).
 * {@link #deadline()} is the deadline that fired.
 */
public final class DeadlineExceededException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Deadline deadline;

    DeadlineExceededException(Deadline deadline, Duration budget, Throwable cause) {
        super(budget == null ? "deadline exceeded" : "deadline of " + budget + " exceeded", cause);
        this.deadline = deadline;
    }

    /**
     * Returns the deadline that passed.
     *
     * @return the deadline
     */
    public Deadline deadline() {
        return deadline;
    }
}
