package dev.weft;

import dev.weft.internal.Time;

/**
 * The interrupt half of a thread's record: whether weft has interrupted the thread for a
 * cancellation, and the rules that keep that interrupt from leaking or reaching a shielded
 * region. The base layer of {@link ThreadRecord}; see {@code docs/design.md}, section "Delivery".
 *
 * <h2>Implementation overview</h2>
 * Threads blocked in JDK calls learn of cancellation by an interrupt, sent once per cancellation
 * and tracked by {@link #interrupt}, and sent again only by the timer's re-delivery check
 * ({@link #redeliver}) when the flag was consumed while the thread stays cancelled:
 * <pre>
 *   NONE ──deliver()──▶ DELIVERED ──a weft call consumes the flag──▶ CONSUMED
 *     │                     │                                          │
 *     │ (flag already set by someone else: not ours to clear)          │
 *     └──deliver()──▶ FOREIGN                                          │
 *     ▲                                                                │
 *     └──── settle(): the thread is no longer cancelled (scope end, shield entry) ─┘
 *                 (clears the flag first if, and only if, DELIVERED)
 *
 *   DELIVERED (flag consumed by a JDK call) or CONSUMED ──redeliver(), still cancelled,
 *       blocked in a JDK call──▶ DELIVERED (interrupted again; ADR 0012)
 * </pre>
 * Each delivery schedules a re-delivery check with the {@link DeadlineTimer} (10 ms later, then
 * backing off to 1 s while the thread stays cancelled); a thread that is not cancelled is never
 * checked. {@link #redeliver} sends the interrupt under the monitor after the same re-check as
 * {@link #deliver}, so the invariant below holds for it too.
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
 * <p>A task's thread starts without the monitor ({@link #startWithPendingInterrupt}): the
 * spawner has already delivered to a task spawned into a cancelled group ({@code Task.start}),
 * and a delivery racing with the start is either seen by the start ({@link #quiet()} is false,
 * it takes the monitor and applies it) or sees the thread started and interrupts it itself.
 *
 * <p>Fields: {@link #interrupt} is written under the monitor and read by any thread (volatile);
 * {@link #started} is written once (volatile) and read under the monitor; {@link #thread} is
 * final.
 */
abstract sealed class ThreadInterrupts permits ThreadDeadlines {
    static final int NONE = 0;
    static final int DELIVERED = 1;
    static final int CONSUMED = 2;
    /** Weft would have interrupted, but the flag was already set by a foreign interrupt. */
    static final int FOREIGN = 3;

    final Thread thread;
    /**
     * Whether the thread runs, so that {@link #deliver} may interrupt it; before, a delivery
     * only marks the interrupt pending. Set once: by {@link #startWithPendingInterrupt} without
     * the monitor (see there), or by {@link #markStarted} under it; read by {@link #deliver}
     * under the monitor.
     */
    private volatile boolean started;
    /**
     * When weft first interrupted the thread for the cancellation it is in (clock time); the
     * re-delivery back-off grows with the time since. Written under the monitor.
     */
    private long deliveredAt;
    /** The interrupt state; written under the monitor, read without it by {@link #quiet()}. */
    private volatile int interrupt;
    /** True while {@link #deliver} runs; read by {@link #quiet()}. */
    private volatile boolean delivering;
    /**
     * Whether a re-delivery found weft's interrupt consumed by something other than a weft call
     * (DELIVERED with the flag clear, the thread parked in a wait without a blocker, see
     * {@link #blockerOfJdkWait}) and sent it again: the proof that the thread swallowed one,
     * which the new interrupt would otherwise hide from {@link #interruptConsumed()} (the body may
     * return with the second flag still set, e.g. after a {@code LockSupport.park}, which does not
     * clear it). Written under the monitor, read by the owner; cleared whenever the state goes
     * back to NONE or CONSUMED.
     */
    private boolean consumedBefore;

    ThreadInterrupts(Thread thread) {
        this.thread = thread;
    }

    /**
     * A task's record: makes the task's thread, unstarted and named {@code taskName}, which runs
     * this record (a {@link ThreadRecord}, the only subclass, is the thread's {@link Runnable}).
     */
    ThreadInterrupts(String taskName) {
        this.thread = Task.newThread((Runnable) this, taskName);
    }

    /** The thread this record belongs to. */
    final Thread thread() {
        return thread;
    }

    /** Whether a scope on the thread's chain, up to the nearest shield, is cancelled. */
    abstract boolean isCancelled();

    /** Asks the timer to check, at clock time {@code at}, whether the interrupt must be sent again. */
    abstract void redeliverAt(long at);

    /** First re-delivery check after a delivery, and the longest gap between checks (ADR 0012). */
    static final long REDELIVER_FIRST_NANOS = 10_000_000L;
    static final long REDELIVER_MAX_NANOS = 1_000_000_000L;

    /** Records a fresh weft interrupt of the thread and schedules its re-delivery check. Holds the monitor. */
    private void delivered() {
        long now = Time.now();
        deliveredAt = now;
        redeliverAt(now + REDELIVER_FIRST_NANOS);
    }

    /** Marks the thread started (a thread weft did not start is started when its record is made). */
    final synchronized void markStarted() {
        started = true;
    }

    /**
     * First thing in a task's thread: applies an interrupt decided before the thread ran.
     *
     * <p>Without the monitor when nothing is pending and no {@link #deliver} runs, which is
     * every start but a cancelled task's: it writes {@link #started} and then reads the interrupt
     * state and the delivering flag ({@link #quiet()}); {@code deliver} writes the flag and then
     * reads {@link #started} (all volatile). So either this sees the delivery (pending, or still
     * running) and settles it under the monitor, or the delivery sees the thread started and
     * interrupts it. The chain is not read here: a task spawned into a group that was already
     * cancelled was delivered to by its spawner before its thread started ({@code Task.start}),
     * and one cancelled later is reached by the cancellation's own delivery, since it is linked
     * into its group first (spawn-scan protocol; {@code docs/design.md}, "Spawn vs cancel").
     * Reading the chain here cost a read of the spawner's freshly written scopes from another
     * core on every spawn (a JFR profile of TaskGroupBenchmark put 7 % of the samples there).
     */
    final void startWithPendingInterrupt() {
        started = true;
        if (quiet()) {
            return;
        }
        synchronized (this) {
            // DELIVERED with the flag clear: decided before the thread ran, send it now. With the
            // flag set: a delivery that saw the thread started sent it already (nobody else can
            // have interrupted a task's thread yet: its Thread is weft's until it runs), so it is
            // weft's, not a foreign one (SpawnIntoCancelledGroupTest's shield race).
            if (interrupt == DELIVERED && !thread.isInterrupted()) {
                thread.interrupt();
                delivered();
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
            consumedBefore = false;
        } else if (cancelled && interrupt == NONE) {
            if (Thread.currentThread().isInterrupted()) {
                interrupt = FOREIGN;
            } else {
                interrupt = DELIVERED;
                Thread.currentThread().interrupt();
                delivered();
            }
        }
    }

    /** Takes back weft's interrupt before a generator thread parks at a yield. Owner thread. */
    final synchronized void dropInterrupt() {
        if (interrupt == DELIVERED) {
            Thread.interrupted();
        }
        interrupt = NONE;
        consumedBefore = false;
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
                    delivered();
                }
            }
        } finally {
            delivering = false;
        }
    }

    /**
     * Called by the timer at a re-delivery check: if the thread is still cancelled (not
     * shielded), weft's interrupt was consumed (by a weft call that threw, or by a JDK call whose
     * exception was caught), and the thread is blocked again in a JDK call, interrupts it again
     * (level-triggered delivery for JDK calls, ADR 0012). A thread that is running is left alone
     * (an interrupt would close the channel its cleanup writes to), and so is one parked in weft's
     * own uninterruptible waits (a group's exit, a generator's consumer), which the cancellation
     * reaches through the work they wait for.
     *
     * @return when to check again, or {@link ScopeNode#NO_DEADLINE} when the thread is not cancelled
     */
    final long redeliver(long now) {
        int i = interrupt;
        if (i != DELIVERED && i != CONSUMED) {
            return ScopeNode.NO_DEADLINE; // not cancelled (settled), or the flag is a foreign one
        }
        synchronized (this) {
            i = interrupt;
            if ((i != DELIVERED && i != CONSUMED) || !isCancelled()) {
                return ScopeNode.NO_DEADLINE; // the owner settles as its scope ends
            }
            Object blocker = blockerOfJdkWait();
            if (!thread.isInterrupted() && blocker != NOT_IN_JDK_WAIT) {
                consumedBefore |= i == DELIVERED && blocker == null;
                interrupt = DELIVERED;
                Parking.announceWake(thread);
                thread.interrupt();
            }
            long gap = Math.clamp((now - deliveredAt) / 2, REDELIVER_FIRST_NANOS, REDELIVER_MAX_NANOS);
            return now + gap;
        }
    }

    /** What {@link #blockerOfJdkWait} returns for a thread that is not parked in a JDK call. */
    private static final Object NOT_IN_JDK_WAIT = new Object();

    /**
     * The blocker object of the JDK wait the thread is parked in ({@code null} for a wait without
     * one), or {@link #NOT_IN_JDK_WAIT} when it runs or waits in one of weft's own
     * uninterruptible waits.
     *
     * <p>Only a wait without a blocker (a sleep, {@code Object.wait}, a bare
     * {@code LockSupport.park}) proves, with its flag clear, that the interrupt weft sent was
     * consumed: each returns on an interrupt. The JDK's waits that keep an interrupt and set the
     * flag again when they return all park with a blocker: {@code ReentrantLock.lock},
     * {@code Semaphore.acquireUninterruptibly}, {@code Condition.awaitUninterruptibly}, the
     * lock's re-acquisition at the end of every {@code Condition.await},
     * {@code CompletableFuture.join}. Their flag is clear while they wait, for an interrupt
     * the body will see when they return; counting it as swallowed made a deadline scope drop
     * a result that a call held there past the first re-delivery went on to return
     * ({@code RedeliveryIntoHeldInterruptTest}). Such a wait is still interrupted again: the
     * ones that can be interrupted then throw.
     */
    private Object blockerOfJdkWait() {
        Thread.State s = thread.getState();
        if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
            return NOT_IN_JDK_WAIT;
        }
        Object blocker = java.util.concurrent.locks.LockSupport.getBlocker(thread);
        return blocker instanceof TaskGroup || blocker instanceof Generator<?> ? NOT_IN_JDK_WAIT : blocker;
    }

    /**
     * Whether weft's interrupt was consumed by something other than a weft call: sent, and the
     * flag is clear, or a re-delivery found it so and sent it again ({@link #consumedBefore}).
     * Owner thread, at a deadline scope's end (ADR 0012).
     */
    final boolean interruptConsumed() {
        if (interrupt != DELIVERED) {
            return false;
        }
        // Under the monitor: a delivery writes DELIVERED before it interrupts the thread, and a
        // flag read between the two is clear though nobody consumed anything. Read so, a scope
        // whose deadline was being delivered as its body returned reported a swallow and dropped
        // the body's value (SwallowedCancellationTest#aDeliveryUnderWayAsTheBodyReturnsIsNoSwallow).
        synchronized (this) {
            return interrupt == DELIVERED && (consumedBefore || !Thread.currentThread().isInterrupted());
        }
    }

    /**
     * A scope absorbed the cancellation that a consumed interrupt stood for: the interrupt no
     * longer counts as swallowed. Owner thread.
     */
    final void interruptAccountedFor() {
        if (interrupt == DELIVERED) {
            synchronized (this) {
                if (interrupt == DELIVERED && !Thread.currentThread().isInterrupted()) {
                    interrupt = CONSUMED;
                    consumedBefore = false;
                }
            }
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
                consumedBefore = false;
                return true;
            }
            return false;
        }
    }
}
