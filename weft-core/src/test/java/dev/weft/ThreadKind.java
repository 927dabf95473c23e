package dev.weft;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kinds of thread a behaviour is checked on (STYLE: "run behaviour tests on virtual and
 * platform threads"), and a bounded way to run a body on a fresh thread of one kind.
 */
enum ThreadKind {
    PLATFORM, VIRTUAL;

    /** A body that may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    Thread start(Runnable r) {
        return this == PLATFORM ? Thread.ofPlatform().start(r) : Thread.ofVirtual().start(r);
    }

    /** Runs {@code body} on a new thread of {@code kind}, waits at most 60 s and rethrows its failure. */
    static void runOn(ThreadKind kind, Body body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = kind.start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        if (!t.join(Duration.ofSeconds(60))) {
            AssertionError e = new AssertionError("thread " + t + " still running after 60 s");
            e.setStackTrace(t.getStackTrace());
            throw e;
        }
        Throwable f = failure.get();
        if (f instanceof Exception e) {
            throw e;
        } else if (f instanceof Error e) {
            throw e;
        } else if (f != null) {
            throw new AssertionError(f);
        }
    }
}
