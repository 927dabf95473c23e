package dev.weft.examples.server;

import java.util.Map;

/**
 * Limits for the JDK's {@code com.sun.net.httpserver}, which reads them from system properties
 * once, when its first server is created: call {@link #apply()} before that. A property already
 * set (e.g. with {@code -D} on the command line) is left alone.
 *
 * <ul>
 * <li>{@code sun.net.httpserver.nodelay=true}: small responses on keep-alive connections would
 *     otherwise wait for Nagle's algorithm and the client's delayed ACK (tens of ms each).
 * <li>{@code maxReqHeaderSize=65536}, {@code maxReqHeaders=100}: a request with larger headers is
 *     refused by closing its connection.
 * <li>{@code maxReqTime=10} (seconds): a client that starts a request and never finishes its
 *     headers is disconnected (slow-loris), instead of holding a task for ever.
 * <li>{@code maxIdleConnections=1000}: keep-alive connections of a load test are not closed
 *     after each response.
 * </ul>
 */
public final class JdkHttpServerSettings {
    private static final Map<String, String> SETTINGS = Map.of(
            "sun.net.httpserver.nodelay", "true",
            "sun.net.httpserver.maxReqHeaderSize", "65536",
            "sun.net.httpserver.maxReqHeaders", "100",
            "sun.net.httpserver.maxReqTime", "10",
            "sun.net.httpserver.maxIdleConnections", "1000");

    private JdkHttpServerSettings() {
    }

    /** Sets the properties that are not set yet. Idempotent. */
    public static void apply() {
        SETTINGS.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }
}
