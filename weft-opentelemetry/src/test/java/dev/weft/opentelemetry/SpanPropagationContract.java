package dev.weft.opentelemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.ContextExecutors;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What must hold whichever way the current OpenTelemetry context follows weft (weft's storage in
 * charge, or the fallback bridge): spans get the right parent in tasks, generator steps and
 * wrapped executor jobs, and nothing is left current afterwards.
 */
abstract class SpanPropagationContract {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private SdkTracerProvider provider;
    Tracer tracer;

    /** The spans exported so far. */
    List<SpanData> finished() {
        return exporter.getFinishedSpanItems();
    }

    @BeforeEach
    void startSdk() {
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        tracer = provider.get("weft-test");
    }

    @AfterEach
    void stopSdk() {
        provider.close();
        assertSame(Context.root(), Context.current(), "a context was left current");
    }

    SpanData span(String name) {
        return finished().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span '" + name + "' in " + finished()));
    }

    /** Spans started in tasks have the spawner's span as parent; after the group the parent's span is current again. */
    @Test
    void taskSpansHaveTheSpawnersSpanAsParent() {
        Span root = tracer.spanBuilder("request").startSpan();
        try (Scope s = root.makeCurrent()) {
            TaskGroup.run(g -> {
                for (int i = 0; i < 3; i++) {
                    String name = "task-" + i;
                    g.spawn(() -> {
                        Span child = tracer.spanBuilder(name).startSpan();
                        try (Scope cs = child.makeCurrent()) {
                            Span.current().setAttribute("in", name);
                        } finally {
                            child.end();
                        }
                    });
                }
                return null;
            });
            assertSame(root, Span.current());
        } finally {
            root.end();
        }
        SpanData r = span("request");
        for (int i = 0; i < 3; i++) {
            SpanData c = span("task-" + i);
            assertEquals(r.getSpanId(), c.getParentSpanId());
            assertEquals(r.getTraceId(), c.getTraceId());
        }
    }

    /** A span made current in a task does not leak to the spawner or to a sibling. */
    @Test
    void taskCurrentSpanDoesNotLeak() {
        Span root = tracer.spanBuilder("root").startSpan();
        try (Scope s = root.makeCurrent()) {
            TaskGroup.run(g -> {
                g.spawn(() -> {
                    Span mine = tracer.spanBuilder("a").startSpan();
                    Scope leaked = mine.makeCurrent(); // closed below, after the sibling ran
                    g.spawn(() -> assertSame(mine, Span.current(), "spawned from a: its span is the parent")).join();
                    leaked.close();
                    mine.end();
                }).join();
                g.spawn(() -> assertSame(root, Span.current())).join();
                return null;
            });
            assertSame(root, Span.current());
        } finally {
            root.end();
        }
    }

    /** A generator step's span has the consumer's current span as parent. */
    @Test
    void generatorStepSpansHaveTheConsumersSpanAsParent() {
        Span consumer = tracer.spanBuilder("consumer").startSpan();
        try (Scope s = consumer.makeCurrent();
             Generator<Integer> gen = Generator.of(out -> {
                 for (int i = 0; i < 2; i++) {
                     Span step = tracer.spanBuilder("step-" + i).startSpan();
                     step.end();
                     out.yield(i);
                 }
             })) {
            gen.next();
            gen.next();
        } finally {
            consumer.end();
        }
        assertEquals(span("consumer").getSpanId(), span("step-0").getParentSpanId());
        assertEquals(span("consumer").getSpanId(), span("step-1").getParentSpanId());
    }

    /** A wrapped executor job's span has the submitter's span as parent; the pool thread keeps no context. */
    @Test
    void executorJobSpansHaveTheSubmittersSpanAsParent() throws Exception {
        ExecutorService raw = Executors.newFixedThreadPool(1);
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            Span submitter = tracer.spanBuilder("submitter").startSpan();
            try (Scope s = submitter.makeCurrent()) {
                pool.submit(() -> tracer.spanBuilder("job").startSpan().end()).get(5, TimeUnit.SECONDS);
            } finally {
                submitter.end();
            }
            assertSame(Context.root(), raw.submit(Context::current).get(5, TimeUnit.SECONDS));
        }
        assertEquals(span("submitter").getSpanId(), span("job").getParentSpanId());
    }
}
