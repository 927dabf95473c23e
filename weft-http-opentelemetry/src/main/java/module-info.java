/**
 * weft-http's trace context through OpenTelemetry: {@code traceparent}, {@code tracestate} and
 * {@code baggage} are written from, and read into, OpenTelemetry's current {@code Context}.
 * Nothing to call: {@link dev.weft.http.opentelemetry.OpenTelemetryPropagation} is a service that
 * {@link dev.weft.http.TracePropagation#discover()} finds.
 */
module dev.weft.http.opentelemetry {
    requires transitive dev.weft.http;
    requires dev.weft.opentelemetry;
    requires transitive io.opentelemetry.context;
    requires io.opentelemetry.api;

    exports dev.weft.http.opentelemetry;

    provides dev.weft.http.TracePropagation with dev.weft.http.opentelemetry.OpenTelemetryPropagation;
}
