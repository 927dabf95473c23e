package dev.weft;

import java.time.Duration;
import java.util.Objects;

/**
 * weft's basic blocking calls. Like every weft blocking call they are cancellation points:
 * they throw {@link CancelledException} whenever the calling code is inside a cancelled scope.
 */
public final class Weft {
    private Weft() {
    }

    /**
     * Sleeps for {@code duration}, or until the caller is cancelled.
     *
     * @param duration how long; zero or negative only checks for cancellation
     * @throws CancelledException if the caller is (or becomes) cancelled
     */
    public static void sleep(Duration duration) {
        Objects.requireNonNull(duration, "duration is null: pass Duration.ZERO to only check for cancellation");
        ThreadState ts = ThreadState.current();
        ts.checkpoint();
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        long until = Deadline.plusSaturated(System.nanoTime(), duration);
        ts.await(() -> false, until, Weft.class);
    }

    /**
     * Sleeps until {@code deadline}, or until the caller is cancelled.
     *
     * @param deadline when to wake
     * @throws CancelledException if the caller is (or becomes) cancelled
     */
    public static void sleepUntil(Deadline deadline) {
        Args.nonNull(deadline, "deadline", "pass a Deadline, e.g. Deadline.after(Duration.ofSeconds(5))");
        ThreadState ts = ThreadState.current();
        ts.checkpoint();
        if (!deadline.isExpired()) {
            ts.await(() -> false, deadline.nanoTime(), Weft.class);
        }
    }

    /**
     * Throws {@link CancelledException} if the caller is inside a cancelled scope (or its thread
     * was interrupted from outside weft); otherwise returns at once. Call it in long computations
     * that make no blocking call.
     *
     * @throws CancelledException if the caller is cancelled
     */
    public static void checkpoint() {
        ThreadState.current().checkpoint();
    }
}
