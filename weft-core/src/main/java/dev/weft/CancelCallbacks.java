package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link CancelScope#onCancel} callbacks of one scope. See {@code docs/design.md}, section
 * "Callbacks".
 *
 * <h2>Implementation overview</h2>
 * Each registration is an {@link Entry} whose {@link Entry#status} moves once from ARMED to
 * RUNNING (a firing thread won; its action runs, then FIRED) or to CLOSED (it never will), by a
 * CAS: whoever wins decides, so an action runs at most once. A {@code close()} that loses to a
 * firing thread waits until the action has returned, so that once {@code close()} returns the
 * action is neither running nor will it run ({@code OnCancelTest}).
 *
 * <p>No registration is missed by a concurrent cancellation: {@link #register} adds the entry
 * under this object's monitor and then reads the scope tree (volatile outcomes); a cancel
 * publishes the outcome (a volatile CAS) and then takes the monitor to read the entries
 * ({@link #fireAll}). If the cancel's monitor section comes after the registration's, it sees the
 * entry; if before, the registration's read comes after the cancel's CAS and sees the outcome, and
 * runs the action itself. Both may try; the entry's CAS picks one.
 *
 * <p>Closed entries are removed when their number reaches half the list, so a long-lived scope
 * that registers and closes in a loop stays small.
 */
final class CancelCallbacks {
    static final int ARMED = 0;
    /** Claimed by a firing thread, whose action is running. */
    static final int RUNNING = 1;
    static final int FIRED = 2;
    static final int CLOSED = 3;

    private static final VarHandle STATUS;

    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(Entry.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One registration; the handle returned to the user. */
    static final class Entry implements CancelScope.Registration {
        private final CancelCallbacks owner;
        private final Runnable action;
        volatile int status;
        /** The thread running the action (set after winning ARMED to RUNNING, before the action). */
        private volatile Thread runner;

        Entry(CancelCallbacks owner, Runnable action) {
            this.owner = owner;
            this.action = action;
        }

        /** Runs the action if this call wins the entry; reports its exception. */
        void fire() {
            if (STATUS.compareAndSet(this, ARMED, RUNNING)) {
                Thread me = Thread.currentThread();
                runner = me;
                try {
                    action.run();
                } catch (Throwable t) {
                    me.getUncaughtExceptionHandler().uncaughtException(me, t);
                } finally {
                    status = FIRED;
                }
            }
        }

        /**
         * Unregisters. If the action is running on another thread, waits for it to end, so that
         * once close() returns the action is neither running nor will it run; the action itself
         * may call close() without waiting for itself.
         */
        @Override
        public void close() {
            if (STATUS.compareAndSet(this, ARMED, CLOSED)) {
                owner.closed();
                return;
            }
            Thread me = Thread.currentThread();
            for (int spins = 0; status == RUNNING && runner != me; spins++) {
                if (spins < 64) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        @Override
        public String toString() {
            return "CancelScope.Registration[" + switch (status) {
                case ARMED -> "armed";
                case RUNNING -> "running";
                case FIRED -> "fired";
                default -> "closed";
            } + "]";
        }
    }

    /** Guarded by this object's monitor. */
    private List<Entry> entries = new ArrayList<>(2);
    private int closedCount;

    /** Adds {@code action}; the caller then checks whether the scope is already cancelled. */
    synchronized Entry add(Runnable action) {
        Entry e = new Entry(this, action);
        if (entries != null) {
            entries.add(e);
        }
        return e;
    }

    /** The number of entries kept, closed or not (for tests: closed ones must not pile up). */
    synchronized int size() {
        return entries == null ? 0 : entries.size();
    }

    private synchronized void closed() {
        if (entries != null && ++closedCount * 2 >= entries.size() && entries.size() >= 8) {
            entries.removeIf(e -> e.status == CLOSED);
            closedCount = 0;
        }
    }

    /** Runs every armed action, on the calling (cancelling) thread. */
    void fireAll() {
        List<Entry> snapshot;
        synchronized (this) {
            if (entries == null || entries.isEmpty()) {
                return;
            }
            snapshot = List.copyOf(entries);
        }
        for (Entry e : snapshot) {
            e.fire();
        }
    }

    /** Drops every entry: the scope ended, nothing will fire them. */
    synchronized void clear() {
        for (Entry e : entries == null ? List.<Entry>of() : entries) {
            STATUS.compareAndSet(e, ARMED, CLOSED);
        }
        entries = null;
    }
}
