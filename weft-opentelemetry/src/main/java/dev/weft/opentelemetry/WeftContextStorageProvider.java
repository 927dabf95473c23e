package dev.weft.opentelemetry;

import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.ContextStorageProvider;

/**
 * Makes weft the home of OpenTelemetry's current {@code Context}: found by OpenTelemetry through
 * {@link java.util.ServiceLoader} when weft-opentelemetry is on the class path, so there is
 * nothing to configure. OpenTelemetry uses it when it is the only {@link ContextStorageProvider}
 * found, or when {@code -Dio.opentelemetry.context.contextStorageProvider} names this class.
 * When another storage is in charge (the OpenTelemetry Java agent, another provider, the SDK's
 * testing storage), {@link OpenTelemetryBridge} carries the current context instead.
 */
public final class WeftContextStorageProvider implements ContextStorageProvider {
    private static volatile boolean inCharge;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public WeftContextStorageProvider() {
    }

    @Override
    public ContextStorage get() {
        inCharge = true;
        return WeftContextStorage.INSTANCE;
    }

    /**
     * Returns whether OpenTelemetry chose this provider (after {@code ContextStorage.get()} has run).
     *
     * @return true if the current OpenTelemetry context lives in weft
     */
    public static boolean inCharge() {
        return inCharge;
    }
}
