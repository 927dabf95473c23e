package dev.weft;

import java.io.Serial;
import java.time.Duration;

/**
 * Thrown by {@link Timeout#failAfter} and {@link Timeout#failAt} when the deadline passed and the
 * block was cancelled because of it. The cause is the {@link CancelledException} that stopped the
 * block; {@link #deadline()} is the deadline that fired.
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
