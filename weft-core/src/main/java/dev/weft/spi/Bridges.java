package dev.weft.spi;

import dev.weft.internal.BridgeRegistry;
import java.util.List;

/**
 * The registry of {@link ContextBridge}s and {@link TaskObserver}s. Both are found with
 * {@link java.util.ServiceLoader} the first time weft captures or enters a context, so a bridge's
 * jar on the class path (or module path) is all a user adds; this class is for registering by
 * hand (tests, frameworks that build their bridges at run time) and for looking at what is
 * registered.
 *
 * <pre>{@code
 * try (Bridges.Registration r = Bridges.register(new MyTenantBridge())) {
 *     ...   // contexts captured from now on carry the tenant
 * }
 * }</pre>
 *
 * <p>Registering is cheap but not free (a copy of a small array); do it at start-up, not per
 * request. A context captured before a bridge was registered installs that bridge's empty state.
 */
public final class Bridges {
    private Bridges() {
    }

    /**
     * A registration; {@link #close()} removes it. Closing twice does nothing.
     */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        /** Removes what was registered. */
        @Override
        void close();
    }

    /**
     * Registers {@code bridge} after those already registered (it installs after them and
     * restores before them).
     *
     * @param bridge the bridge
     * @return a handle whose {@code close()} removes the bridge
     * @throws IllegalArgumentException if this bridge object is registered already
     */
    public static Registration register(ContextBridge bridge) {
        if (bridge == null) {
            throw new NullPointerException("bridge is null: pass the ContextBridge to register");
        }
        if (!BridgeRegistry.add(bridge)) {
            throw new IllegalArgumentException("context bridge " + bridge + " is registered already"
                    + " (found by ServiceLoader, or registered twice): register each bridge object once");
        }
        return () -> BridgeRegistry.remove(bridge);
    }

    /**
     * Registers {@code observer} after those already registered.
     *
     * @param observer the observer
     * @return a handle whose {@code close()} removes the observer
     * @throws IllegalArgumentException if this observer object is registered already
     */
    public static Registration register(TaskObserver observer) {
        if (observer == null) {
            throw new NullPointerException("observer is null: pass the TaskObserver to register");
        }
        if (!BridgeRegistry.add(observer)) {
            throw new IllegalArgumentException("task observer " + observer + " is registered already"
                    + " (found by ServiceLoader, or registered twice): register each observer object once");
        }
        return () -> BridgeRegistry.remove(observer);
    }

    /**
     * Returns the registered bridges, in the order they are installed.
     *
     * @return a snapshot
     */
    public static List<ContextBridge> bridges() {
        return List.of(BridgeRegistry.bridges);
    }

    /**
     * Returns the registered task observers, in the order they are told.
     *
     * @return a snapshot
     */
    public static List<TaskObserver> observers() {
        return List.of(BridgeRegistry.observers);
    }
}
