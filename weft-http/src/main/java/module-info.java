/**
 * weft over HTTP with the JDK alone: an {@link java.net.http.HttpClient} decorator that sends the
 * remaining deadline and the W3C trace context, and a {@code com.sun.net.httpserver.Filter} that
 * runs each exchange in a deadline scope from them.
 *
 * <p>Trace context goes through {@link dev.weft.http.TracePropagation}: a W3C implementation on
 * weft {@code ContextVar}s by default, or a provider found by {@link java.util.ServiceLoader}
 * (an OpenTelemetry adapter, for instance).
 */
module dev.weft.http {
    requires transitive dev.weft;
    requires transitive java.net.http;
    requires transitive jdk.httpserver;

    exports dev.weft.http;

    uses dev.weft.http.TracePropagation;
}
