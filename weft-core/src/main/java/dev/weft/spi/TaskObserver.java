package dev.weft.spi;

import dev.weft.Task;

/**
 * Told when every weft task starts and ends, on the task's own thread and inside the task's
 * context (so a log line written here carries the task's MDC), for metrics, tracing or logging.
 *
 * <p>{@link #started} runs after the task's context is entered and before its body;
 * {@link #ended} runs after the body and its cleanup (generators the task left open), before the
 * context is left and before joiners are woken. An exception thrown by an observer is reported on
 * {@code System.Logger} {@code dev.weft.spi} and otherwise ignored: an observer never changes a
 * task's outcome. Observers are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.weft.spi.TaskObserver}) or registered with
 * {@link Bridges#register(TaskObserver)}.
 */
public interface TaskObserver {
    /**
     * The task's body is about to run.
     *
     * @param task the task
     */
    default void started(Task<?> task) {
    }

    /**
     * The task's body and cleanup have ended.
     *
     * @param task the task
     * @param outcome how it ended: {@link Task.State#SUCCESS}, {@link Task.State#FAILED} or
     *     {@link Task.State#CANCELLED}
     * @param failure what the body threw (the failure, or the cancellation), or null on success
     */
    default void ended(Task<?> task, Task.State outcome, Throwable failure) {
    }
}
