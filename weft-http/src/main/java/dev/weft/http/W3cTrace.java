package dev.weft.http;

import dev.weft.ContextVar;
import dev.weft.Token;
import java.util.Objects;
import java.util.Optional;

/**
 * The W3C trace context of the running code, held in weft {@link ContextVar}s, for programs
 * without OpenTelemetry: it follows every task spawned from here, as any context variable does.
 *
 * <p>{@link WeftHttpFilter} sets it for each request (a child span of the incoming
 * {@code traceparent}, or a new trace), {@link WeftHttpClient} sends it. With an OpenTelemetry
 * adapter installed as the {@link TracePropagation}, OpenTelemetry's own context is used instead
 * and this holder stays empty.
 */
public final class W3cTrace {
    private static final ContextVar<TraceContext> TRACE = ContextVar.of("w3c.trace", null);
    private static final ContextVar<Baggage> BAGGAGE = ContextVar.of("w3c.baggage", Baggage.EMPTY);

    private W3cTrace() {
    }

    /**
     * Returns the trace position of the running code.
     *
     * @return the trace context, or empty outside any trace
     */
    public static Optional<TraceContext> current() {
        return Optional.ofNullable(TRACE.get());
    }

    /**
     * Makes {@code trace} current in the current context until the token is closed.
     *
     * @param trace the position, e.g. {@link TraceContext#newTrace()}
     * @return the token that restores the previous one
     */
    public static Token<TraceContext> set(TraceContext trace) {
        return TRACE.set(Objects.requireNonNull(trace, "trace"));
    }

    /**
     * Returns the baggage of the running code.
     *
     * @return the baggage, {@link Baggage#EMPTY} when none
     */
    public static Baggage baggage() {
        return BAGGAGE.get();
    }

    /**
     * Makes {@code baggage} current in the current context until the token is closed.
     *
     * @param baggage the baggage
     * @return the token that restores the previous one
     */
    public static Token<Baggage> setBaggage(Baggage baggage) {
        return BAGGAGE.set(Objects.requireNonNull(baggage, "baggage"));
    }

    /**
     * Returns the variable that holds the trace position, to declare it for other transports
     * (e.g. as gRPC metadata with {@code MetadataVar.of(W3cTrace.variable(), "traceparent",
     * TraceContext::traceparent, ...)}).
     *
     * @return the context variable
     */
    public static ContextVar<TraceContext> variable() {
        return TRACE;
    }
}
