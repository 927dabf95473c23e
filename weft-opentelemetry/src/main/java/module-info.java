/**
 * weft-opentelemetry: OpenTelemetry's current {@code Context} lives in weft, so spans started in
 * tasks, generator steps and wrapped executor jobs get the right parent. Nothing to call: the
 * storage provider and the fallback bridge are services.
 */
module dev.weft.opentelemetry {
    requires dev.weft;
    requires io.opentelemetry.context;
    requires java.logging;

    exports dev.weft.opentelemetry;

    provides io.opentelemetry.context.ContextStorageProvider with dev.weft.opentelemetry.WeftContextStorageProvider;
    provides dev.weft.spi.ContextBridge with dev.weft.opentelemetry.OpenTelemetryBridge;
}
