package dev.weft;

import java.time.Duration;

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
        GroupTestSupport.Background.start(kind == VIRTUAL, "test-" + kind.name().toLowerCase(), body::run)
                .join(Duration.ofSeconds(60));
    }
}
