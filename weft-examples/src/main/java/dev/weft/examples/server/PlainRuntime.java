package dev.weft.examples.server;

import java.io.Serial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs requests on plain virtual threads, without weft, the way one writes it by hand: the
 * request id, client and deadline live in {@link ThreadLocal}s that every sub-thread must be
 * given explicitly, sleeps compute the time left, and a fan-out joins its threads with the time
 * left and interrupts the stragglers. The baseline of {@code docs/load-test.md}.
 */
public final class PlainRuntime implements RequestRuntime {
    private static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();
    private static final ThreadLocal<String> CLIENT = new ThreadLocal<>();
    /** The deadline as a {@link System#nanoTime()} value, or null without one. */
    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    /** Thrown inside a request when its deadline passes; turned into a 504 by withDeadline. */
    private static final class DeadlinePassed extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        DeadlinePassed() {
            super("deadline passed", null, false, false);
        }
    }

    /** A runtime of plain virtual threads; it keeps no state of its own (the thread-locals are static). */
    public PlainRuntime() {
    }

    @Override
    public String name() {
        return "plain";
    }

    @Override
    public <R> R as(String requestId, String client, Callable<R> body) throws Exception {
        REQUEST_ID.set(requestId);
        CLIENT.set(client);
        try {
            return body.call();
        } finally {
            REQUEST_ID.remove();
            CLIENT.remove();
        }
    }

    /**
     * By hand: the handle interrupts the request's thread; its sleeps and joins throw
     * {@link InterruptedException}, and a fan-out interrupts and joins its sub-threads on the way out.
     */
    @Override
    public Response cancellable(RequestHandle handle, Callable<Response> body) throws Exception {
        Thread me = Thread.currentThread();
        handle.attach(me::interrupt);
        try {
            return body.call();
        } catch (InterruptedException e) {
            if (handle.reason() == null) {
                throw e;
            }
            return null;
        } finally {
            handle.detach();
            if (handle.reason() != null) {
                Thread.interrupted(); // an interrupt that came after the body's last blocking call
            }
        }
    }

    @Override
    public Response withDeadline(Duration budget, Callable<Response> body) throws Exception {
        DEADLINE.set(System.nanoTime() + budget.toNanos());
        try {
            return body.call();
        } catch (DeadlinePassed e) {
            return Response.of(504, "deadline exceeded: this request's budget of " + budget.toMillis()
                    + " ms ran out before the response was ready");
        } finally {
            DEADLINE.remove();
        }
    }

    @Override
    public <R> R uninterrupted(Callable<R> body) throws Exception {
        return body.call(); // nothing here interrupts the exchange's thread once the response is computed
    }

    @Override
    public String requestId() {
        String id = REQUEST_ID.get();
        return id == null ? "-" : id;
    }

    @Override
    public String client() {
        String c = CLIENT.get();
        return c == null ? "-" : c;
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        long left = nanosLeft();
        if (duration.toNanos() <= left) {
            Thread.sleep(duration);
            return;
        }
        Thread.sleep(Duration.ofNanos(Math.max(0, left)));
        throw new DeadlinePassed();
    }

    private static long nanosLeft() {
        Long d = DEADLINE.get();
        return d == null ? Long.MAX_VALUE : d - System.nanoTime();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> List<R> fanout(int n, Callable<R> sub) throws Exception {
        String id = REQUEST_ID.get();
        String client = CLIENT.get();
        Long deadline = DEADLINE.get();
        Object[] results = new Object[n];
        Throwable[] failures = new Throwable[n];
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int slot = i;
            threads.add(Thread.ofVirtual().start(() -> {
                REQUEST_ID.set(id); // every value the sub-request needs, handed over by hand
                CLIENT.set(client);
                DEADLINE.set(deadline);
                try {
                    results[slot] = sub.call();
                } catch (Throwable t) {
                    failures[slot] = t;
                }
            }));
        }
        try {
            for (Thread t : threads) {
                long left = nanosLeft();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    throw new DeadlinePassed();
                }
            }
        } finally {
            for (Thread t : threads) {
                t.interrupt(); // stragglers, on the deadline or an interrupt of our own
            }
            for (Thread t : threads) {
                t.join(); // none may outlive the request
            }
        }
        for (Throwable f : failures) {
            if (f instanceof DeadlinePassed dp) {
                throw dp;
            }
            if (f != null) {
                throw new IllegalStateException("a sub-request failed", f);
            }
        }
        List<R> out = new ArrayList<>(n);
        for (Object r : results) {
            out.add((R) r);
        }
        return out;
    }
}
