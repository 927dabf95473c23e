package dev.weft;

/**
 * One cancellable wait of one thread, for writing your own blocking primitive (a semaphore, a
 * rate limiter, a pool's wait for a free connection) that behaves like weft's own: the wait is a
 * cancellation point, it wakes when the caller is cancelled, and it is decided exactly once, so
 * nothing handed to a waiter is lost when a cancellation arrives at the same moment. This is
 * Trio's {@code wait_task_rescheduled} with an abort function, and kotlinx's
 * {@code suspendCancellableCoroutine}, for threads.
 *
 * <pre>{@code
 * final class Semaphore {
 *     private final ReentrantLock lock = new ReentrantLock();
 *     private final ArrayDeque<Suspension<Void>> waiters = new ArrayDeque<>();
 *     private int permits;
 *
 *     void acquire() {
 *         Weft.checkpoint();                              // a cancellation point even if free
 *         Suspension<Void> me;
 *         lock.lock();
 *         try {
 *             if (permits > 0) { permits--; return; }
 *             me = Suspension.create();                   // 1. register where wakers find it
 *             waiters.add(me);
 *         } finally {
 *             lock.unlock();
 *         }
 *         try {
 *             me.await();                                 // 2. park (outside the lock)
 *         } catch (CancelledException e) {
 *             lock.lock();                                // 4. aborted: the permit never came;
 *             try { waiters.remove(me); } finally { lock.unlock(); }   // tidy up
 *             throw e;
 *         }
 *     }
 *
 *     void release() {
 *         lock.lock();
 *         try {
 *             for (Suspension<Void> w; (w = waiters.poll()) != null; ) {
 *                 if (w.resume(null)) return;             // 3. the permit went to w
 *             }                                           //    (false: w was cancelled; next)
 *             permits++;
 *         } finally {
 *             lock.unlock();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <h2>Protocol</h2>
 * <ol>
 * <li><b>Register.</b> The waiting thread creates the suspension ({@link #create()}) and puts it
 *     where a waker will find it, typically in a queue guarded by the primitive's lock.
 * <li><b>Park.</b> It calls {@link #await()} (outside any lock). {@code await} returns as soon as
 *     the suspension is decided, parking meanwhile.
 * <li><b>Resume from another thread.</b> A waker decides the outcome with {@link #resume} or
 *     {@link #fail}; it may do so before the waiter has even called {@code await}. The call
 *     returns true if it decided, and then wakes the waiter.
 * <li><b>Abort on cancellation.</b> When the waiting code is cancelled (its scope, an enclosing
 *     scope or a deadline, or a foreign interrupt), {@code await} tries to decide "cancelled". If
 *     it wins, it throws {@link CancelledException} and every later {@code resume} returns false.
 *     If a waker won first, {@code await} returns the waker's value normally: the operation
 *     happened, and the cancellation, which is level-triggered, is thrown by the caller's next
 *     weft call.
 * <li><b>Exactly once.</b> Of all the {@code resume}, {@code fail} and abort attempts, exactly
 *     one decides; it is final.
 * </ol>
 * {@code await} is a weft blocking call: it throws {@link CancelledException} at once if the
 * caller is already cancelled and nothing was decided yet.
 *
 * <h2>Pitfalls</h2>
 * <ul>
 * <li><b>Ignoring {@code resume}'s result loses what you handed over.</b> Wrong:
 *     {@code waiters.poll().resume(null)} for a permit; if that waiter was just cancelled the
 *     permit vanishes. Right: on {@code false}, give it to the next waiter or keep it (see
 *     {@code release} above).
 * <li><b>Checking then parking by hand loses wake-ups.</b> Do not test a condition and then call
 *     {@code LockSupport.park}; register the suspension <em>before</em> the last check of the
 *     condition (under the same lock as the wakers), and let {@code await} park.
 * <li><b>Waiting under the lock deadlocks.</b> Call {@code await} after releasing the lock the
 *     wakers need.
 * <li><b>Catching the cancellation and waiting again.</b> A suspension is decided once; after
 *     {@code await} threw, it stays cancelled. Create a new one for a new wait (and usually
 *     let the {@link CancelledException} propagate: the scope will absorb it).
 * <li><b>Treating "cancelled" as "nothing happened" without the suspension.</b> Only
 *     {@code await}'s exception proves the operation did not happen; a
 *     {@link CancelScope#isCancelled()} check after {@code await} returned does not.
 * <li><b>Stale entries.</b> An aborted suspension stays in your queue until removed; remove it
 *     in the {@code catch}, or let wakers skip it (its {@code resume} returns false).
 * <li><b>Another thread's wait.</b> Only the thread that created the suspension may
 *     {@code await} it ({@link IllegalStateException} otherwise).
 * </ul>
 *
 * <h2>Memory consistency</h2>
 * Actions of a thread before a successful {@code resume} or {@code fail} happen-before the
 * waiter's return (or throw) from {@code await}.
 *
 * @implNote The decision is a CAS on one volatile field, shared with weft's channels. See
 * {@code docs/design.md}, section "Parking".
 *
 * @param <T> the type of the value handed to the waiter
 */
public final class Suspension<T> extends WaitCell {
    private boolean awaited;

    private Suspension(Thread thread) {
        super(thread, null);
    }

    /**
     * Creates a suspension for the current thread, not yet decided.
     *
     * @param <T> the type of the value handed to the waiter
     * @return the suspension
     */
    public static <T> Suspension<T> create() {
        return new Suspension<>(Thread.currentThread());
    }

    /**
     * Waits until the suspension is decided and returns the value given to {@link #resume}. A
     * weft blocking call.
     *
     * @return the value a waker gave
     * @throws CancelledException if the caller was cancelled before a waker decided
     * @throws RuntimeException the exception given to {@link #fail}
     * @throws IllegalStateException if called from another thread than the creator's, or twice
     */
    @SuppressWarnings("unchecked")
    public T await() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a Suspension is awaited by the thread that created it ('"
                    + thread.getName() + "'), not by '" + Thread.currentThread().getName() + "'");
        }
        if (awaited) {
            throw new IllegalStateException("this Suspension was awaited already: it is decided once;"
                    + " create a new one for a new wait");
        }
        awaited = true;
        int d = Parking.awaitDecision(ThreadRecord.current(), this, 0, this);
        Object x = item;
        if (d == FAILED) {
            throw (RuntimeException) x;
        }
        return (T) x;
    }

    /**
     * Decides the wait with {@code value}, if it is not decided yet, and wakes the waiter. Any
     * thread; never blocks.
     *
     * @param value the value {@link #await()} returns
     * @return true if this call decided; false if the wait was already decided (the waiter was
     *         cancelled, or another waker came first) and {@code value} was not handed over
     */
    public boolean resume(T value) {
        return settle(RESUMED, value);
    }

    /**
     * Decides the wait with a failure, if it is not decided yet: {@link #await()} throws
     * {@code failure}. Use it for "the primitive was closed". Any thread; never blocks.
     *
     * @param failure what {@code await} throws
     * @return true if this call decided
     */
    public boolean fail(RuntimeException failure) {
        Args.nonNull(failure, "failure", "pass the exception await() should throw, e.g. new IllegalStateException(\"closed\")");
        return settle(FAILED, failure);
    }

    /**
     * Returns whether the wait is decided (resumed, failed or cancelled).
     *
     * @return true once decided
     */
    public boolean isDecided() {
        return decided();
    }

    /**
     * Returns whether the wait was aborted by the waiter's cancellation.
     *
     * @return true if {@link #await()} threw (or will throw) {@link CancelledException}
     */
    public boolean isCancelled() {
        return decision == CANCELLED;
    }

    private boolean settle(int d, Object x) {
        if (decision != WAITING || !claim()) {
            return false;
        }
        item = x;
        publish(d);
        Parking.unpark(thread);
        return true;
    }

    @Override
    public String toString() {
        return "Suspension[" + switch (decision) {
            case WAITING -> "waiting";
            case RESUMED -> "resumed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            default -> "being resumed";
        } + ", thread '" + thread.getName() + "']";
    }
}
