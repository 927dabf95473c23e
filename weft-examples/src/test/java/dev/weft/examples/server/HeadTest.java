package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** HEAD is GET without the body: same status and headers, the body's Content-Length, and no JDK warning. */
class HeadTest {
    /** HEAD on every endpoint answers like GET, without a body, and the JDK server logs no warning. */
    @Test
    void headAnswersLikeGetWithoutABodyOrAWarning() throws Exception {
        Logger jdk = Logger.getLogger("com.sun.net.httpserver");
        Queue<String> warnings = new ConcurrentLinkedQueue<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jdk.addHandler(capture);
        DemoServer s = ServerTesting.start(false, Duration.ofSeconds(2), Duration.ofSeconds(1), ServerTesting.newLog());
        try (RawHttp c = new RawHttp(s.port())) {
            for (String path : List.of("/", "/hello", "/whoami", "/slow?ms=5", "/fanout?n=3&ms=5", "/nope", "/slow")) {
                RawHttp.Reply get = c.get(path, "X-Request-Id: same");
                RawHttp.Reply head = c.head(path);
                assertEquals(get.status(), head.status(), path);
                assertEquals(get.headers().get("content-type"), head.headers().get("content-type"), path);
                int length = Integer.parseInt(head.headers().get("content-length"));
                assertTrue(Math.abs(length - get.body().length()) <= 8, path + ": HEAD says " + length + ", GET sent "
                        + get.body().length()); // the body names the request and times: lengths differ by a few digits
            }
            // The connection is still in step: no stray body bytes were sent after a HEAD reply.
            assertEquals(200, c.get("/hello").status());
        } finally {
            jdk.removeHandler(capture);
            assertTrue(s.shutdown().clean());
        }
        assertEquals(List.of(), List.copyOf(warnings));
    }
}
