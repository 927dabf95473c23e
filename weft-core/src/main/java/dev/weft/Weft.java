package dev.weft;

import dev.weft.internal.Time;
import java.time.Duration;
import java.util.Objects;

/**
 * weft's basic blocking calls. Like every weft blocking call they are cancellation points:
 * they throw {@link CancelledException} whenever the calling code is inside a cancelled scope.
 * Sleeps wait in the kernel's parking module and are woken by its timer, on the installed
 * {@link dev.weft.spi.Clock} (see {@code docs/design.md}, sections "Parking" and "Time").
 */
public final class Weft {
    /** A sleep's condition: it only ends by its time or by cancellation. */
    private static final java.util.function.BooleanSupplier NEVER = () -> false;
    /**
     * What the checks before a sleep return when it does not wait: NO_DEADLINE, which no sleep
     * passes on (a sleep's end is a clock time, saturated within a quarter of the long range).
     */
    private static final long SKIP = ScopeNode.NO_DEADLINE;

    private Weft() {
    }

    /**
     * Sleeps for {@code duration}, or until the caller is cancelled.
     *
     * @param duration how long; zero or negative only checks for cancellation
     * @throws CancelledException if the caller is (or becomes) cancelled
     */
    public static void sleep(Duration duration) {
        // Small (under 35 bytes of bytecode) with the wait inlined: the frame a sleeping task
        // keeps on its stack (see Parking.awaitCancellable).
        ThreadRecord r = ThreadRecord.current();
        long until = sleepEnd(r, duration);
        if (until != SKIP) {
            Parking.awaitCancellable(r, NEVER, until, Weft.class);
        }
    }

    /**
     * The checks before a sleep: the argument, the checkpoint; returns when the sleep ends, or
     * {@link #SKIP} for a zero or negative duration.
     */
    private static long sleepEnd(ThreadRecord r, Duration duration) {
        Objects.requireNonNull(duration, "duration is null: pass Duration.ZERO to only check for cancellation");
        r.checkpoint();
        if (duration.isZero() || duration.isNegative()) {
            return SKIP;
        }
        return Deadline.plusSaturated(Time.now(), duration);
    }

    /**
     * Sleeps until {@code deadline}, or until the caller is cancelled.
     *
     * @param deadline when to wake
     * @throws CancelledException if the caller is (or becomes) cancelled
     */
    public static void sleepUntil(Deadline deadline) {
        ThreadRecord r = ThreadRecord.current();
        long until = sleepUntilEnd(r, deadline);
        if (until != SKIP) {
            Parking.awaitCancellable(r, NEVER, until, Weft.class);
        }
    }

    /** The checks before {@link #sleepUntil}; {@link #SKIP} if the deadline has passed. */
    private static long sleepUntilEnd(ThreadRecord r, Deadline deadline) {
        Args.nonNull(deadline, "deadline", "pass a Deadline, e.g. Deadline.after(Duration.ofSeconds(5))");
        r.checkpoint();
        return deadline.isExpired() ? SKIP : deadline.nanoTime();
    }

    /**
     * Takes a snapshot of what weft is running: every open task group, its tasks, the scopes,
     * deadlines and shields around and inside them, and where each thread is blocked. Print it
     * ({@link TaskTree#toText()}) or serve it as JSON ({@link TaskTree#toJson()}); from outside the
     * JVM, the same snapshot is the {@code dev.weft:type=TaskTree} platform MBean's
     * {@code taskTreeText} and {@code taskTreeJson} operations.
     *
     * <pre>{@code
     * System.out.println(Weft.taskTree());
     * }</pre>
     *
     * <p>Any thread may call it at any time: it reads the running tree without stopping it,
     * never blocks a thread that spawns or ends a task, and never throws. See {@link TaskTree} for
     * what the tree holds and how consistent it is.
     *
     * @return the snapshot
     */
    public static TaskTree taskTree() {
        return TaskTreeWalker.snapshot();
    }

    /**
     * Throws {@link CancelledException} if the caller is inside a cancelled scope (or its thread
     * was interrupted from outside weft); otherwise returns at once. Call it in long computations
     * that make no blocking call.
     *
     * @throws CancelledException if the caller is cancelled
     */
    public static void checkpoint() {
        ThreadRecord.current().checkpoint();
    }
}
