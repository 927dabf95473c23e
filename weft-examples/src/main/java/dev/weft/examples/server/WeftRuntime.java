package dev.weft.examples.server;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.ContextVar;
import dev.weft.DeadlineExceededException;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Token;
import dev.weft.Weft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs requests with weft: the request id and client address are {@link ContextVar}s, the
 * deadline is a {@link Timeout#failAfter} scope, a fan-out is a {@link TaskGroup} under it. Nothing
 * is passed by hand: sub-tasks inherit the variables and the deadline.
 */
public final class WeftRuntime implements RequestRuntime {
    /** The current request's id; "-" outside a request. */
    public static final ContextVar<String> REQUEST_ID = ContextVar.of("request-id", "-");
    /** The current request's client address, {@code host:port}; "-" outside a request. */
    public static final ContextVar<String> CLIENT = ContextVar.of("client", "-");

    /** A weft runtime; it keeps no state of its own (the context variables are static). */
    public WeftRuntime() {
    }

    @Override
    public String name() {
        return "weft";
    }

    @Override
    @SuppressWarnings("try") // the tokens are there to be closed, not read
    public <R> R as(String requestId, String client, Callable<R> body) throws Exception {
        try (Token<String> id = REQUEST_ID.set(requestId); Token<String> from = CLIENT.set(client)) {
            return body.call();
        }
    }

    /** The request's own cancel scope: cancelling it stops the request's whole task tree, nothing else. */
    @Override
    public Response cancellable(RequestHandle handle, Callable<Response> body) throws Exception {
        try {
            return CancelScope.run(scope -> {
                handle.attach(scope::cancel);
                return body.call();
            });
        } finally {
            handle.detach();
        }
    }

    /**
     * Behind {@link dev.weft.http.WeftHttpFilter} (the server installs it with weft) the exchange
     * already runs in the filter's deadline scope, read from the same headers: the body runs in it,
     * and when that deadline stops the body, the answer is this server's own 504 (with the request
     * id and the log line) rather than the filter's. Without an enclosing deadline (a direct call),
     * a {@link Timeout#failAfter} scope of {@code budget}.
     */
    @Override
    public Response withDeadline(Duration budget, Callable<Response> body) throws Exception {
        if (Timeout.current().isPresent()) {
            try {
                return body.call();
            } catch (CancelledException e) {
                if (Timeout.remaining().filter(Duration::isPositive).isPresent()) {
                    throw e; // not the deadline: the client went away, or the shutdown
                }
                // The filter's deadline scope sees this cancellation as swallowed and fails at its
                // end (ADR 0012); the response is sent by then, so the filter just closes the exchange.
                return deadlinePassed(budget);
            }
        }
        try {
            return Timeout.failAfter(budget, body::call);
        } catch (DeadlineExceededException e) {
            return deadlinePassed(budget);
        }
    }

    private static Response deadlinePassed(Duration budget) {
        return Response.of(504, "deadline exceeded: this request's budget of " + budget.toMillis()
                + " ms ran out before the response was ready");
    }

    /** Shielded: the response is written whole even when the request's deadline passed meanwhile. */
    @Override
    public <R> R uninterrupted(Callable<R> body) throws Exception {
        return CancelScope.shield(body::call);
    }

    @Override
    public String requestId() {
        return REQUEST_ID.get();
    }

    @Override
    public String client() {
        return CLIENT.get();
    }

    @Override
    public void sleep(Duration duration) {
        Weft.sleep(duration);
    }

    @Override
    public <R> List<R> fanout(int n, Callable<R> sub) {
        return TaskGroup.run("fanout-" + requestId(), g -> {
            List<Task<R>> tasks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                tasks.add(g.spawn(sub));
            }
            List<R> results = new ArrayList<>(n);
            for (Task<R> t : tasks) {
                results.add(t.join());
            }
            return results;
        });
    }
}
