package dev.weft.examples.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one place where the demo server decides a request's deadline from its headers: the
 * server's deadline, shortened (never lengthened) by one {@code X-Deadline-Ms} header.
 *
 * <p>Kept apart so that a shared HTTP deadline filter can replace it without touching the
 * handler. Rules, each a {@code 400} naming the header:
 * <ul>
 * <li>the value must be a whole number of milliseconds, 0 to 999999999;
 * <li>the header may be sent once, with one value: sent twice (or as a comma-separated list, which
 *     HTTP treats the same), it is refused, because a proxy or a client that adds its own
 *     deadline beside the caller's would otherwise have one of them silently ignored.
 * </ul>
 */
final class RequestDeadline {
    /** The header's name. */
    static final String HEADER = "X-Deadline-Ms";
    private static final Pattern MILLIS = Pattern.compile("[0-9]{1,9}");

    private RequestDeadline() {
    }

    /**
     * Returns the request's budget.
     *
     * @param lines the header's values, one per header line (null or empty when absent)
     * @param server the server's deadline
     * @return {@code server}, or the header's value if shorter
     * @throws BadRequest if the header is malformed, repeated or conflicting
     */
    static Duration budget(List<String> lines, Duration server) throws BadRequest {
        if (lines == null || lines.isEmpty()) {
            return server;
        }
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            for (String v : line.split(",", -1)) {
                values.add(v.strip());
            }
        }
        if (values.size() > 1) {
            boolean conflicting = values.stream().distinct().count() > 1;
            throw new BadRequest("bad " + HEADER + ": " + (conflicting ? "conflicting values " : "the same value ")
                    + String.join(", ", values.stream().map(v -> "'" + v + "'").toList()) + " sent "
                    + values.size() + " times: send the header once, with one value");
        }
        String v = values.getFirst();
        if (!MILLIS.matcher(v).matches()) {
            throw new BadRequest("bad " + HEADER + ": '" + lines.getFirst() + "' is not a whole number of milliseconds"
                    + " (0 to 999999999)");
        }
        long ms = Long.parseLong(v);
        return ms < server.toMillis() ? Duration.ofMillis(ms) : server;
    }
}
