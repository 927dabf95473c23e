package dev.weft.opentelemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.spi.Bridges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Another storage in charge, as with the OpenTelemetry Java agent: the pom's
 * {@code fallback-bridge} run sets {@code -Dio.opentelemetry.context.contextStorageProvider=default}
 * (OpenTelemetry's own thread-local storage), so weft's fallback bridge carries the current context.
 */
@EnabledIfSystemProperty(named = "io.opentelemetry.context.contextStorageProvider", matches = "default")
class FallbackBridgeTest extends SpanPropagationContract {
    /** With strict context checks on (the pom turns them on), no scope was left open. */
    @org.junit.jupiter.api.AfterAll
    static void strictContextReportsNoLeak() throws Exception {
        WeftStorageTest.strictCheck();
    }

    /** weft's storage is not in charge, so the fallback bridge was registered by ServiceLoader. */
    @Test
    void fallbackBridgeIsRegisteredWhenAnotherStorageIsInCharge() {
        assertFalse(WeftContextStorageProvider.inCharge());
        assertTrue(Bridges.bridges().stream().anyMatch(b -> b instanceof OpenTelemetryBridge), Bridges.bridges().toString());
    }
}
