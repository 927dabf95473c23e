package dev.weft;

/**
 * The interrupt half of a thread's record: whether weft has interrupted the thread for a
 * cancellation, and the rules that keep that interrupt from leaking or reaching a shielded
 * region. The base layer of {@link ThreadRecord}; see {@code docs/design.md}, section "Delivery".
 *
 * <h2>Implementation overview</h2>
 * Threads blocked in JDK calls learn of cancellation by an interrupt, sent once per cancellation
 * (edge-triggered) and tracked by {@link #interrupt}:
 * <pre>
 *   NONE ──deliver()──▶ DELIVERED ──a weft call consumes the flag──▶ CONSUMED
 *     │                     │                                          │
 *     │ (flag already set by someone else: not ours to clear)          │
 *     └──deliver()──▶ FOREIGN                                          │
 *     ▲                                                                │
 *     └──── settle(): the thread is no longer cancelled (scope end, shield entry) ─┘
 *                 (clears the flag first if, and only if, DELIVERED)
 * </pre>
 * Invariant: the interrupt is sent only while holding this object's monitor and only after
 * re-checking, under it, that the thread is cancelled; every change that can make the thread
 * <em>not</em> cancelled (entering a shield, leaving a scope) either happens under the same
 * monitor and then settles the flag, or (leaving a non-shield scope with nothing pending, the
 * fast path of {@link ThreadRecord#pop}) is ordered against a running delivery by the volatile
 * {@link #delivering} flag ({@link #quiet()}). So "is it shielded?" and "interrupt it" are one
 * atomic step, a shielded region never receives weft's interrupt (which would close a virtual
 * thread's socket), and an interrupt never outlives the cancelled scope that caused it
 * ({@code ShieldTest}, {@code InterruptLeakTest}).
 *
 * <p>An interrupt weft did not send (e.g. {@code shutdownNow}) is a set flag that
 * {@link #consumeInterrupt} does not own: weft calls throw {@link CancelledException} and leave
 * the flag set; weft records FOREIGN instead of interrupting a thread whose flag is already set,
 * and never clears it.
 *
 * <p>Fields: {@link #interrupt} is written under the monitor and read by any thread (volatile);
 * {@link #started} is guarded by the monitor; {@link #thread} is final.
 */
abstract sealed class ThreadInterrupts permits ThreadDeadlines {
    static final int NONE = 0;
    static final int DELIVERED = 1;
    static final int CONSUMED = 2;
    /** Weft would have interrupted, but the flag was already set by a foreign interrupt. */
    static final int FOREIGN = 3;

    final Thread thread;
    private boolean started;
    /** The interrupt state; written under the monitor, read without it by {@link #quiet()}. */
    private volatile int interrupt;
    /** True while {@link #deliver} runs; read by {@link #quiet()}. */
    private volatile boolean delivering;

    ThreadInterrupts(Thread thread) {
        this.thread = thread;
    }

    /** The thread this record belongs to. */
    final Thread thread() {
        return thread;
    }

    /** Whether a scope on the thread's chain, up to the nearest shield, is cancelled. */
    abstract boolean isCancelled();

    /** Marks the thread started (a thread weft did not start is started when its record is made). */
    final synchronized void markStarted() {
        started = true;
    }

    /** First thing in a task's thread: applies an interrupt decided before the thread ran. */
    final synchronized void startWithPendingInterrupt() {
        started = true;
        if (interrupt == NONE && isCancelled()) {
            interrupt = DELIVERED;
        }
        if (interrupt == DELIVERED) {
            if (thread.isInterrupted()) {
                interrupt = FOREIGN;
            } else {
                thread.interrupt();
            }
        }
    }

    /** Whether no interrupt is pending and no delivery runs: {@link ThreadRecord#pop}'s fast path. */
    final boolean quiet() {
        return interrupt == NONE && !delivering;
    }

    /** Makes the interrupt state agree with whether the thread is cancelled. Holds the monitor. */
    final void settle() {
        assert Thread.holdsLock(this);
        boolean cancelled = isCancelled();
        if (!cancelled && interrupt != NONE) {
            if (interrupt == DELIVERED) {
                Thread.interrupted();
            }
            interrupt = NONE;
        } else if (cancelled && interrupt == NONE) {
            if (Thread.currentThread().isInterrupted()) {
                interrupt = FOREIGN;
            } else {
                interrupt = DELIVERED;
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Takes back weft's interrupt before a generator thread parks at a yield. Owner thread. */
    final synchronized void dropInterrupt() {
        if (interrupt == DELIVERED) {
            Thread.interrupted();
        }
        interrupt = NONE;
    }

    /** Interrupts the thread if it is cancelled and has not been interrupted for it yet. Any thread. */
    final synchronized void deliver() {
        delivering = true;
        try {
            if (interrupt == NONE && isCancelled()) {
                if (!started) {
                    interrupt = DELIVERED; // applied by startWithPendingInterrupt()
                } else if (thread.isInterrupted()) {
                    interrupt = FOREIGN;
                } else {
                    interrupt = DELIVERED;
                    Parking.announceWake(thread);
                    thread.interrupt();
                }
            }
        } finally {
            delivering = false;
        }
    }

    /**
     * Takes back the interrupt weft sent, if it is still pending. Owner thread only. Call it when
     * the thread's flag is (or was just) set: false means the flag is a foreign interrupt.
     *
     * @return true if the thread's interrupt flag was weft's
     */
    final boolean consumeInterrupt() {
        if (interrupt != DELIVERED) {
            return false; // only deliver() sets DELIVERED, and never for a thread that holds the flag
        }
        synchronized (this) {
            if (interrupt == DELIVERED) {
                Thread.interrupted();
                interrupt = CONSUMED;
                return true;
            }
            return false;
        }
    }
}
