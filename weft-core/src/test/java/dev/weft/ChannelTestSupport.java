package dev.weft;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers shared by the channel tests: background operations and bounded waiting. */
final class ChannelTestSupport {
    /** How long a test waits for something that should happen promptly before failing. */
    static final Duration PATIENCE = Duration.ofSeconds(5);

    private ChannelTestSupport() {
    }

    /** The kinds of thread a blocking behaviour is checked on. */
    enum Threads {
        VIRTUAL(Thread.ofVirtual().factory()),
        PLATFORM(Thread.ofPlatform().daemon().factory());

        final ThreadFactory factory;

        Threads(ThreadFactory factory) {
            this.factory = factory;
        }
    }

    /** Polls {@code condition} until true; fails after {@link #PATIENCE}. */
    static void awaitCondition(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new AssertionError("test thread interrupted", e);
            }
        }
    }

    /**
     * An operation running on its own thread inside its own cancel scope, with its outcome
     * recorded: the value, or what it threw (caught inside the scope, so the scope never absorbs
     * it), and whether the thread's interrupt flag was set after the scope exited.
     */
    static final class Background<R> {
        private final Thread thread;
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile CancelScope scope;
        private volatile R value;
        private volatile Throwable error;
        private volatile boolean interruptLeaked;

        private Background(ThreadFactory factory, CallableOp<R, ? extends Exception> body) {
            thread = factory.newThread(() -> {
                CancelScope.run(s -> {
                    scope = s;
                    started.countDown();
                    try {
                        value = body.call();
                    } catch (Throwable t) {
                        error = t;
                    }
                    return null;
                });
                interruptLeaked = Thread.currentThread().isInterrupted();
            });
            thread.start();
        }

        static <R> Background<R> start(Threads kind, CallableOp<R, ? extends Exception> body) {
            Background<R> b = new Background<>(kind.factory, body);
            try {
                if (!b.started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    fail("background operation did not start");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return b;
        }

        Thread thread() {
            return thread;
        }

        void cancel() {
            scope.cancel();
        }

        /** Waits for the thread to end; fails if it does not within {@link #PATIENCE}. */
        Background<R> finish() {
            try {
                if (!thread.join(PATIENCE)) {
                    fail("background operation still blocked after " + PATIENCE + ": " + thread
                            + " in state " + thread.getState());
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (interruptLeaked) {
                fail("the interrupt flag was still set after the operation's cancel scope exited");
            }
            return this;
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        /** The value, after {@link #finish()}; fails if the operation threw. */
        R value() {
            finish();
            if (error != null) {
                throw new AssertionError("the operation threw instead of returning", error);
            }
            return value;
        }

        /** What the operation threw, after {@link #finish()}; fails if it returned. */
        Throwable error() {
            finish();
            if (error == null) {
                fail("the operation returned " + value + " instead of throwing");
            }
            return error;
        }
    }
}
