/**
 * OpenTelemetry's current {@code Context} follows weft's contexts:
 * {@link dev.weft.opentelemetry.WeftContextStorageProvider} keeps it in a weft
 * {@code ContextVar}; {@link dev.weft.opentelemetry.OpenTelemetryBridge} carries it when another
 * storage is in charge. Both are services: the jar on the class path is the whole setup.
 */
package dev.weft.opentelemetry;
