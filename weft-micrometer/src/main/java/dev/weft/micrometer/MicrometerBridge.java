package dev.weft.micrometer;

import dev.weft.spi.ContextBridge;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.Map;

/**
 * Every {@code ThreadLocalAccessor} registered in Micrometer's {@link ContextRegistry} (the
 * current {@code Observation}, Spring Security's {@code SecurityContext}, the user's own) follows
 * weft's contexts: captured where weft captures a context (spawn, {@code Context.wrap},
 * {@code ContextExecutors}, a generator step), set where weft enters one, and restored in reverse
 * order where weft leaves, exactly as {@code ContextSnapshot.setThreadLocals()} and its
 * {@code Scope.close()} do. A context that captured nothing (an empty weft context) clears every
 * accessor while it runs.
 *
 * <p>Found by {@link java.util.ServiceLoader}: weft-micrometer on the class path is the whole
 * setup. weft's own {@link WeftContextAccessor} is left out of what this bridge captures (weft
 * carries its context itself).
 */
public final class MicrometerBridge implements ContextBridge {
    private final ContextRegistry registry;
    private final ContextSnapshotFactory factory;
    /** A snapshot of nothing that clears every accessor when set; made on first use. */
    private volatile ContextSnapshot empty;

    /** Creates the bridge over {@link ContextRegistry#getInstance()}; used by {@link java.util.ServiceLoader}. */
    public MicrometerBridge() {
        this(ContextRegistry.getInstance());
    }

    /**
     * Creates the bridge over another registry.
     *
     * @param registry the registry whose accessors to carry
     */
    public MicrometerBridge(ContextRegistry registry) {
        this.registry = registry;
        this.factory = ContextSnapshotFactory.builder().contextRegistry(registry).clearMissing(true)
                .captureKeyPredicate(key -> !WeftContextAccessor.KEY.equals(key)).build();
    }

    @Override
    public Object capture() {
        ContextSnapshot s = factory.captureAll();
        return s instanceof Map<?, ?> m && m.isEmpty() ? null : s;
    }

    @Override
    public Object install(Object snapshot) {
        ContextSnapshot s = snapshot != null ? (ContextSnapshot) snapshot : emptySnapshot();
        return s.setThreadLocals(key -> !WeftContextAccessor.KEY.equals(key));
    }

    @Override
    public void restore(Object previous) {
        ((ContextSnapshot.Scope) previous).close();
    }

    private ContextSnapshot emptySnapshot() {
        ContextSnapshot e = empty;
        if (e == null) {
            // Captured on a thread that has nothing set: with clearMissing, setting it clears
            // every accessor registered at that time (and restores them at close).
            java.util.concurrent.atomic.AtomicReference<ContextSnapshot> out = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofVirtual().inheritInheritableThreadLocals(false).start(() -> out.set(factory.captureAll()));
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException ie) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            e = out.get();
            empty = e;
        }
        return e;
    }

    @Override
    public String toString() {
        return "MicrometerBridge[" + registry.getThreadLocalAccessors().size() + " accessors]";
    }
}
