/** An application that uses weft, SLF4J, OpenTelemetry and Micrometer, and never names a bridge. */
module example.bridges {
    requires dev.weft;
    requires org.slf4j;
    requires io.opentelemetry.context;
    requires context.propagation;
}
