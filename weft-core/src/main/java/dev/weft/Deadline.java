package dev.weft;

import dev.weft.internal.Time;
import java.time.Duration;
import java.util.Objects;

/**
 * A point on weft's monotonic clock ({@link dev.weft.spi.Clock}, {@link System#nanoTime()} in
 * production), after which a cancel scope cancels itself. Deadlines compare by time; they are immutable and safe to share.
 *
 * <p>Durations saturate: {@code Deadline.after(Duration.ofDays(365 * 1000))} is a deadline
 * that never comes in practice, and a zero or negative duration gives a deadline that has
 * already passed (a scope entered with it is cancelled at its first blocking call).
 *
 * <p>Deadlines are readings of the clock installed when they are taken; see
 * {@code docs/design.md}, section "Time".
 *
 * <pre>{@code
 * Deadline d = Deadline.after(Duration.ofSeconds(9));
 * Timeout.failAt(d, () -> { first(); second(); return null; });   // one budget, two calls
 * }</pre>
 */
public final class Deadline implements Comparable<Deadline> {
    private final long nanos;

    private Deadline(long nanos) {
        this.nanos = nanos;
    }

    /**
     * Returns the deadline {@code duration} from now.
     *
     * @param duration how long from now; zero or negative means "already passed"
     * @return the deadline
     * @throws NullPointerException if {@code duration} is null
     */
    public static Deadline after(Duration duration) {
        Objects.requireNonNull(duration, "duration is null: pass Duration.ZERO for 'now'");
        return new Deadline(plusSaturated(Time.now(), duration));
    }

    static Deadline ofNanoTime(long nanoTime) {
        return new Deadline(nanoTime);
    }

    /** The deadline as a reading of the installed clock. */
    long nanoTime() {
        return nanos;
    }

    /**
     * Returns the time left until this deadline, negative once it has passed.
     *
     * @return the remaining time
     */
    public Duration remaining() {
        return Duration.ofNanos(nanos - Time.now());
    }

    /**
     * Returns whether this deadline has passed.
     *
     * @return true once the clock has reached it
     */
    public boolean isExpired() {
        return nanos - Time.now() <= 0;
    }

    /**
     * Returns the earlier of this deadline and {@code other}.
     *
     * @param other another deadline
     * @return the one that comes first
     */
    public Deadline min(Deadline other) {
        Args.nonNull(other, "other", "pass the deadline to compare with");
        return compareTo(other) <= 0 ? this : other;
    }

    @Override
    public int compareTo(Deadline other) {
        Args.nonNull(other, "other", "pass the deadline to compare with");
        // nanoTime values are compared by difference: they may wrap around.
        return Long.signum(nanos - other.nanos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Deadline d && d.nanos == nanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(nanos);
    }

    @Override
    public String toString() {
        long left = nanos - Time.now();
        return left <= 0 ? "Deadline[expired " + Duration.ofNanos(-left) + " ago]"
                         : "Deadline[in " + Duration.ofNanos(left) + "]";
    }

    static long plusSaturated(long now, Duration d) {
        long n;
        try {
            n = d.toNanos();
        } catch (ArithmeticException tooLarge) {
            n = d.isNegative() ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
        }
        // Keep every deadline within a quarter of the long range of now, so that the
        // difference arithmetic above never overflows.
        n = Math.max(Long.MIN_VALUE / 4, Math.min(Long.MAX_VALUE / 4, n));
        return now + n;
    }
}
