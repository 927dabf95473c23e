package dev.weft.opentelemetry;

import dev.weft.spi.ContextBridge;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;

/**
 * The fallback when weft's storage is not in charge of OpenTelemetry's current context (the Java
 * agent or another {@code ContextStorageProvider} is): a {@link ContextBridge} that captures
 * {@link Context#current()} where weft captures a context and makes it current
 * ({@link Context#makeCurrent()}) where weft enters one, closing the scope where weft leaves, in
 * reverse order. Found by {@link java.util.ServiceLoader}; it reports itself disabled, and costs
 * nothing, when {@link WeftContextStorageProvider} is in charge.
 */
public final class OpenTelemetryBridge implements ContextBridge {
    /** Creates the bridge; called by {@link java.util.ServiceLoader}. */
    public OpenTelemetryBridge() {
    }

    /** Needed only when another storage than weft's holds OpenTelemetry's current context. */
    @Override
    public boolean enabled() {
        ContextStorage.get(); // makes OpenTelemetry choose its storage now
        return !WeftContextStorageProvider.inCharge();
    }

    @Override
    public Object capture() {
        Context c = Context.current();
        return c == Context.root() ? null : c;
    }

    @Override
    public Object install(Object snapshot) {
        return (snapshot == null ? Context.root() : (Context) snapshot).makeCurrent();
    }

    @Override
    public void restore(Object previous) {
        ((Scope) previous).close();
    }

    @Override
    public String toString() {
        return "OpenTelemetryBridge[storage " + ContextStorage.get() + "]";
    }
}
