package dev.weft.internal;

import dev.weft.spi.ContextBridge;
import dev.weft.spi.TaskObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The registered bridges and task observers. Not exported: the public face is
 * {@link dev.weft.spi.Bridges}; the hooks that use these arrays are in {@code dev.weft.Bridging}.
 *
 * <p>Invariant: {@link #bridges} and {@link #observers} are never null and never mutated; a
 * registration publishes a new array (copy on write, under the class lock). The hot paths read
 * the array once and do nothing when it is empty, so weft with no bridge pays one load per
 * enter, exit and capture ({@code BridgeBenchmark}). During discovery the arrays are empty, so a
 * bridge whose constructor uses weft does not recurse into discovery.
 */
public final class BridgeRegistry {
    private static final System.Logger LOG = System.getLogger("dev.weft.spi");
    private static final ContextBridge[] NO_BRIDGES = new ContextBridge[0];
    private static final TaskObserver[] NO_OBSERVERS = new TaskObserver[0];

    /** The bridges in registration order. Read by any thread; replaced under the class lock. */
    public static volatile ContextBridge[] bridges = NO_BRIDGES;
    /** The task observers in registration order. Read by any thread; replaced under the class lock. */
    public static volatile TaskObserver[] observers = NO_OBSERVERS;

    static {
        discover();
    }

    private BridgeRegistry() {
    }

    private static void discover() {
        ClassLoader loader = BridgeRegistry.class.getClassLoader();
        List<ContextBridge> found = new ArrayList<>();
        for (ContextBridge b : load(ContextBridge.class, loader)) {
            try {
                if (b.enabled()) {
                    found.add(b);
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "weft: context bridge " + b.getClass().getName()
                        + " failed to start and is left out: " + e, e);
            }
        }
        List<TaskObserver> obs = load(TaskObserver.class, loader);
        synchronized (BridgeRegistry.class) {
            if (!found.isEmpty()) {
                bridges = concat(bridges, found.toArray(ContextBridge[]::new));
            }
            if (!obs.isEmpty()) {
                observers = concat(observers, obs.toArray(TaskObserver[]::new));
            }
        }
    }

    private static <S> List<S> load(Class<S> service, ClassLoader loader) {
        List<S> out = new ArrayList<>();
        var it = (loader == null ? ServiceLoader.load(service) : ServiceLoader.load(service, loader)).iterator();
        for (;;) {
            try {
                if (!it.hasNext()) {
                    return out;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A provider whose library is missing from the class path (an optional dependency)
                // must not break weft: it is left out and named.
                LOG.log(System.Logger.Level.WARNING, "weft: a " + service.getSimpleName()
                        + " provider could not be loaded and is left out: " + e);
            }
        }
    }

    private static <T> T[] concat(T[] a, T[] b) {
        T[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Adds a bridge at the end; false if it is registered already. */
    public static synchronized boolean add(ContextBridge b) {
        if (Arrays.asList(bridges).contains(b)) {
            return false;
        }
        bridges = concat(bridges, new ContextBridge[] {b});
        return true;
    }

    /** Removes a bridge; false if it was not registered. */
    public static synchronized boolean remove(ContextBridge b) {
        List<ContextBridge> l = new ArrayList<>(Arrays.asList(bridges));
        boolean removed = l.remove(b);
        bridges = l.toArray(ContextBridge[]::new);
        return removed;
    }

    /** Adds an observer at the end; false if it is registered already. */
    public static synchronized boolean add(TaskObserver o) {
        if (Arrays.asList(observers).contains(o)) {
            return false;
        }
        observers = concat(observers, new TaskObserver[] {o});
        return true;
    }

    /** Removes an observer; false if it was not registered. */
    public static synchronized boolean remove(TaskObserver o) {
        List<TaskObserver> l = new ArrayList<>(Arrays.asList(observers));
        boolean removed = l.remove(o);
        observers = l.toArray(TaskObserver[]::new);
        return removed;
    }

    /** What {@code dev.weft} lends to {@code dev.weft.spi}: set by {@code dev.weft.Bridging}. */
    public interface Access {
        /** Makes a private view of {@code context} current on this thread; returns the undo handle. */
        Object attach(dev.weft.Context context);

        /** Undoes {@link #attach} on the attaching thread. */
        void detach(Object handle);
    }

    private static volatile Access access;

    /** Called once by {@code dev.weft.Bridging}'s initializer. */
    public static void setAccess(Access a) {
        access = a;
    }

    /** Returns the access object, initializing {@code dev.weft.Bridging} if needed. */
    public static Access access() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName("dev.weft.Bridging", true, BridgeRegistry.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = access;
        }
        return a;
    }
}
