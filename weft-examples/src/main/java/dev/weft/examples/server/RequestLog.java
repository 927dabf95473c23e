package dev.weft.examples.server;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The demo server's log: every line carries the current request's id and client address, read
 * from the request runtime (context variables under weft), so no call site passes them.
 *
 * <pre>
 * 12:00:01.234 [r-17 127.0.0.1:53412] GET /slow?ms=100
 * 12:00:01.336 [r-17 127.0.0.1:53412] 200 in 102 ms
 * 12:00:05.000 [- -] stopping: 3 requests in flight
 * </pre>
 */
public final class RequestLog {
    /** A sink that drops every line; with it, lines are not even formatted. */
    public static final Consumer<String> DISCARD = line -> { };

    private final Consumer<String> sink;
    private final RequestRuntime runtime;

    /**
     * Creates a log.
     *
     * @param sink receives each line; must be safe to call from many threads
     * @param runtime where the request id and client come from
     */
    public RequestLog(Consumer<String> sink, RequestRuntime runtime) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Logs a line, formatted with {@link String#format}.
     *
     * @param format the format
     * @param args its arguments
     */
    public void info(String format, Object... args) {
        if (sink == DISCARD) {
            return;
        }
        sink.accept(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " [" + runtime.requestId() + " "
                + runtime.client() + "] " + (args.length == 0 ? format : String.format(format, args)));
    }
}
