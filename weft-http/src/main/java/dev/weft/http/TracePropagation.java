package dev.weft.http;

import java.util.Iterator;
import java.util.ServiceLoader;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How trace context crosses HTTP: the seam between weft-http and a tracing library.
 *
 * <p>{@link #w3c()} is the built-in implementation: W3C {@code traceparent}, {@code tracestate}
 * and {@code baggage} headers, held in weft context variables ({@link W3cTrace}). A tracing
 * library plugs in by implementing this interface (weft-http-opentelemetry's adapter calls
 * OpenTelemetry's {@code TextMapPropagator} and makes the extracted {@code Context} current) and registering it as
 * a {@link ServiceLoader} provider of {@code dev.weft.http.TracePropagation}; {@link #discover()}
 * then picks it up, and the client and filter use it by default.
 */
public interface TracePropagation {
    /**
     * Writes the running code's trace context as outgoing request headers. Called on the thread
     * that sends the request, inside its context.
     *
     * @param header receives each header name and value
     */
    void inject(BiConsumer<String, String> header);

    /**
     * Makes the trace context of an incoming request current, until the returned scope is closed.
     * Called on the thread that handles the request, inside the request's own weft context.
     *
     * @param header returns the first value of a request header, or null
     * @return what restores the previous trace context; closed on the same thread
     */
    Scope attach(Function<String, String> header);

    /** What {@link #attach} returns: closing it restores the trace context that was current before. */
    interface Scope extends AutoCloseable {
        /** Restores the previous trace context. */
        @Override
        void close();
    }

    /**
     * Returns the built-in W3C propagation on weft context variables. An incoming request without
     * a valid {@code traceparent} starts a new trace; one with it continues the trace in a new
     * span.
     *
     * @return the W3C propagation
     */
    static TracePropagation w3c() {
        return W3cPropagation.INSTANCE;
    }

    /**
     * Returns the first {@link TracePropagation} provider found by {@link ServiceLoader}, or
     * {@link #w3c()} if there is none.
     *
     * @return the propagation to use
     */
    static TracePropagation discover() {
        Iterator<TracePropagation> it = ServiceLoader.load(TracePropagation.class).iterator();
        return it.hasNext() ? it.next() : w3c();
    }
}
