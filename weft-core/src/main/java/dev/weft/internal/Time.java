package dev.weft.internal;

import dev.weft.spi.Clock;
import java.util.concurrent.locks.LockSupport;

/**
 * The installed {@link Clock}, read by the kernel on every deadline check. Not exported.
 *
 * <p>Hot path: {@link #now()} is one static volatile read (a plain load on x86), a null check
 * predicted taken, and the {@link System#nanoTime()} intrinsic, so a deadline scope costs what it
 * cost before the clock was injectable. {@link #installed} is null while the system clock is in
 * use, so that production never makes an interface call for the time, and every hook
 * ({@link #parking}, ...) is a single null check.
 *
 * <p>Fields: {@link #installed} is written by {@link #install} (any thread, rare) and read by
 * any thread; {@link #timer} is written once by the deadline timer thread as it starts.
 * See {@code docs/design.md}, section "Time".
 */
public final class Time {
    /** The production clock. */
    public static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public String toString() {
            return "Clock.system()";
        }
    };

    private static volatile Clock installed;
    /** The deadline timer's thread, so that installing a clock wakes it to wait on the new one. */
    private static volatile Thread timer;

    private Time() {
    }

    /** The current time of the installed clock. */
    public static long now() {
        Clock c = installed;
        return c == null ? System.nanoTime() : c.nanoTime();
    }

    /** The installed clock (never null). */
    public static Clock clock() {
        Clock c = installed;
        return c == null ? SYSTEM : c;
    }

    /** A clock other than the system one, for hooks; null in production. */
    public static Clock hooks() {
        return installed;
    }

    /** Installs {@code clock}, wakes the timer so it waits on it, and returns the previous clock. */
    public static Clock install(Clock clock) {
        Clock previous = clock();
        installed = clock == SYSTEM ? null : clock;
        Thread t = timer;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return previous;
    }

    /** Records the deadline timer's thread; called by the timer as it starts. */
    public static void timerStarted(Thread thread) {
        timer = thread;
    }

    /** Waits on the installed clock until {@code deadline}; for the deadline timer. */
    public static void waitUntil(long deadline) {
        clock().waitUntil(deadline);
    }
}
