/**
 * weft-slf4j: the SLF4J MDC follows weft's contexts (tasks, {@code Context.run}, generator steps,
 * wrapped executors). Nothing to call: the bridge is provided to weft as a service.
 */
module dev.weft.slf4j {
    requires dev.weft;
    requires org.slf4j;
    requires static ch.qos.logback.classic;

    exports dev.weft.slf4j;

    provides dev.weft.spi.ContextBridge with dev.weft.slf4j.MdcBridge;
}
