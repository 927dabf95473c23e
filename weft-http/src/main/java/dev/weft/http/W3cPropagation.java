package dev.weft.http;

import dev.weft.Token;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** {@link TracePropagation#w3c()}: W3C headers to and from {@link W3cTrace}. */
final class W3cPropagation implements TracePropagation {
    static final W3cPropagation INSTANCE = new W3cPropagation();

    private W3cPropagation() {
    }

    @Override
    public void inject(BiConsumer<String, String> header) {
        W3cTrace.current().ifPresent(t -> {
            header.accept("traceparent", t.traceparent());
            if (t.traceState() != null) {
                header.accept("tracestate", t.traceState());
            }
        });
        String b = W3cTrace.baggage().header();
        if (b != null) {
            header.accept("baggage", b);
        }
    }

    @Override
    public Scope attach(Function<String, String> header) {
        TraceContext t = TraceContext.parse(header.apply("traceparent"), header.apply("tracestate"))
                .map(TraceContext::newChild)
                .orElseGet(TraceContext::newTrace);
        Token<TraceContext> trace = W3cTrace.set(t);
        Token<Baggage> baggage = W3cTrace.setBaggage(Baggage.parse(header.apply("baggage")).orElse(Baggage.EMPTY));
        return () -> {
            baggage.close();
            trace.close();
        };
    }
}
