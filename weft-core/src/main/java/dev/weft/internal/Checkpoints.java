package dev.weft.internal;

/**
 * An observer of weft's checkpoints, for the cancellation fuzzer of the {@code dev.weft.test}
 * module: every check for cancellation that a weft call makes ({@code Weft.checkpoint()}, the
 * start of every blocking call, each re-check of a wait) reports to it, on the checking thread,
 * <em>before</em> it looks at the scope chain, so that the observer may cancel a scope and have
 * this very checkpoint deliver the cancellation. Not exported (only to {@code dev.weft.test}).
 *
 * <p>Cost when nobody observes: one static volatile read (a plain load on x86) and a null check
 * predicted taken, on a path that walks the scope chain anyway.
 *
 * <p>Fields: {@link #observer} is written by {@link #install} (any thread, rare) and read by
 * every checking thread.
 */
public final class Checkpoints {
    /** What the fuzzer plugs in. */
    @FunctionalInterface
    public interface Observer {
        /**
         * Called on the checking thread at each checkpoint, before the check. May cancel scopes;
         * must not make blocking weft calls.
         *
         * @param thread the current thread
         */
        void reached(Thread thread);
    }

    private static volatile Observer observer;

    private Checkpoints() {
    }

    /** Installs {@code o} (null removes it) and returns the observer installed before. */
    public static Observer install(Observer o) {
        Observer previous = observer;
        observer = o;
        return previous;
    }

    /** Reports a checkpoint of the current thread to the observer, if one is installed. */
    public static void reached() {
        Observer o = observer;
        if (o != null) {
            o.reached(Thread.currentThread());
        }
    }
}
