package dev.weft.examples.mesh;

import dev.weft.http.TraceContext;
import dev.weft.http.W3cTrace;
import dev.weft.grpc.MetadataVar;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the mesh's processes share: the gRPC method of the stock service (UTF-8 strings, no
 * protoc), the trace context as gRPC metadata, and the log line format the driver reads.
 *
 * <p>Log lines: {@code @mesh <epoch-micros> <node> <event> key=value ...}. Every process of the
 * mesh runs on the same machine, so their wall clocks agree to well under a millisecond.
 */
final class MeshProtocol {
    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** stock.Quote: the request is the item (or "warm-up"), the reply its price line. */
    static final MethodDescriptor<String, String> QUOTE = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("mesh.Stock", "Quote"))
            .setRequestMarshaller(UTF8)
            .setResponseMarshaller(UTF8)
            .build();

    /** The W3C trace position travels over gRPC as a declared context variable. */
    static final MetadataVar<TraceContext> TRACE = MetadataVar.of(W3cTrace.variable(), "traceparent",
            TraceContext::traceparent,
            s -> TraceContext.parse(s, null).orElseThrow(() -> new IllegalArgumentException("not a W3C traceparent")));

    static final String PREFIX = "@mesh ";

    private MeshProtocol() {
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1_000;
    }

    /** Formats one log line. */
    static String line(String node, String event, Object... kv) {
        StringBuilder b = new StringBuilder(PREFIX).append(nowMicros()).append(' ').append(node).append(' ').append(event);
        for (int i = 0; i < kv.length; i += 2) {
            b.append(' ').append(kv[i]).append('=').append(String.valueOf(kv[i + 1]).replace(' ', '_'));
        }
        return b.toString();
    }

    /** One parsed log line. */
    record Event(long micros, String node, String event, Map<String, String> fields) {
        static Event parse(String line) {
            if (!line.startsWith(PREFIX)) {
                return null;
            }
            String[] parts = line.substring(PREFIX.length()).split(" ");
            if (parts.length < 3) {
                return null;
            }
            Map<String, String> f = new LinkedHashMap<>();
            for (int i = 3; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                if (eq > 0) {
                    f.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
                }
            }
            return new Event(Long.parseLong(parts[0]), parts[1], parts[2], f);
        }

        String get(String key) {
            return fields.getOrDefault(key, "");
        }

        long getLong(String key) {
            return Long.parseLong(fields.get(key));
        }
    }
}
