package dev.weft.examples.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * How the demo server runs a request: who it is for, its deadline, sleeping and fanning out.
 * {@link WeftRuntime} does it with weft (context variables, a deadline scope, a task group);
 * {@link PlainRuntime} does the same on plain virtual threads, by hand, as a baseline for the
 * load measurement and as a picture of what weft saves.
 */
public sealed interface RequestRuntime permits WeftRuntime, PlainRuntime {
    /**
     * Returns the runtime's name for messages, "weft" or "plain".
     *
     * @return the name
     */
    String name();

    /**
     * Runs {@code body} as request {@code requestId} from {@code client}: {@link #requestId()} and
     * {@link #client()} return them inside, and in every sub-task of {@link #fanout}.
     *
     * @param requestId the request id
     * @param client the client address, {@code host:port}
     * @param body the whole exchange
     * @param <R> the result type
     * @return the body's result
     * @throws Exception what the body throws
     */
    <R> R as(String requestId, String client, Callable<R> body) throws Exception;

    /**
     * Runs {@code body} so that {@code handle}'s {@link RequestHandle#cancel cancel} stops it and
     * everything it started (sub-tasks, sleeps, socket calls). The handle is detached before this
     * returns, so nothing interrupts the caller afterwards.
     *
     * @param handle the request's handle
     * @param body computes the response
     * @return the body's response, or null if {@code handle} stopped it
     * @throws Exception what the body throws
     */
    Response cancellable(RequestHandle handle, Callable<Response> body) throws Exception;

    /**
     * Runs {@code body} with a deadline {@code budget} from now.
     *
     * @param budget the time budget
     * @param body computes the response; its sleeps and fan-outs are cut at the deadline
     * @return the body's response, or a 504 response if the deadline cut it
     * @throws Exception what the body throws, other than the deadline
     */
    Response withDeadline(Duration budget, Callable<Response> body) throws Exception;

    /**
     * Runs {@code body} to its end, whatever happens to the request's deadline meanwhile: the
     * response's write. (With weft a shield, which delivers a cancellation held back once the
     * write is done.)
     *
     * @param body the write
     * @param <R> the result type
     * @return the body's result
     * @throws Exception what the body throws
     */
    <R> R uninterrupted(Callable<R> body) throws Exception;

    /**
     * Returns the current request's id, or "-" outside a request.
     *
     * @return the id
     */
    String requestId();

    /**
     * Returns the current request's client address, or "-" outside a request.
     *
     * @return the address
     */
    String client();

    /**
     * Sleeps, cut short by the request's deadline.
     *
     * @param duration how long
     * @throws Exception when the deadline or a cancellation stops the sleep
     */
    void sleep(Duration duration) throws Exception;

    /**
     * Runs {@code n} copies of {@code sub} concurrently, under the request's deadline, and returns
     * their results in order; the sub-tasks see the request's id and client.
     *
     * @param n how many
     * @param sub the sub-request
     * @param <R> the result type
     * @return the results
     * @throws Exception when a sub-request failed, or the deadline cut them
     */
    <R> List<R> fanout(int n, Callable<R> sub) throws Exception;
}
