package dev.weft.examples.server;

import java.net.InetSocketAddress;

/**
 * One admitted request, as seen from outside its task: who may stop it, and why it was stopped.
 *
 * <h2>Overview</h2>
 * The request's task {@linkplain #attach attaches} a canceller while it computes its response
 * (under weft: its {@code CancelScope}'s {@code cancel}; plain: an interrupt of its thread) and
 * {@linkplain #detach detaches} it before sending. The disconnect watch and the shutdown call
 * {@link #cancel} from other threads. States:
 *
 * <table>
 * <caption>states of a handle</caption>
 * <tr><th>state</th><th>{@code reason}</th><th>{@code canceller}</th><th>{@code done}</th></tr>
 * <tr><td>admitted</td><td>null</td><td>null</td><td>false</td></tr>
 * <tr><td>computing</td><td>null</td><td>set</td><td>false</td></tr>
 * <tr><td>cancelled</td><td>set</td><td>any</td><td>any</td></tr>
 * <tr><td>done (computed, or detached)</td><td>null</td><td>null</td><td>true</td></tr>
 * </table>
 *
 * <p>Every transition holds this object's monitor, so "is it still computing?" and "run the
 * canceller" are one step: once {@link #detach} has returned, no canceller runs any more, and
 * so no interrupt can land in the response's socket write (an interrupt closes a virtual
 * thread's socket). The first reason wins. {@link #reason} is volatile for readers outside the
 * monitor; {@link #started} and the addresses are final.
 */
final class RequestHandle {
    /** Why a request was stopped before its response was ready. */
    enum Reason {
        /** The client closed or reset its connection: nobody is left to answer. */
        CLIENT_GONE,
        /** The shutdown's grace period ended: the request is answered 503 with {@code Connection: close}. */
        SHUTDOWN
    }

    final long started = System.nanoTime();
    final InetSocketAddress local;
    final InetSocketAddress remote;
    private volatile Reason reason;
    private Runnable canceller;
    private boolean done;
    /** Scans of the disconnect watch that did not find this connection; read and written by the watch only. */
    int misses;

    RequestHandle(InetSocketAddress local, InetSocketAddress remote) {
        this.local = local;
        this.remote = remote;
    }

    /** The reason it was stopped, or null. */
    Reason reason() {
        return reason;
    }

    /** Called by the request's own thread when it starts computing: cancels at once if already stopped. */
    synchronized void attach(Runnable c) {
        if (reason != null) {
            c.run();
        } else {
            canceller = c;
        }
    }

    /** Called by the request's own thread when its response is computed: no canceller runs after this. */
    synchronized void detach() {
        canceller = null;
        done = true;
    }

    /**
     * Stops the request for {@code why}, unless it is done or already stopped.
     *
     * @return true if this call stopped it
     */
    synchronized boolean cancel(Reason why) {
        if (reason != null || done) {
            return false;
        }
        reason = why;
        if (canceller != null) {
            canceller.run();
        }
        return true;
    }

    /** Milliseconds since the request was admitted. */
    long ageMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
