package dev.weft.examples.server;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's admission limits, and the registry of the requests it admitted.
 *
 * <h2>Why two limits</h2>
 * A request limit alone does not stop amplification: one {@code /fanout?n=1000} is one request
 * but a thousand tasks, so a few hundred of them (abandoned by their clients, say) put hundreds of
 * thousands of tasks on two cores and a cheap {@code /hello} waits behind them. So:
 * <ul>
 * <li>{@link #tryAdmit}: at most {@code maxRequests} requests compute at once; the next gets
 *     {@code 503} with {@code Retry-After}. Cheap requests are refused only when this many
 *     requests are in flight.
 * <li>{@link #tryReserveSubtasks}: at most {@code maxSubtasks} fan-out sub-tasks exist at once,
 *     over all requests; a fan-out that would pass it is refused with {@code 503} before it
 *     spawns anything. A fan-out is all or nothing: it never runs with fewer sub-tasks than asked.
 * </ul>
 * Both are counters, not queues: a refused request is answered at once, and nothing waits for a
 * permit (a queue would only move the starvation into the queue).
 *
 * <h2>Concurrency</h2>
 * {@link #requests} and {@link #subtasks} are incremented first and checked after, and undone on
 * refusal, so a count never exceeds its limit for longer than a refusal takes, and never
 * undercounts. {@link #admitted} holds the handles of admitted requests until
 * {@link #release}: the disconnect watch and the shutdown iterate it (weakly consistent: a
 * request admitted during an iteration may be missed by that one iteration, and is seen by the
 * next scan; the shutdown sets its draining flag before it iterates, so no request is admitted
 * after its final iteration).
 */
final class Admission {
    /** Default request limit: far above what two cores compute at once, far below what exhausts memory. */
    static final int DEFAULT_MAX_REQUESTS = 256;
    /** Default fan-out budget: ten fan-outs of the largest size (1000) at once. */
    static final int DEFAULT_MAX_SUBTASKS = 10_000;

    final int maxRequests;
    final int maxSubtasks;
    private final AtomicInteger requests = new AtomicInteger();
    private final LongAdder admittedTotal = new LongAdder();
    private final LongAdder reservationsTotal = new LongAdder();
    private final AtomicInteger subtasks = new AtomicInteger();
    private final Set<RequestHandle> admitted = ConcurrentHashMap.newKeySet();

    Admission(int maxRequests, int maxSubtasks) {
        if (maxRequests < 1 || maxSubtasks < 1) {
            throw new IllegalArgumentException("the request limit and the fan-out budget must be at least 1, got "
                    + maxRequests + " and " + maxSubtasks);
        }
        this.maxRequests = maxRequests;
        this.maxSubtasks = maxSubtasks;
    }

    /** Admits a request, or returns null if {@code maxRequests} are in flight. */
    RequestHandle tryAdmit(InetSocketAddress local, InetSocketAddress remote) {
        if (requests.incrementAndGet() > maxRequests) {
            requests.decrementAndGet();
            return null;
        }
        RequestHandle h = new RequestHandle(local, remote);
        admitted.add(h);
        admittedTotal.increment();
        return h;
    }

    /** Ends an admitted request's claim. */
    void release(RequestHandle h) {
        if (admitted.remove(h)) {
            requests.decrementAndGet();
        }
    }

    /** Reserves {@code n} fan-out sub-tasks, or returns false if that would pass the budget. */
    boolean tryReserveSubtasks(int n) {
        if (subtasks.addAndGet(n) > maxSubtasks) {
            subtasks.addAndGet(-n);
            return false;
        }
        reservationsTotal.increment();
        return true;
    }

    /** Returns {@code n} reserved sub-tasks. */
    void releaseSubtasks(int n) {
        subtasks.addAndGet(-n);
    }

    /** The requests admitted and not released. */
    Iterable<RequestHandle> admitted() {
        return admitted;
    }

    /** How many requests are admitted now. */
    int requestsInFlight() {
        return requests.get();
    }

    /** How many requests were admitted since the start. */
    long admittedTotal() {
        return admittedTotal.sum();
    }

    /** How many fan-outs got their sub-tasks since the start. */
    long reservationsTotal() {
        return reservationsTotal.sum();
    }

    /** How many fan-out sub-tasks are reserved now. */
    int subtasksInFlight() {
        return subtasks.get();
    }

    /** Stops every admitted request that is still computing; returns how many it stopped. */
    int cancelAll(RequestHandle.Reason why) {
        int n = 0;
        for (RequestHandle h : admitted) {
            if (h.cancel(why)) {
                n++;
            }
        }
        return n;
    }
}
