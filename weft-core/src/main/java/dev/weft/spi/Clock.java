package dev.weft.spi;

import dev.weft.internal.Time;
import java.util.concurrent.locks.LockSupport;

/**
 * The one source of time in weft: every deadline, timeout, sleep and timer reading goes through
 * the installed clock. Production runs on {@link #system()}, {@link System#nanoTime()}; a test can
 * install another clock (a manual one it advances by hand, or a virtual one that jumps to the
 * next deadline when every weft thread is blocked, as Trio's {@code MockClock(autojump_threshold=0)}).
 *
 * <pre>{@code
 * try (Clock.Installation ignored = Clock.install(myClock)) {
 *     Timeout.failAfter(Duration.ofHours(1), body);   // an hour of myClock's time
 * }                                                    // the previous clock is back
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>{@link #nanoTime()} is monotonic (never goes back) and in nanoseconds; values are compared
 *     by difference, so they may wrap. A clock installed while weft runs should continue from the
 *     reading of the clock it replaces (start from {@code Clock.current().nanoTime()}), or
 *     deadlines taken before the switch become meaningless.
 * <li>{@link #waitUntil(long)} is called only by weft's deadline-timer thread, to wait until its
 *     next deadline. It returns when the deadline has come, when the thread is unparked
 *     ({@link LockSupport#unpark}: weft wakes the timer that way when an earlier deadline is
 *     registered or the clock changes), or spuriously; the timer re-reads the clock each time.
 * <li>The observation methods ({@link #parking}, {@link #unparking}, {@link #resumed},
 *     {@link #deadlineArmed}, {@link #threadStarted}, {@link #threadEnded}) are called by weft
 *     on the threads it names below; they do nothing by default. They must be fast, must not
 *     block and must not call back into weft. A virtual clock uses them to know when every
 *     weft thread is parked in a weft wait (nothing can happen until time moves) and what the
 *     next armed deadline is (the timer's {@link #waitUntil} argument), and then jumps.
 * </ul>
 *
 * <h2>Installing</h2>
 * One clock is installed for the whole JVM (the deadline timer and every deadline are shared
 * by all threads, so two clocks at once could not be ordered). {@link #install} returns an
 * {@link Installation} whose {@code close()} puts the previous clock back; {@link #using} does
 * both around a block. Tests that install a clock must not run in parallel with other weft
 * tests in the same JVM.
 *
 * <h2>What a virtual clock can rely on</h2>
 * <ul>
 * <li>Every park of a weft blocking call ({@code Weft.sleep}, {@code Task.join}, channel,
 *     generator and {@code Suspension} waits, a task group's exit) is bracketed by
 *     {@link #parking} and {@link #resumed} on the parking thread, and every wake-up weft sends
 *     (an unpark of such a thread, an interrupt that delivers a cancellation, an unpark of the
 *     timer) is announced by {@link #unparking} on the waking thread <em>before</em> it happens,
 *     so that a clock never sees "all parked" while a wake-up is in flight.
 * <li>Every deadline that weft registers with its timer is announced by {@link #deadlineArmed}
 *     before the timer can fire it; a {@code Weft.sleep} is such a deadline.
 * <li>The argument of the timer's {@link #waitUntil} is never later than the earliest deadline
 *     armed at that moment: a registration earlier than the timer's planned wake-up unparks the
 *     timer (announced by {@link #unparking}), which then waits again with the earlier time. It
 *     may be earlier than any deadline (the timer also wakes to drain registrations and purge its
 *     heap); jumping to it is harmless. While no deadline is armed at all, the timer parks
 *     without calling {@link #waitUntil}.
 * <li>Task and generator threads are announced by {@link #threadStarted} (on the thread that
 *     starts them, before they can run, so a new thread is never missed) and {@link #threadEnded}
 *     (on the thread itself, the last thing it does for weft).
 * <li>Threads blocked outside weft (a JDK lock, {@code Thread.sleep}, I/O) are not parked in a
 *     weft wait: a clock that waits for "all parked" will not jump past them.
 * </ul>
 * See {@code docs/design.md} (section "Time") for how the kernel uses the clock.
 */
public interface Clock {
    /**
     * Returns the current time of this clock, in nanoseconds, on an arbitrary origin.
     *
     * @return the monotonic time
     */
    long nanoTime();

    /**
     * Waits until {@link #nanoTime()} reaches {@code deadline}, the calling thread is unparked, or
     * spuriously. Called only by weft's deadline-timer thread. The default parks for the
     * difference, which is right for a clock that runs at the speed of {@link System#nanoTime()}.
     *
     * @param deadline the time to wait for, on this clock
     */
    default void waitUntil(long deadline) {
        long left = deadline - nanoTime();
        if (left > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * Called on a weft thread just before it parks in a weft wait.
     *
     * @param thread the current thread
     */
    default void parking(Thread thread) {
    }

    /**
     * Called on a weft thread just after it returns from a park in a weft wait (woken, or
     * spuriously: it may park again).
     *
     * @param thread the current thread
     */
    default void resumed(Thread thread) {
    }

    /**
     * Called just before weft wakes {@code thread}: an unpark of a waiting weft call, an interrupt
     * that delivers a cancellation, or an unpark of the deadline timer.
     *
     * @param thread the thread about to be woken
     */
    default void unparking(Thread thread) {
    }

    /**
     * Called when a deadline is registered with weft's timer, before the timer can fire it.
     *
     * @param deadline the deadline, on this clock
     */
    default void deadlineArmed(long deadline) {
    }

    /**
     * Called when weft starts a task's or generator's thread, on the starting thread, just before
     * the new thread can run.
     *
     * @param thread the thread about to start
     */
    default void threadStarted(Thread thread) {
    }

    /**
     * Called on a task's or generator's thread as the last thing it does for weft.
     *
     * @param thread the current thread
     */
    default void threadEnded(Thread thread) {
    }

    /**
     * Returns the production clock, {@link System#nanoTime()}.
     *
     * @return the system clock
     */
    static Clock system() {
        return Time.SYSTEM;
    }

    /**
     * Returns the installed clock.
     *
     * @return the clock weft reads now
     */
    static Clock current() {
        return Time.clock();
    }

    /**
     * Installs {@code clock} for the whole JVM until the returned installation is closed.
     * Installations nest: closing restores the clock that was installed before.
     *
     * @param clock the clock weft reads from now on
     * @return the installation; close it to restore the previous clock
     * @throws IllegalStateException when closed out of order (another installation made later
     *         is still open)
     */
    static Installation install(Clock clock) {
        if (clock == null) {
            throw new NullPointerException("clock is null: pass Clock.system() for the production clock");
        }
        Clock previous = Time.install(clock);
        return new Installation() {
            private boolean closed;

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                if (Time.clock() != clock) {
                    throw new IllegalStateException("another clock (" + Time.clock()
                            + ") was installed after " + clock + " and is still installed:"
                            + " close installations in the reverse order of install()");
                }
                closed = true;
                Time.install(previous);
            }
        };
    }

    /**
     * Runs {@code body} with {@code clock} installed, and restores the previous clock afterwards,
     * however the body ends.
     *
     * @param clock the clock to install for the block
     * @param body what to run
     */
    static void using(Clock clock, Runnable body) {
        if (body == null) {
            throw new NullPointerException("body is null: pass the code to run under the clock, e.g. () -> work()");
        }
        try (Installation ignored = install(clock)) {
            body.run();
        }
    }

    /** An installed clock; {@link #close()} restores the previous one. */
    interface Installation extends AutoCloseable {
        /** Restores the clock installed before; idempotent. */
        @Override
        void close();
    }
}
