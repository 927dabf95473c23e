package dev.weft;

import dev.weft.internal.Time;
import java.util.concurrent.Callable;

/**
 * One job handed to an executor through {@link ContextExecutors}: it runs in a copy of its
 * submitter's context, under the submitter's deadline, and is cancelled when the scope that
 * submitted it is (ADR 0010).
 *
 * <h2>Implementation overview</h2>
 * Each run of the job (a periodic job runs many times) is, on the worker thread:
 * <pre>
 *   Timeout.failAt(deadline)                 only when a deadline was in force at submit time
 *     scope 'executor job'                   cancelled by the submitter, see below
 *       submitter.onCancel(cancel that scope)   registered for this run only
 *       checkpoint                           cancelled already: the body does not run
 *       body in a copy of the submitter's context
 * </pre>
 * The run's own scope, not the submitter's, is what a cancellation reaches on the worker, so the
 * worker's chain of scopes never joins the submitter's tree: the worker is a thread weft did not
 * start, and the submitter's scope may end long before the job does.
 *
 * <p>Which exception: a cancellation that the deadline caused is left to the run's deadline scope,
 * so the job ends with {@link DeadlineExceededException} whichever thread's timer fires first (the
 * submitter's timer also cancels the submitter's scope, which runs the action: the action ignores
 * it once the deadline has passed). Any other cancellation of the submitter (explicit, a failing
 * sibling task) ends the job with a {@link CancelledException} whose cause is what stopped it.
 *
 * <p>Invariants:
 * <ul>
 * <li>A registration on the submitter's scope lives exactly as long as one run: it is made after
 *     the run's scope is entered and closed before it ends, and {@code close()} waits for an
 *     action already running, so no cancel reaches the worker after the run
 *     ({@code ContextExecutorCancellationTest.registrationsDoNotAccumulateOnTheSubmittingScope}).
 * <li>A job whose submitter was cancelled before the run started (even if that scope has ended
 *     since) does not run its body ({@code ...jobSubmittedFromACancelledScopeDoesNotRun}).
 * </ul>
 * Fields are final and written before the job is handed to the executor, which publishes them.
 */
final class LinkedJob<T> implements Callable<T> {
    private static final String LABEL = "executor job";

    private final Callable<T> body;
    private final CancelScope submitter;
    /** The submitter's effective deadline at submit time (kernel nanos), or {@link ScopeNode#NO_DEADLINE}. */
    private final long deadline;

    LinkedJob(Callable<T> body, CancelScope submitter, long deadline) {
        this.body = body;
        this.submitter = submitter;
        this.deadline = deadline;
    }

    @Override
    public T call() throws Exception {
        if (deadline == ScopeNode.NO_DEADLINE) {
            return linked();
        }
        return Timeout.failAt(Deadline.ofNanoTime(deadline), this::linked);
    }

    /** One run, in its own scope that the submitter's cancellation cancels. */
    private T linked() throws Exception {
        CancelScope run = CancelScope.enter(ScopeKind.CANCEL_SCOPE, ScopeNode.NO_DEADLINE, LABEL);
        T result = run.runBody(scope -> {
            try (CancelScope.Registration r = submitter.onCancel(() -> cancelUnlessExpired(scope))) {
                if (CancelStatus.cancelledFrom(submitter) != null) {
                    cancelUnlessExpired(scope); // the submitter may have ended, cancelled, before this run
                }
                Weft.checkpoint(); // cancelled, or past the deadline, before the body starts: it does not run
                return body.call();
            }
        });
        if (run.cancelledCaught()) {
            CancelledException e = new CancelledException("executor job cancelled: the scope that submitted it ("
                    + submitter.label() + ") was cancelled");
            if (run.stoppedBy != null) {
                e.initCause(run.stoppedBy);
            }
            throw e;
        }
        return result;
    }

    /** Cancels the run's scope, unless the deadline has passed: then the deadline scope reports it. */
    private void cancelUnlessExpired(CancelScope scope) {
        if (deadline == ScopeNode.NO_DEADLINE || deadline - Time.now() > 0) {
            scope.cancel();
        }
    }

    @Override
    public String toString() {
        return "LinkedJob[" + body + ", submitted from " + submitter.label() + "]";
    }
}
