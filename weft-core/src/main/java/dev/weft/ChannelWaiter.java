package dev.weft;

/**
 * A thread blocked in {@link Channel#send} or {@link Channel#receive}, queued in its channel until
 * a partner, {@link Channel#close()} or its own cancellation decides its outcome. A
 * {@link WaitCell}, waited on by {@link Parking#awaitDecision}; see {@code docs/design.md},
 * section "Parking".
 *
 * <pre>
 *   WAITING ──partner claims (channel lock)──▶ CLAIMED ──partner publishes, after unlocking──▶ DONE
 *      │                                                               the operation happened
 *      │    ──close()  (under the channel lock)──▶ CLOSED      it did not: the channel closed
 *      └────the waiter itself, cancelled (lock)──▶ CANCELLED   it did not: the caller was cancelled
 * </pre>
 * Invariant: the decision leaves WAITING exactly once, always under the channel's lock (the
 * waiter's {@link #abort} takes it too), and the node is unlinked from its queue in the same
 * critical section; so a node linked in a queue is WAITING, and whoever moves it first decides
 * the outcome for both sides. A partner claims ({@link WaitCell#claim}) and publishes DONE right
 * after it unlocks ({@code Channel.release}), so that the waiter, which may be spinning, sees
 * DONE only once the lock is free; an abort that finds CLAIMED fails, and the waiter waits for
 * the publication. {@code close()} decides CLOSED directly ({@link WaitCell#decide}).
 *
 * <p>Fields: {@link #thread} is final. {@link #item} (a sender's element, or the element handed to
 * a receiver) is written under the lock before the decision leaves WAITING, and read by the
 * waiter after it has seen the volatile final decision (so it needs no lock). {@link #parked}
 * (in {@link WaitCell}) is set by the waiter before its first park and read by the partner
 * after it publishes: it unparks only a waiter that may park. The links
 * {@link #prev} and {@link #next} are guarded by the channel's lock.
 */
final class ChannelWaiter extends WaitCell {
    static final int DONE = RESUMED;
    static final int CLOSED = FAILED;

    private final Channel<?> channel;
    private final Queue queue;
    ChannelWaiter prev;
    ChannelWaiter next;

    ChannelWaiter(Thread thread, Object item, Channel<?> channel, Queue queue) {
        super(thread, item);
        this.channel = channel;
        this.queue = queue;
    }

    /** The waiter was cancelled: withdraw from the queue under the channel's lock, if still WAITING. */
    @Override
    boolean abort() {
        return channel.withdraw(this, queue);
    }

    /**
     * A FIFO of waiters, linked through the nodes themselves so that a cancelled waiter unlinks
     * itself in O(1). Guarded by the channel's lock.
     */
    static final class Queue {
        private ChannelWaiter head;
        private ChannelWaiter tail;

        int size() {
            int n = 0;
            for (ChannelWaiter w = head; w != null; w = w.next) {
                n++;
            }
            return n;
        }

        boolean isEmpty() {
            return head == null;
        }

        void addLast(ChannelWaiter w) {
            assert w.prev == null && w.next == null && w.decision == WAITING;
            w.prev = tail;
            if (tail == null) {
                head = w;
            } else {
                tail.next = w;
            }
            tail = w;
        }

        /** Unlinks and returns the oldest waiter, or null. */
        ChannelWaiter pollFirst() {
            ChannelWaiter w = head;
            if (w != null) {
                unlink(w);
            }
            return w;
        }

        /** Unlinks {@code w}, which must be linked here: only WAITING nodes are. */
        void unlink(ChannelWaiter w) {
            assert w.decision == WAITING : "only a waiting node is linked";
            if (w.prev == null) {
                head = w.next;
            } else {
                w.prev.next = w.next;
            }
            if (w.next == null) {
                tail = w.prev;
            } else {
                w.next.prev = w.prev;
            }
            w.prev = null;
            w.next = null;
        }
    }
}
