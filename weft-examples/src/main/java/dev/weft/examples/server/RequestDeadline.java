package dev.weft.examples.server;

import dev.weft.http.DeadlineHeaders;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The demo server's reading of a request's deadline headers, which is weft-http's
 * ({@link DeadlineHeaders}): the server's deadline, shortened (never lengthened) by
 * {@code X-Deadline-Ms}, {@code Connect-Timeout-Ms} or {@code grpc-timeout}.
 *
 * <p>With weft, {@link dev.weft.http.WeftHttpFilter} reads the headers itself, before the handler
 * (and answers {@code 400} for a bad one); the plain runtime, which is the baseline without weft,
 * calls this. The rules are weft-http's, each a {@code 400} naming the header: a malformed value;
 * a header sent twice (or as a comma-separated list, which HTTP treats the same), because a proxy
 * or a client that adds its own deadline beside the caller's would otherwise have one of them
 * silently ignored. A well-formed but absurd value (years) is cut to the server's deadline.
 */
final class RequestDeadline {
    /** weft's header's name. */
    static final String HEADER = DeadlineHeaders.DEFAULT_HEADER;

    private RequestDeadline() {
    }

    /**
     * Returns the request's budget.
     *
     * @param headers returns the values of a request header, one per header line, or null
     * @param server the server's deadline
     * @return {@code server}, or the headers' budget if shorter
     * @throws BadRequest if a header is malformed or repeated
     */
    static Duration budget(Function<String, List<String>> headers, Duration server) throws BadRequest {
        Duration asked;
        try {
            asked = DeadlineHeaders.parse(headers, HEADER).orElse(server);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        return asked.compareTo(server) < 0 ? asked : server;
    }
}
