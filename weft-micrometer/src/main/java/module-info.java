/**
 * weft-micrometer: every {@code ThreadLocalAccessor} of Micrometer's {@code ContextRegistry}
 * follows weft tasks, and weft's {@code Context} is itself a {@code ThreadLocalAccessor}.
 */
module dev.weft.micrometer {
    requires dev.weft;
    requires context.propagation; // context-propagation 1.2.1's Automatic-Module-Name

    exports dev.weft.micrometer;

    provides dev.weft.spi.ContextBridge with dev.weft.micrometer.MicrometerBridge;
    provides io.micrometer.context.ThreadLocalAccessor with dev.weft.micrometer.WeftContextAccessor;
}
