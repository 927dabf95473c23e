/**
 * {@link dev.weft.http.opentelemetry.OpenTelemetryPropagation}: weft-http's
 * {@link dev.weft.http.TracePropagation} on OpenTelemetry's propagators, found by
 * {@link java.util.ServiceLoader}.
 */
package dev.weft.http.opentelemetry;
