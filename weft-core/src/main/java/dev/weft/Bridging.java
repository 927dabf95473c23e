package dev.weft;

import dev.weft.internal.BridgeRegistry;
import dev.weft.spi.ContextBridge;
import dev.weft.spi.TaskObserver;

/**
 * Every call weft makes into {@link ContextBridge}s and {@link TaskObserver}s, in one place, so
 * that the kernel files each hold a one-line call at their choke points:
 *
 * <table class="striped">
 * <caption>Choke points</caption>
 * <tr><th>where</th><th>call</th></tr>
 * <tr><td>{@link Context#copyCurrent()}</td><td>{@link #captured(Context)}</td></tr>
 * <tr><td>{@link Context#copy()}</td><td>{@link #copied(Context, Context)}</td></tr>
 * <tr><td>{@link Context#wrap(Runnable)}, {@link Context#wrap(java.util.concurrent.Callable)}</td>
 *     <td>{@link #capture()} at wrap time, {@link #carry(Context, Object)} per run</td></tr>
 * <tr><td>{@code Context.enter} / {@code Context.exit}</td><td>{@link #enter(Context)} / {@link #exit(Context)}</td></tr>
 * <tr><td>{@code Task.run}</td><td>{@link #taskStarted(Task)}, {@link #taskEnded(Task, Throwable, boolean)}</td></tr>
 * <tr><td>{@code Generator.step} (consumer) / {@code beginStep}, yield, end (body)</td>
 *     <td>{@link #capture()} / {@link #stepBegin(Object)}, {@link #stepEnd(Object)}</td></tr>
 * </table>
 *
 * <h2>Implementation overview</h2>
 * A {@link Captured} pairs the bridge array it was taken with and one snapshot per bridge. A
 * context keeps the last one in {@link Context#bridge}: set when the context is made by a
 * capture, copied by {@link Context#copy()}, and refreshed when the context is left, so what a
 * body left in a library stays in its context (PEP 567's "a set stays in the context it was made
 * in"). Entering installs the snapshots in registration order and keeps, in the same field, an
 * {@link Installed} (the previous values, and the snapshot it installed, for copies made
 * meanwhile); a context is entered by one thread at a time, so one field per context is enough.
 * Leaving restores in reverse order. Each entry point
 * first reads the registry's array once and returns when it is empty: the whole cost when no
 * bridge is present.
 */
final class Bridging {
    private static final System.Logger LOG = System.getLogger("dev.weft.spi");

    static {
        BridgeRegistry.setAccess(new BridgeRegistry.Access() {
            @Override
            public Object attach(Context context) {
                return Attached.attach(context);
            }

            @Override
            public void detach(Object handle) {
                ((Attached) handle).detach();
            }
        });
    }

    private Bridging() {
    }

    /** Snapshots taken by {@code bridges}, one each, in the same order. Immutable. */
    record Captured(ContextBridge[] bridges, Object[] values) {
        Object valueFor(ContextBridge[] now, int i) {
            if (bridges == now) {
                return values[i];
            }
            ContextBridge b = now[i];
            for (int j = 0; j < bridges.length; j++) {
                if (bridges[j] == b) {
                    return values[j];
                }
            }
            return null; // registered after this capture: its empty state
        }
    }

    /** What installing {@code from} replaced, for restoring in reverse order. */
    record Installed(ContextBridge[] bridges, Object[] previous, Captured from) {
    }

    /** What a context carries: its snapshot, also while it is entered. */
    private static Captured carried(Context c) {
        return c.bridge instanceof Installed u ? u.from() : (Captured) c.bridge;
    }

    /** Captures the current thread's state of every bridge, or null when there is none. */
    static Object capture() {
        ContextBridge[] b = BridgeRegistry.bridges;
        return b.length == 0 ? null : capture(b);
    }

    private static Captured capture(ContextBridge[] b) {
        Object[] v = new Object[b.length];
        for (int i = 0; i < b.length; i++) {
            try {
                v[i] = b[i].capture();
            } catch (RuntimeException | LinkageError e) {
                report(b[i], "capture", e); // carried as the library's empty state
            }
        }
        return new Captured(b, v);
    }

    /** {@link Context#copyCurrent()}: the copy also carries the thread's bridged state. */
    static Context captured(Context copy) {
        ContextBridge[] b = BridgeRegistry.bridges;
        if (b.length != 0) {
            copy.bridge = capture(b);
        }
        return copy;
    }

    /** {@link Context#copy()}: the copy carries what the original last captured. */
    static Context copied(Context from, Context copy) {
        copy.bridge = carried(from);
        return copy;
    }

    /** {@link Context#wrap}: a fresh context for one run, carrying what was captured at wrap time. */
    static Context carry(Context fresh, Object captured) {
        fresh.bridge = captured;
        return fresh;
    }

    /** Called by {@code Context.enter} after the context became current. */
    static void enter(Context c) {
        ContextBridge[] b = BridgeRegistry.bridges;
        if (b.length != 0) {
            c.bridge = install(b, carried(c));
        }
    }

    /** Called by {@code Context.exit} before the previous context becomes current again. */
    static void exit(Context c) {
        if (c.bridge instanceof Installed u) {
            c.bridge = capture(u.bridges());
            restore(u);
        }
    }

    /** Generator body thread, at the start of a step: installs what the consumer captured. */
    static Object stepBegin(Object captured) {
        ContextBridge[] b = BridgeRegistry.bridges;
        return b.length == 0 ? null : install(b, (Captured) captured);
    }

    /** Generator body thread, at a yield or the body's end: restores the thread's own state. */
    static void stepEnd(Object installed) {
        if (installed != null) {
            restore((Installed) installed);
        }
    }

    /** Marks a bridge whose install threw: nothing to restore. */
    private static final Object NOT_INSTALLED = new Object();

    private static Installed install(ContextBridge[] b, Captured snap) {
        Object[] prev = new Object[b.length];
        for (int i = 0; i < b.length; i++) {
            try {
                prev[i] = b[i].install(snap == null ? null : snap.valueFor(b, i));
            } catch (RuntimeException | LinkageError e) {
                prev[i] = NOT_INSTALLED;
                report(b[i], "install", e);
            }
        }
        return new Installed(b, prev, snap);
    }

    private static void restore(Installed u) {
        ContextBridge[] b = u.bridges();
        for (int i = b.length - 1; i >= 0; i--) {
            Object p = u.previous()[i];
            if (p == NOT_INSTALLED) {
                continue;
            }
            try {
                b[i].restore(p);
            } catch (RuntimeException | LinkageError e) {
                report(b[i], "restore", e);
            }
        }
    }

    private static void report(ContextBridge b, String what, Throwable e) {
        LOG.log(System.Logger.Level.WARNING, "weft: context bridge " + b.getClass().getName() + " threw in " + what
                + "; weft's own context switch went on without it: " + e, e);
    }

    /** Task thread, in the task's context, before the body. */
    static void taskStarted(Task<?> t) {
        TaskObserver[] o = BridgeRegistry.observers;
        for (TaskObserver x : o) {
            try {
                x.started(t);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "weft: task observer " + x + " failed in started(" + t + ")", e);
            }
        }
    }

    /** Task thread, in the task's context, after the body and its cleanup. */
    static void taskEnded(Task<?> t, Throwable outcome, boolean cancelled) {
        TaskObserver[] o = BridgeRegistry.observers;
        if (o.length == 0) {
            return;
        }
        Task.State s = outcome == null ? Task.State.SUCCESS : cancelled ? Task.State.CANCELLED : Task.State.FAILED;
        for (TaskObserver x : o) {
            try {
                x.ended(t, s, outcome);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "weft: task observer " + x + " failed in ended(" + t + ")", e);
            }
        }
    }

    /** A private view of a context, current on one thread until detached; see {@code ContextAttachment}. */
    static final class Attached {
        private final Context view;
        private final Context previous;
        private final Thread thread;
        private boolean detached;

        private Attached(Context view, Context previous) {
            this.view = view;
            this.previous = previous;
            this.thread = Thread.currentThread();
        }

        static Attached attach(Context context) {
            Context view = context.copy(); // reads only: the context may be entered elsewhere
            return new Attached(view, view.enter());
        }

        void detach() {
            if (Thread.currentThread() != thread) {
                throw new WrongThreadException("a context attachment must be closed on the thread that attached it ('"
                        + thread.getName() + "'), not on '" + Thread.currentThread().getName() + "'");
            }
            if (detached) {
                return;
            }
            if (Context.currentOrNull() != view) {
                throw new IllegalStateException("context attachments must be closed in reverse order of attaching:"
                        + " another context was entered or attached after this one and is still current");
            }
            detached = true;
            view.exit(previous);
        }
    }
}
