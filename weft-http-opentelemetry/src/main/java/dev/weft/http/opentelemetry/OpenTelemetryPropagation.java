package dev.weft.http.opentelemetry;

import dev.weft.http.TracePropagation;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * weft-http's {@link TracePropagation} through OpenTelemetry: {@link dev.weft.http.WeftHttpClient}
 * writes the headers of OpenTelemetry's current {@code Context} (the client span, the baggage),
 * and {@link dev.weft.http.WeftHttpFilter} makes the incoming request's remote parent and baggage
 * OpenTelemetry's current {@code Context} while the exchange runs.
 *
 * <pre>{@code
 * // client: inside a span, the request carries it
 * Span span = tracer.spanBuilder("GET /stock").setSpanKind(SpanKind.CLIENT).startSpan();
 * try (Scope s = span.makeCurrent()) {
 *     http.send(request, BodyHandlers.ofString());   // traceparent: the client span
 * } finally {
 *     span.end();
 * }
 * // server, in a handler behind WeftHttpFilter: a span started here is the client span's child
 * Span server = tracer.spanBuilder("GET /stock").setSpanKind(SpanKind.SERVER).startSpan();
 * }</pre>
 *
 * <p>With this jar on the class or module path, {@link TracePropagation#discover()} returns an
 * instance with W3C trace context and W3C baggage, so the client and filter use it with no setup;
 * {@link #using(TextMapPropagator)} takes other propagators (for instance
 * {@code openTelemetry.getPropagators().getTextMapPropagator()}). Unlike
 * {@link TracePropagation#w3c()}, the filter makes no span of its own: it restores the caller's
 * span as the remote parent, and the server's instrumentation starts the server span under it.
 * Because weft-opentelemetry keeps OpenTelemetry's current {@code Context} in weft, that parent
 * follows the handler's tasks, generator steps and wrapped executor jobs.
 */
public final class OpenTelemetryPropagation implements TracePropagation {
    private static final TextMapGetter<Function<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of(); // only needed by propagators that scan every header; the W3C ones do not
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private final TextMapPropagator propagator;

    /**
     * Creates the propagation {@link java.util.ServiceLoader} finds: W3C trace context
     * ({@code traceparent}, {@code tracestate}) and W3C {@code baggage}.
     */
    public OpenTelemetryPropagation() {
        this(TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
    }

    private OpenTelemetryPropagation(TextMapPropagator propagator) {
        this.propagator = propagator;
    }

    /**
     * Returns a propagation with the given propagators, to pass to
     * {@code WeftHttpClient.builder(client).propagation(...)} and
     * {@code WeftHttpFilter.builder().propagation(...)}.
     *
     * @param propagator what reads and writes the headers, e.g.
     *     {@code openTelemetry.getPropagators().getTextMapPropagator()}
     * @return the propagation
     */
    public static OpenTelemetryPropagation using(TextMapPropagator propagator) {
        return new OpenTelemetryPropagation(Objects.requireNonNull(propagator,
                "propagator is null: pass e.g. openTelemetry.getPropagators().getTextMapPropagator()"));
    }

    @Override
    public void inject(BiConsumer<String, String> header) {
        propagator.inject(Context.current(), header, (carrier, key, value) -> carrier.accept(key, value));
    }

    @Override
    public Scope attach(Function<String, String> header) {
        Context incoming = propagator.extract(Context.current(), header, GETTER);
        io.opentelemetry.context.Scope s = incoming.makeCurrent();
        return s::close;
    }

    @Override
    public String toString() {
        return "OpenTelemetryPropagation[" + propagator + "]";
    }
}
