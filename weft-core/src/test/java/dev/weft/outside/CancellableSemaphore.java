package dev.weft.outside;

import dev.weft.CancelledException;
import dev.weft.Suspension;
import dev.weft.Weft;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counting semaphore whose {@link #acquire()} is a weft blocking call, written with weft's
 * public API only ({@link Suspension}), as a user outside the library would write it.
 *
 * <p>Invariant (under {@link #lock}): permits are never lost nor made: a release either hands
 * its permit to exactly one waiter whose {@link Suspension#resume} returned true, or adds it to
 * {@link #permits}; a waiter whose acquire threw {@link CancelledException} received nothing.
 */
final class CancellableSemaphore {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Suspension<Void>> waiters = new ArrayDeque<>();
    private int permits;

    CancellableSemaphore(int permits) {
        this.permits = permits;
    }

    /** Takes a permit, waiting while there is none; a cancellation point. */
    void acquire() {
        Weft.checkpoint();
        Suspension<Void> me;
        lock.lock();
        try {
            if (permits > 0 && waiters.isEmpty()) {
                permits--;
                return;
            }
            me = Suspension.create();
            waiters.add(me);
        } finally {
            lock.unlock();
        }
        try {
            me.await();
        } catch (CancelledException e) {
            lock.lock();
            try {
                waiters.remove(me);
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** Returns a permit: to the oldest waiter that can still take it, else to the pool. */
    void release() {
        lock.lock();
        try {
            for (Suspension<Void> w; (w = waiters.poll()) != null; ) {
                if (w.resume(null)) {
                    return;
                }
            }
            permits++;
        } finally {
            lock.unlock();
        }
    }

    int availablePermits() {
        lock.lock();
        try {
            return permits;
        } finally {
            lock.unlock();
        }
    }

    int queueLength() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }
}
