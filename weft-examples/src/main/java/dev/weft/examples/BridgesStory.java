package dev.weft.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.weft.ContextExecutors;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The context a Java service already has, following weft tasks: one request with a request id
 * in the SLF4J MDC (Logback) and a root OpenTelemetry span; a task group of three tasks, a
 * generator and a job on a pool. Every log line and every exported span carries the request id
 * and the trace id, and afterwards nothing is left behind: the pool thread's MDC is empty and no
 * span is current. The only setup is weft-slf4j and weft-opentelemetry on the class path.
 */
public final class BridgesStory implements Story {
    private static final Logger LOG = LoggerFactory.getLogger("dev.weft.examples.bridges");

    @Override
    public String number() {
        return "MDC";
    }

    @Override
    public String title() {
        return "MDC and OpenTelemetry follow weft tasks, generators and executors";
    }

    @Override
    public String python() {
        return "contextvars carry everything: logging filters and OpenTelemetry's Python SDK read ContextVars, so a"
                + " task's log lines and spans keep the request's ids. Java keeps them in thread-locals (the MDC,"
                + " OpenTelemetry's current Context), which a new thread does not have.";
    }

    @Override
    public String weft() {
        return "bridges found by ServiceLoader: the MDC and the current span are captured where weft captures a"
                + " context and installed where it enters one (task, generator step, wrapped job), then restored;"
                + " OpenTelemetry's current Context lives in a ContextVar. No setup call, no agent.";
    }

    /** One log line as it was written: the MDC's request id and the current trace id, read on the logging thread. */
    private record Line(String thread, String request, String trace, String message) {
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();
        List<Line> lines = Collections.synchronizedList(new ArrayList<>());
        List<SpanData> spans = Collections.synchronizedList(new ArrayList<>());

        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger logger = logback.getLogger(LOG.getName());
        AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                String trace = Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : "-";
                lines.add(new Line(e.getThreadName(), e.getMDCPropertyMap().getOrDefault("request", "-"), trace,
                        e.getFormattedMessage()));
            }
        };
        capture.setContext(logback);
        capture.start();
        logger.addAppender(capture);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);

        SdkTracerProvider otel = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new Collecting(spans))).build();
        Tracer tracer = otel.get("weft-examples");
        ExecutorService raw = Executors.newFixedThreadPool(1);
        String traceId;
        boolean poolMdcEmpty;
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            MDC.put("request", "req-42");
            Span request = tracer.spanBuilder("request").startSpan();
            traceId = request.getSpanContext().getTraceId();
            try (Scope s = request.makeCurrent()) {
                LOG.info("request received");
                TaskGroup.run(g -> {
                    for (String part : List.of("user", "cart", "prices")) {
                        g.spawn("load-" + part, () -> traced(tracer, "load " + part, () -> LOG.info("loading {}", part)));
                    }
                    return null;
                });
                try (Generator<Integer> pages = Generator.of(out -> {
                    for (int page = 1; page <= 2; page++) {
                        int p = page;
                        traced(tracer, "page " + p, () -> LOG.info("reading page {}", p));
                        out.yield(p);
                    }
                })) {
                    pages.forEachRemaining(p -> { });
                }
                pool.submit(() -> traced(tracer, "audit on pool", () -> LOG.info("writing the audit record")))
                        .get(5, TimeUnit.SECONDS);
                LOG.info("request done");
            } finally {
                request.end();
                MDC.remove("request");
            }
            poolMdcEmpty = raw.submit(() -> MDC.getCopyOfContextMap() == null || MDC.getCopyOfContextMap().isEmpty())
                    .get(5, TimeUnit.SECONDS);
        } finally {
            logger.detachAppender(capture);
            otel.close();
        }

        // Side by side: each log line, then each span.
        for (Line l : lines) {
            ev.line("log   %-22s request=%s trace=%s  \"%s\"", l.thread(), l.request(), abbrev(l.trace()), l.message());
        }
        Map<String, String> names = spans.stream().collect(Collectors.toMap(d -> d.getSpanId(), SpanData::getName));
        for (SpanData d : spans) {
            ev.line("span  %-22s trace=%s parent=%s", d.getName(), abbrev(d.getTraceId()),
                    names.getOrDefault(d.getParentSpanId(), "-"));
        }
        ev.check(lines.size() == 8 && lines.stream().allMatch(l -> l.request().equals("req-42")),
                "all %d log lines, on %d threads, carry request=req-42", lines.size(),
                lines.stream().map(Line::thread).distinct().count());
        ev.check(lines.stream().allMatch(l -> l.trace().equals(traceId)),
                "every log line was written under the request's trace %s", abbrev(traceId));
        Set<String> traces = spans.stream().map(SpanData::getTraceId).collect(Collectors.toSet());
        String rootId = spans.stream().filter(d -> d.getName().equals("request")).map(SpanData::getSpanId).findFirst()
                .orElse("?");
        ev.check(spans.size() == 7 && traces.equals(Set.of(traceId))
                        && spans.stream().filter(d -> !d.getName().equals("request"))
                        .allMatch(d -> d.getParentSpanId().equals(rootId)),
                "all %d spans are in that one trace, every child's parent is the request span", spans.size());
        ev.check(poolMdcEmpty && !Span.current().getSpanContext().isValid() && Context.current() == Context.root(),
                "nothing left behind: the pool thread's MDC is empty and no span is current afterwards");
        return ev.result();
    }

    private static Void traced(Tracer tracer, String name, Runnable body) {
        Span span = tracer.spanBuilder(name).startSpan();
        try (Scope s = span.makeCurrent()) {
            body.run();
        } finally {
            span.end();
        }
        return null;
    }

    private static String abbrev(String traceId) {
        return traceId.length() > 8 ? traceId.substring(0, 8) + "…" : traceId;
    }

    /** Keeps exported spans in memory, in the order they ended. */
    private record Collecting(List<SpanData> into) implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            into.addAll(batch);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
