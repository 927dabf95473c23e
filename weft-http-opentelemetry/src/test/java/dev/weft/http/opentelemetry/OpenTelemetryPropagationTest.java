package dev.weft.http.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.weft.TaskGroup;
import dev.weft.http.TracePropagation;
import dev.weft.http.WeftHttpClient;
import dev.weft.http.WeftHttpFilter;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry across a real JDK HttpServer and HttpClient on loopback, through weft-http with
 * this jar on the class path and no setup: one trace on both sides, the server span a child of the
 * client span, the baggage delivered, and nothing left current on either side.
 */
class OpenTelemetryPropagationTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private SdkTracerProvider provider;
    private Tracer tracer;

    @BeforeEach
    void startSdk() {
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        tracer = provider.get("weft-http-test");
    }

    @AfterEach
    void stopSdk() {
        provider.close();
        assertSame(Context.root(), Context.current(), "a context was left current");
    }

    private SpanData span(String name) {
        List<SpanData> all = exporter.getFinishedSpanItems();
        return all.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span '" + name + "' in " + all));
    }

    /** TracePropagation.discover() finds this adapter by ServiceLoader: the jar is the whole setup. */
    @Test
    void discoverFindsTheOpenTelemetryPropagation() {
        assertInstanceOf(OpenTelemetryPropagation.class, TracePropagation.discover());
    }

    /**
     * A client span's request reaches a handler behind WeftHttpFilter whose server span, and the
     * spans of the handler's tasks, are in the same trace under it; the baggage arrives.
     */
    @Test
    void serverSpanIsTheChildOfTheClientSpanAcrossLoopback() throws Exception {
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", ex -> {
            Span serverSpan = tracer.spanBuilder("server").setSpanKind(SpanKind.SERVER).startSpan();
            String seen;
            try (Scope s = serverSpan.makeCurrent()) {
                TaskGroup.run(g -> {
                    g.spawn(() -> {
                        Span child = tracer.spanBuilder("server-task").startSpan();
                        child.end();
                    });
                    return null;
                });
                seen = Baggage.current().getEntryValue("request-id");
            } finally {
                serverSpan.end();
            }
            byte[] b = String.valueOf(seen).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }).getFilters().add(WeftHttpFilter.create());
        server.start();
        try (HttpClient http = WeftHttpClient.wrap(HttpClient.newHttpClient())) {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            Span clientSpan = tracer.spanBuilder("client").setSpanKind(SpanKind.CLIENT).startSpan();
            String body;
            try (Scope s = clientSpan.makeCurrent();
                    Scope b = Baggage.current().toBuilder().put("request-id", "r-7").build().makeCurrent()) {
                body = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            } finally {
                clientSpan.end();
            }
            assertEquals("r-7", body, "the baggage did not arrive");
        } finally {
            server.stop(0);
            handlers.shutdown();
            assertTrue(handlers.awaitTermination(10, TimeUnit.SECONDS), "a handler was still running");
        }
        SpanData client = span("client");
        SpanData srv = span("server");
        SpanData task = span("server-task");
        assertEquals(client.getTraceId(), srv.getTraceId(), "one trace id on both sides");
        assertEquals(client.getSpanId(), srv.getParentSpanId(), "the server span's parent is the client span");
        assertTrue(srv.getParentSpanContext().isRemote());
        assertEquals(srv.getSpanId(), task.getParentSpanId(), "a task of the handler is under the server span");
        assertEquals(client.getTraceId(), task.getTraceId());
        assertNotEquals(client.getSpanId(), srv.getSpanId());
    }

    /** A request without traceparent gets no remote parent: the server span starts a trace of its own. */
    @Test
    void requestWithoutTraceparentStartsANewTrace() {
        Context ctx = Context.current();
        try (TracePropagation.Scope s = new OpenTelemetryPropagation().attach(name -> null)) {
            assertEquals(ctx, Context.current());
            assertTrue(!Span.current().getSpanContext().isValid());
        }
    }
}
