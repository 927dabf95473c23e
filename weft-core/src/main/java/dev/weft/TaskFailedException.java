package dev.weft;

import java.io.Serial;

/**
 * Thrown by {@link Task#join()} when the task's body threw; the cause is what it threw.
 */
public final class TaskFailedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the task that failed. */
    private final String taskName;

    TaskFailedException(String taskName, Throwable cause) {
        super("task '" + taskName + "' failed: " + cause, cause);
        this.taskName = taskName;
    }

    /**
     * Returns the name of the task that failed.
     *
     * @return the task's name
     */
    public String taskName() {
        return taskName;
    }
}
