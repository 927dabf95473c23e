package dev.weft;

import static dev.weft.TestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import dev.weft.internal.Time;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A JDK wait that keeps an interrupt and sets the flag again when it returns
 * ({@code ReentrantLock.lock}, {@code Semaphore.acquireUninterruptibly},
 * {@code Condition.awaitUninterruptibly}, {@code CompletableFuture.join}) holds the flag clear
 * while it waits. When a deadline passes during such a wait and the timer's re-delivery finds it
 * there, that is no swallowed cancellation: the deadline did not reach the body, and the scope
 * returns the body's value, as it does when the wait ends before the first re-delivery
 * (ADR 0012). Before, the re-delivery counted the clear flag as swallowed, and
 * {@code moveOnAfter} dropped the value the body returned ({@code failAfter} threw).
 *
 * <p>Each case stages the re-delivery itself, at the one moment it matters: under the thread
 * record's monitor (which every delivery holds), once the deadline's interrupt was sent and the
 * wait has cleared the flag and parked again.
 */
class RedeliveryIntoHeldInterruptTest {

    /** A wait that holds an interrupt, and how the test ends it. */
    private interface HeldWait {
        /** Blocks until {@link #release()} and returns "value". Runs in the deadline's body. */
        String await();

        void release();
    }

    private static HeldWait lock() {
        ReentrantLock lock = new ReentrantLock();
        lock.lock(); // the test thread holds it until release
        return new HeldWait() {
            @Override
            public String await() {
                lock.lock();
                lock.unlock();
                return "value";
            }

            @Override
            public void release() {
                lock.unlock();
            }
        };
    }

    private static HeldWait semaphore() {
        Semaphore permits = new Semaphore(0);
        return new HeldWait() {
            @Override
            public String await() {
                permits.acquireUninterruptibly();
                return "value";
            }

            @Override
            public void release() {
                permits.release();
            }
        };
    }

    private static HeldWait condition() {
        ReentrantLock lock = new ReentrantLock();
        Condition ready = lock.newCondition();
        boolean[] released = {false};
        return new HeldWait() {
            @Override
            public String await() {
                lock.lock();
                try {
                    while (!released[0]) {
                        ready.awaitUninterruptibly();
                    }
                } finally {
                    lock.unlock();
                }
                return "value";
            }

            @Override
            public void release() {
                lock.lock();
                try {
                    released[0] = true;
                    ready.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    private static HeldWait join() {
        CompletableFuture<String> future = new CompletableFuture<>();
        return new HeldWait() {
            @Override
            public String await() {
                return future.join();
            }

            @Override
            public void release() {
                future.complete("value");
            }
        };
    }

    static java.util.stream.Stream<Arguments> cases() {
        java.util.stream.Stream.Builder<Arguments> b = java.util.stream.Stream.builder();
        for (ThreadKind kind : ThreadKind.values()) {
            for (String wait : new String[] {"lock", "semaphore", "condition", "join"}) {
                for (boolean fail : new boolean[] {false, true}) {
                    b.add(Arguments.of(kind, wait, fail));
                }
            }
        }
        return b.build();
    }

    private static HeldWait make(String wait) {
        return switch (wait) {
            case "lock" -> lock();
            case "semaphore" -> semaphore();
            case "condition" -> condition();
            case "join" -> join();
            default -> throw new IllegalArgumentException(wait);
        };
    }

    @ParameterizedTest(name = "{1} on a {0} thread, failAfter: {2}")
    @MethodSource("cases")
    void aWaitThatHeldTheInterruptPastARedeliveryReturnsTheBodysValue(ThreadKind kind, String wait, boolean fail)
            throws Exception {
        HeldWait held = make(wait);
        AtomicReference<ThreadRecord> record = new AtomicReference<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicReference<Boolean> leaked = new AtomicReference<>();
        Duration deadline = Duration.ofMillis(1);
        Thread t = kind.startThread(() -> {
            try {
                CallableOp<String, RuntimeException> body = () -> {
                    record.set(ThreadRecord.current());
                    return held.await();
                };
                outcome.set(fail ? Timeout.failAfter(deadline, body) : Timeout.moveOnAfter(deadline, body));
            } catch (Throwable e) {
                outcome.set(e);
            }
            leaked.set(Thread.currentThread().isInterrupted());
        });
        try {
            awaitCondition(() -> redeliveredIntoTheWait(record.get(), t), "a re-delivery into the held wait");
        } finally {
            held.release();
        }
        assertTrue(t.join(TestSupport.PROMPT), "the body returned");
        assertEquals(fail ? "value" : Optional.of("value"), outcome.get(),
                "the deadline did not reach the body: the scope returns its value");
        assertFalse(leaked.get(), "weft's interrupt leaked out of the scope");
    }

    /**
     * Sends the timer's re-delivery once the deadline's interrupt was sent and the wait took the
     * flag and parked again; false while that moment has not come. Under the record's monitor,
     * no delivery runs, so the record's state and the flag read here are what
     * {@link ThreadInterrupts#redeliver} reads next.
     */
    private static boolean redeliveredIntoTheWait(ThreadRecord r, Thread t) {
        if (r == null) {
            return false;
        }
        synchronized (r) {
            Thread.State s = t.getState();
            if (r.quiet() || t.isInterrupted() || (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING)) {
                return false;
            }
            r.redeliver(Time.now());
            return true;
        }
    }
}
