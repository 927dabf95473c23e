package dev.weft.opentelemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.spi.Bridges;
import io.opentelemetry.context.ContextStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * weft's storage in charge, as in an application with weft-opentelemetry on its class path. (The
 * SDK's testing storage, on the test class path, delegates to the one other provider it finds:
 * weft's.) The pom runs this class twice: plain, and with OpenTelemetry's strict context checks.
 */
@DisabledIfSystemProperty(named = "io.opentelemetry.context.contextStorageProvider", matches = "default")
class WeftStorageTest extends SpanPropagationContract {
    /** The jar on the class path is the whole setup: OpenTelemetry chose weft's storage; the fallback bridge stays out. */
    @Test
    void weftStorageIsInChargeAndTheFallbackIsDisabled() {
        ContextStorage.get();
        assertTrue(WeftContextStorageProvider.inCharge());
        assertTrue(Bridges.bridges().stream().noneMatch(b -> b instanceof OpenTelemetryBridge), Bridges.bridges().toString());
    }

    /** With -Dio.opentelemetry.context.enableStrictContext=true, no scope was left open by the suite. */
    @AfterAll
    static void strictContextReportsNoLeak() throws Exception {
        strictCheck();
    }

    static void strictCheck() throws Exception {
        if (Boolean.getBoolean("io.opentelemetry.context.enableStrictContext")) {
            ContextStorage s = ContextStorage.get();
            assertEquals("StrictContextStorage", s.getClass().getSimpleName(), "strict mode is not on: " + s);
            System.gc();
            ((AutoCloseable) s).close(); // throws AssertionError naming the first leaked scope
        }
    }
}
