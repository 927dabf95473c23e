package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A FIFO channel between threads, as Trio's memory channels and Go's channels: many senders,
 * many receivers, each element received once, in the order it was sent.
 *
 * <pre>{@code
 * Channel<Job> jobs = Channel.bounded(16);
 * TaskGroup.run(g -> {
 *     g.spawn(() -> {
 *         try (jobs) {                      // closing ends the consumer's loop
 *             for (Job j : source) jobs.send(j);
 *         }
 *     });
 *     for (Job j : jobs) handle(j);         // ends once closed and drained
 *     return null;
 * });
 * }</pre>
 *
 * <h2>Kinds</h2>
 * <table class="striped">
 * <caption>Channel kinds</caption>
 * <tr><th>made by</th><th>{@link #send} waits while</th><th>{@link #trySend} fails while</th></tr>
 * <tr><td>{@link #bounded bounded(n)}</td><td>n elements are buffered</td><td>n elements are buffered</td></tr>
 * <tr><td>{@link #unbounded()}</td><td>never</td><td>never</td></tr>
 * <tr><td>{@link #rendezvous()}</td><td>no receiver has taken the element</td><td>no receiver is waiting</td></tr>
 * </table>
 * {@link #receive} waits while nothing is buffered and no sender is waiting;
 * {@link #tryReceive} returns empty then.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent and may be called by any thread. Afterwards sending throws
 * {@link ChannelClosedException}; senders blocked at that moment wake up and throw it too, their
 * elements not delivered. Elements already buffered are still received; once they are drained,
 * receiving throws {@link ChannelClosedException} and iteration ends.
 *
 * <h2>Cancellation</h2>
 * {@link #send} and {@link #receive} (and iteration) are weft blocking calls: they throw
 * {@link CancelledException} whenever the caller is inside a cancelled scope, even if they could
 * complete at once (level-triggered), and they wake up when the caller is cancelled while they
 * wait. They are cancellation-safe: an operation that throws {@link CancelledException} did not
 * happen (the element was not sent, or nothing was received), and an operation that happened
 * returns normally even if the cancellation arrived at the same moment; that cancellation is then
 * delivered by the caller's next weft call. So an element is never lost nor received twice.
 * {@link #trySend} and {@link #tryReceive} never block and are not cancellation points.
 *
 * <h2>Elements and memory consistency</h2>
 * Elements must not be null: every operation that takes one throws {@link NullPointerException}.
 * Actions in a thread before it sends an element happen-before actions of the thread that
 * receives that element, after the receive.
 *
 * <h2>Implementation overview</h2>
 * Two paths share one state. The <em>lock's path</em> is the whole algorithm: one
 * {@link ReentrantLock} guards the buffered elements, the FIFO {@link #senders} queue of blocked
 * senders (each {@link ChannelWaiter} carries its element), the FIFO {@link #receivers} queue of
 * blocked receivers, and {@link #closed}. The <em>lock-free path</em>, on a bounded channel of at
 * most {@link #INITIAL_RING} elements only, is a shortcut for the common case of an operation that
 * completes at once on the buffer while no one waits; it is open only while the lock's side does
 * not own the state, which the {@link #FROZEN} bit says.
 *
 * <p>The lock-free path: the buffer is a {@link #ring} of a power-of-two length of at least 2 and
 * at least the capacity, indexed by two positions that only grow, the senders' {@code S} and the
 * receivers' {@code R} ({@link #pos}, on cache lines of their own); {@code S - R} elements are
 * buffered, those of positions {@code R .. S-1}, position {@code p} in slot {@code p & mask}.
 * Each slot has a {@link #turns turn}: {@code p} when it is empty and waits for position
 * {@code p}'s element, {@code p + 1} once that element is written, {@code p + ring.length} once
 * it is taken. A send reads {@code S}; if it is not FROZEN, the slot's turn is {@code S} (the
 * slot's last receiver has emptied it) and {@code S - R < capacity} (implied by the empty slot
 * when the ring is as long as the capacity), it takes position {@code S} by a CAS of {@code S}
 * to {@code S + 1}: that CAS is its linearization point ({@code R} only grows, so the room it
 * saw is still there; the turn moves only by the holder of the position it names, so the slot
 * is still empty). Then it writes its element into the slot and sets the turn to
 * {@code p + 1} (a release write; a receiver reads the turn with acquire before it reads the
 * slot, which gives the happens-before from send to receive). A receive, symmetrically: the
 * slot of {@code R} has turn {@code R + 1} (its element is written, so {@code S > R}), a CAS of
 * {@code R} to {@code R + 1} (its linearization point), then it takes the element, clears the
 * slot and sets the turn to {@code p + ring.length}. So a lock-free operation never waits for
 * another thread: between its CAS and its slot write it runs a few instructions (Vyukov's
 * bounded queue does the same; waiting after the CAS instead made lock-free operations queue
 * behind one another, and on virtual threads the head of such a chain starved). An operation
 * that finds the channel FROZEN, full, empty, or its slot still in another operation's hands,
 * takes the lock's path, which decides anew with exact positions. {@code trySend} and
 * {@code tryReceive} take the same two paths, so neither ever reports full or empty wrongly.
 *
 * <p>The lock's path: an operation takes the lock, then {@linkplain #freeze freezes} the
 * lock-free path by setting FROZEN in {@code S}, then in {@code R}, each by a CAS; an operation
 * of the lock-free path whose CAS came first has taken effect before this critical section (its
 * slot access may still be under way: the lock holder's own slot accesses wait for their turns
 * too, with {@link #awaitTurn}: the only wait of the design, a few instructions long, for a
 * thread that waits for no one), and every later one fails its CAS and comes to the lock. While FROZEN, only the lock
 * holder moves {@code S} and {@code R}, so the critical section sees and changes the whole state
 * as the lock-only algorithm does: it linearizes anywhere inside it. At the end ({@link #unlock})
 * it clears FROZEN again (R, then S) only if no waiter is queued, the channel is not closed, and
 * it is the outermost critical section of its thread; otherwise the state stays FROZEN, so the
 * lock-free path never runs beside a waiter (which keeps FIFO among blocked senders and the
 * hand-offs below exactly as before) nor after {@code close()}. Leaving the state FROZEN is always
 * safe: it only sends operations to the lock, whose next critical section thaws it when it can.
 * Rendezvous, unbounded and larger bounded channels have no ring and use the lock's path only.
 *
 * <p>On the lock's path an operation completes at once if it can, and otherwise links a waiter
 * node and waits on it outside the
 * lock. A partner that completes a waiting operation does so by unlinking the node, writing the
 * element into it (for a receiver) or moving the node's element (for a sender), and claiming the
 * node ({@link WaitCell#claim}: CLAIMED, not yet visible as decided), all under the lock; then,
 * after unlocking, it publishes DONE and unparks the waiter if the waiter has announced that it
 * parks ({@link #release}). The waiter wakes when its node is decided
 * ({@link Parking#awaitDecision}, the loop {@link Suspension} uses too). Publishing after the
 * unlock keeps a spinning waiter from seeing its decision while the partner still holds the
 * lock, which its next call needs (on a rendezvous channel at 1 producer / 1 consumer a third
 * of the calls met a held lock when DONE was decided inside the critical section).
 *
 * <p>A blocking call that takes the lock's path and finds the lock held waits for it
 * interruptibly: an interrupt that comes meanwhile cancels the call there, before anything
 * happened ({@link #acquire}). The lock-free path has no such wait. An
 * uninterruptible wait would clear the flag and set it again, and weft's deadline scopes would
 * read that as a cancellation swallowed by the body, and drop a result the call then returned.
 *
 * <p>Cancellation safety comes from the node's state machine ({@link ChannelWaiter}): a waiter
 * that is cancelled aborts its node ({@link ChannelWaiter#abort}): it takes the lock and, if its
 * node is still WAITING, decides it CANCELLED and unlinks it: the operation did not happen, and no partner can see the node any more.
 * If a partner or {@code close()} moved it first, the outcome they decided stands: a DONE sender
 * returns normally and a DONE receiver returns its element, swallowing the cancellation (it is
 * level-triggered, so it resurfaces at the next weft call); a node a partner has CLAIMED but not
 * yet published is not WAITING either, so the abort fails and the waiter waits the few
 * instructions until DONE is published. Both sides move the node out of WAITING under the same
 * lock, which plays the role of the compare-and-set "WAITING to CLAIMED by the partner, or
 * WAITING to CANCELLED by the waiter": exactly one of them wins. (The lock-free path takes no
 * part in this race: it never meets a waiter, invariant 1. {@code ChannelTest} stages
 * both orders of this race by holding {@link #lock} ({@link #lockForTest}), and the instant
 * between a claim and its publication with {@link #claimOldestReceiver};
 * {@code ChannelCancellationSafetyTest} and
 * {@code ChannelWakeUpStressTest} sweep random ones.)
 *
 * <p>Invariants, true whenever the lock is free ({@link #checkInvariants}, asserted after each
 * change of the lock's path, with {@code -ea} as in the tests; exercised by
 * {@code ChannelLinearizabilityTest}, {@code ChannelLincheckTest},
 * {@code ChannelLincheckModelCheckingTest} and {@code ChannelCancellationSafetyTest}); "count"
 * is {@code S - R} on a channel with a ring:
 * <ol>
 * <li>While the lock is held in a critical section, both positions are FROZEN; FROZEN is set only
 *     under the lock and cleared only by the lock holder, and only while both queues are empty and
 *     the channel is open; so a queued waiter or {@code closed} implies FROZEN, and a lock-free
 *     operation never meets a waiter. {@code S} and {@code R} only grow, and
 *     {@code 0 <= S - R <= capacity <= ring.length}.
 * <li>Slot {@code p & mask}'s turn is {@code p} while it waits for position {@code p}'s element,
 *     {@code p + 1} once it holds it, {@code p + ring.length} once that element is taken (the
 *     three differ because the length is at least 2); each is written by the one thread that
 *     holds the position, after its CAS of the position (or, on the lock's path, while the
 *     position is FROZEN). A lock-free operation takes a position only if its slot's turn
 *     already allows its slot access, so it never waits after its CAS.</li>
 * <li>Every node linked in {@link #senders} or {@link #receivers} is WAITING; a node leaves its
 *     queue in the critical section that moves it out of WAITING (to CLAIMED by a partner,
 *     CLOSED by {@code close()}, CANCELLED by its own withdrawal).
 * <li>{@code count <= capacity}.
 * <li>Senders wait only while the buffer is full: {@code senders} non-empty implies
 *     {@code count == capacity} (so for a rendezvous channel the buffer is always empty).
 * <li>Receivers wait only while there is nothing to take: {@code receivers} non-empty implies an
 *     empty buffer and an empty {@code senders}.
 * <li>Once {@link #closed}, both queues are empty (close completes every waiter with CLOSED and
 *     nothing queues afterwards); {@code closed} never goes back to false.
 * </ol>
 * Outside the lock: a node a partner claimed is published DONE by that partner right after its
 * unlock, with nothing that can block or throw in between ({@link #release}); the partner
 * unparks the waiter only if the waiter has set {@link WaitCell#parked}, which the waiter sets
 * before its last check of the decision and its first park (a Dekker handshake of two volatile
 * accesses on each side: publish then read the flag; set the flag then read the decision), so
 * at least one side sees the other and no wake-up is lost ({@code ChannelWakeUpStressTest}).
 * A waiter still spinning or yielding costs its partner no unpark: on a rendezvous channel at
 * 1/1 almost every hand-off found its waiter spinning, and unparked it for nothing.
 * FIFO: the buffer is a queue (positions are taken in the order of the sends' linearization
 * points, and received in the same order); a receiver that frees a slot moves the oldest
 * blocked sender's element to the buffer's tail, so elements leave in the order their sends took
 * effect.
 *
 * <p>This file is longer than most in weft because the algorithm, its invariants and the
 * cancellation race are explained here, beside the code they govern. The kernel is mapped in
 * {@code docs/design.md}.
 *
 * <p>Fields: {@link #capacity}, {@link #ring}, {@link #turns}, {@link #mask} and {@link #pos}
 * are final; the elements of {@link #ring}, {@link #turns} and {@link #pos} are accessed as
 * described above (positions volatile or CAS; turns acquire/release, the ring's slots plain,
 * ordered by the turns). {@link #buffer} (of a channel without a ring: {@link #count} elements
 * from {@link #head}, grown on demand up to the capacity), {@link #senders} and
 * {@link #receivers} are read and written only under {@link #lock}; {@link #closed} is written
 * under the lock and volatile, so {@link #isClosed()} reads it without the lock.
 *
 * @implNote A waiter on a rendezvous channel spins briefly for its partner
 * ({@link Parking#SPIN}), then yields a few times before it parks; see
 * {@link Parking#RENDEZVOUS_YIELDS}. A blocking call on a rendezvous channel that finds the
 * lock held retries it a few rounds before queueing on it ({@link Parking#LOCK_SPIN}). The
 * kernel is mapped in {@code docs/design.md}.
 *
 * @param <T> the element type
 */
public final class Channel<T> implements Iterable<T>, AutoCloseable {
    /** What the internal receive returns for "closed and drained"; never an element (no nulls). */
    private static final Object CLOSED_MARK = new Object();
    /** The largest ring allocated up front; larger capacities grow it on demand. */
    private static final int INITIAL_RING = 1024;
    /**
     * Set in both position counters while the lock's side owns the channel's state (a waiter is
     * queued, the channel is closed, or a critical section is running): the lock-free path is
     * then closed and every operation takes the lock.
     */
    private static final long FROZEN = 1L << 62;
    /** Index of the senders' position in {@link #pos}; far from {@link #RECV}: no false sharing. */
    private static final int SEND = 8;
    /** Index of the receivers' position in {@link #pos}. */
    private static final int RECV = 24;
    private static final VarHandle POS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TURN = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity;
    /**
     * The lock-free path's ring, for a bounded channel of at most {@link #INITIAL_RING} elements;
     * null for the other kinds, which use only the lock and {@link #buffer}. Slot
     * {@code p & mask} holds the element of position {@code p}.
     */
    private final Object[] ring;
    /**
     * Per slot, whose turn it is: position {@code p}'s sender may write slot {@code p & mask}
     * when the turn is {@code p}, then sets {@code p + 1}; its receiver may read it when the turn
     * is {@code p + 1}, then sets {@code p + ring.length}, the turn of the slot's next sender.
     */
    private final long[] turns;
    private final int mask;
    /** Whether the ring is as long as the capacity: then an empty slot alone says there is room. */
    private final boolean roomByTurn;
    /**
     * The senders' and the receivers' positions ({@link #SEND}, {@link #RECV}): how many elements
     * entered and left the ring since the channel was made, each with the {@link #FROZEN} bit.
     * Only increase. Null when {@link #ring} is.
     */
    private final long[] pos;
    /** Package-private so that ChannelTest can stage a cancellation racing a hand-off. */
    final ReentrantLock lock = new ReentrantLock();
    /** The buffered elements, a ring: {@link #count} of them from {@link #head}, oldest first. */
    private Object[] buffer;
    private int head;
    private int count;
    private final ChannelWaiter.Queue senders = new ChannelWaiter.Queue();
    private final ChannelWaiter.Queue receivers = new ChannelWaiter.Queue();
    private volatile boolean closed;
    /**
     * Spin heuristics of a rendezvous channel's waiters (see {@link Parking#SPIN}): how many waits
     * still skip spinning, and the last skip length. Plain fields that any waiter may update in
     * a race: a lost update only changes how long someone spins, never what happens.
     */
    private short spinSkip;
    private short spinBackoff;

    private Channel(int capacity) {
        this.capacity = capacity;
        if (capacity >= 1 && capacity <= INITIAL_RING) {
            // A power of two, at least 2: with one slot a receiver's "emptied, next round" turn
            // (p + 1) would read as its sender's "written" turn (p + 1) to the next sender.
            int len = Math.max(2, Integer.highestOneBit(capacity));
            len = len >= capacity ? len : len << 1;
            this.ring = new Object[len];
            this.turns = new long[len];
            for (int i = 0; i < len; i++) {
                turns[i] = i;
            }
            this.mask = len - 1;
            this.roomByTurn = len == capacity;
            this.pos = new long[RECV + 16];
            this.buffer = null;
        } else {
            this.ring = null;
            this.turns = null;
            this.mask = 0;
            this.roomByTurn = false;
            this.pos = null;
            this.buffer = new Object[Math.clamp(capacity, 1, INITIAL_RING)];
        }
    }

    /**
     * Creates a channel that buffers up to {@code capacity} elements; a send waits while it is
     * full.
     *
     * @param capacity the number of elements buffered, at least 1
     * @param <T> the element type
     * @return a new open channel
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public static <T> Channel<T> bounded(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("channel capacity must be at least 1, got " + capacity
                    + ": use Channel.rendezvous() for a channel without a buffer");
        }
        return new Channel<>(capacity);
    }

    /**
     * Creates a channel whose buffer grows without bound; a send never waits. Use it only when
     * something else limits the producers, since nothing here pushes back on them.
     *
     * @param <T> the element type
     * @return a new open channel
     */
    public static <T> Channel<T> unbounded() {
        return new Channel<>(Integer.MAX_VALUE);
    }

    /**
     * Creates a channel without a buffer: a send waits until a receiver takes its element.
     *
     * @param <T> the element type
     * @return a new open channel
     */
    public static <T> Channel<T> rendezvous() {
        return new Channel<>(0);
    }

    /**
     * Sends {@code element}, waiting while the channel cannot take it (see the table in
     * {@link Channel}).
     *
     * @param element the element, not null
     * @throws NullPointerException if {@code element} is null
     * @throws ChannelClosedException if the channel is closed, or is closed while this call waits;
     *         the element was not sent
     * @throws CancelledException if the caller is cancelled; the element was not sent
     */
    public void send(T element) {
        Args.nonNull(element, "element", "a channel cannot carry null; send an Optional or a marker value instead");
        ThreadRecord r = ThreadRecord.current();
        r.checkpoint();
        if (ring != null && fastSend(element)) {
            return;
        }
        ChannelWaiter me;
        ChannelWaiter partner = null;
        acquire(r);
        try {
            freeze();
            if (closed) {
                throw closedForSend();
            }
            if (!receivers.isEmpty()) {
                partner = complete(receivers.pollFirst(), element);
                me = null;
            } else if (buffered() < capacity) {
                push(element);
                me = null;
            } else {
                me = new ChannelWaiter(Thread.currentThread(), element, this, senders);
                senders.addLast(me);
            }
            assert checkInvariants();
        } finally {
            unlock();
        }
        if (me == null) {
            if (partner != null) {
                release(partner);
            }
            return;
        }
        if (await(r, me) == ChannelWaiter.CLOSED) {
            throw closedForSend();
        }
    }

    /**
     * Sends {@code element} if the channel can take it at once; never waits. Not a cancellation
     * point.
     *
     * @param element the element, not null
     * @return true if sent; false if the channel is full (for a rendezvous channel: no receiver is
     *         waiting)
     * @throws NullPointerException if {@code element} is null
     * @throws ChannelClosedException if the channel is closed
     */
    public boolean trySend(T element) {
        Args.nonNull(element, "element", "a channel cannot carry null; send an Optional or a marker value instead");
        if (ring != null && fastSend(element)) {
            return true;
        }
        ChannelWaiter partner = null;
        lock.lock();
        try {
            freeze();
            if (closed) {
                throw closedForSend();
            }
            if (!receivers.isEmpty()) {
                partner = complete(receivers.pollFirst(), element);
            } else if (buffered() < capacity) {
                push(element);
            } else {
                return false;
            }
            assert checkInvariants();
        } finally {
            unlock();
        }
        if (partner != null) {
            release(partner);
        }
        return true;
    }

    /**
     * Receives the oldest element, waiting while there is none.
     *
     * @return the element
     * @throws ChannelClosedException if the channel is closed and drained, or is closed while this
     *         call waits
     * @throws CancelledException if the caller is cancelled; nothing was received
     */
    public T receive() {
        Object x = receiveOrMark();
        if (x == CLOSED_MARK) {
            throw closedForReceive();
        }
        @SuppressWarnings("unchecked")
        T t = (T) x;
        return t;
    }

    /**
     * Receives the oldest element if there is one at once (buffered, or offered by a waiting
     * sender); never waits. Not a cancellation point.
     *
     * @return the element, or empty if there is none now
     * @throws ChannelClosedException if the channel is closed and drained
     */
    public Optional<T> tryReceive() {
        Object x;
        if (ring != null && (x = fastReceive()) != null) {
            @SuppressWarnings("unchecked")
            T t = (T) x;
            return Optional.of(t);
        }
        ChannelWaiter sender;
        lock.lock();
        try {
            freeze();
            sender = senders.pollFirst();
            x = takeNow(sender);
            if (x == null) {
                if (closed) {
                    throw closedForReceive();
                }
                return Optional.empty();
            }
            assert checkInvariants();
        } finally {
            unlock();
        }
        if (sender != null) {
            release(sender);
        }
        @SuppressWarnings("unchecked")
        T t = (T) x;
        return Optional.of(t);
    }

    /**
     * Closes the channel: later sends throw {@link ChannelClosedException}, blocked senders wake
     * up and throw it (their elements not sent), and receivers get the buffered elements, then
     * {@link ChannelClosedException} (iteration ends). Idempotent; any thread; never blocks.
     */
    @Override
    public void close() {
        List<Thread> woken = new ArrayList<>();
        lock.lock();
        try {
            freeze(); // for good: closed keeps the lock-free path shut
            if (closed) {
                return;
            }
            closed = true;
            // Invariant 5: every waiter leaves with CLOSED; its operation did not happen.
            for (ChannelWaiter.Queue q : List.of(senders, receivers)) {
                for (ChannelWaiter w; (w = q.pollFirst()) != null; ) {
                    w.item = null;
                    boolean decided = w.decide(ChannelWaiter.CLOSED);
                    assert decided : "a linked node is WAITING";
                    woken.add(w.thread);
                }
            }
            assert checkInvariants();
        } finally {
            unlock();
        }
        woken.forEach(Parking::unpark);
    }

    /**
     * Returns whether {@link #close()} has been called. Buffered elements may remain.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Returns an iterator that receives elements until the channel is closed and drained.
     * {@link Iterator#hasNext()} waits for the next element, as {@link #receive()} does, and is a
     * weft blocking call; an element it has received is kept by the iterator for
     * {@link Iterator#next()}. Each iterator is for one thread; several threads iterating the same
     * channel with their own iterators share the elements, each received once.
     *
     * @return a receiving iterator
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private Object next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                Object x = receiveOrMark();
                if (x == CLOSED_MARK) {
                    ended = true;
                    return false;
                }
                next = x;
                return true;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the channel is closed and drained");
                }
                @SuppressWarnings("unchecked")
                T t = (T) next;
                next = null;
                return t;
            }
        };
    }

    @Override
    public String toString() {
        String kind = capacity == 0 ? "rendezvous" : capacity == Integer.MAX_VALUE ? "unbounded"
                : "bounded(" + capacity + ")";
        return "Channel[" + kind + (closed ? ", closed" : "") + "]";
    }

    // ---- machinery ----

    /**
     * Takes the oldest element without waiting, or returns null. {@code sender} is the oldest
     * blocked sender, already unlinked by the caller, or null; it is claimed here, and the caller
     * {@linkplain #release releases} it after unlocking. Lock held.
     */
    private Object takeNow(ChannelWaiter sender) {
        assert lock.isHeldByCurrentThread();
        Object x = poll();
        if (sender == null) {
            return x;
        }
        // Invariant 3: a sender waits only while the buffer is full, so its element now fills the
        // slot just freed (bounded), or is handed over directly (rendezvous: x is null).
        Object item = sender.item;
        sender.item = null;
        boolean claimed = sender.claim();
        assert claimed : "a linked node is WAITING";
        if (x == null) {
            return item;
        }
        push(item);
        return x;
    }

    /** Appends {@code x} to the buffer, growing it if it is full (below capacity). Lock held, frozen. */
    private void push(Object x) {
        if (ring != null) {
            long s = (long) POS.getAcquire(pos, SEND) & ~FROZEN;
            put(s, x);
            POS.setRelease(pos, SEND, (s + 1) | FROZEN);
            return;
        }
        Object[] b = buffer;
        if (count == b.length) {
            b = grow();
        }
        int i = head + count;
        b[i < b.length ? i : i - b.length] = x;
        count++;
    }

    /** Removes and returns the oldest buffered element, or null. Lock held, frozen. */
    private Object poll() {
        if (ring != null) {
            long r = (long) POS.getAcquire(pos, RECV) & ~FROZEN;
            if (r == ((long) POS.getAcquire(pos, SEND) & ~FROZEN)) {
                return null;
            }
            Object x = take(r);
            POS.setRelease(pos, RECV, (r + 1) | FROZEN);
            return x;
        }
        if (count == 0) {
            return null;
        }
        Object[] b = buffer;
        int h = head;
        Object x = b[h];
        b[h] = null;
        head = h + 1 == b.length ? 0 : h + 1;
        count--;
        return x;
    }

    /** Doubles the ring (at most to the capacity), oldest element first. Lock held. */
    private Object[] grow() {
        Object[] b = buffer;
        Object[] n = new Object[(int) Math.min(2L * b.length, Math.min(capacity, Integer.MAX_VALUE - 8))];
        int firstPart = Math.min(count, b.length - head);
        System.arraycopy(b, head, n, 0, firstPart);
        System.arraycopy(b, 0, n, firstPart, count - firstPart);
        head = 0;
        buffer = n;
        return n;
    }

    /** The number of buffered elements. Lock held, frozen. */
    private int buffered() {
        if (ring == null) {
            return count;
        }
        return (int) (((long) POS.getAcquire(pos, SEND) & ~FROZEN) - ((long) POS.getAcquire(pos, RECV) & ~FROZEN));
    }

    // ---- the lock-free path (bounded channels of at most INITIAL_RING elements) ----

    /**
     * Sends {@code x} without the lock if the channel is not {@link #FROZEN}, has room, and the
     * slot of the next position is empty; false sends nothing and the caller takes the lock. The
     * send takes effect at the CAS of the senders' position; it checks the slot's turn before,
     * so that it never waits for another thread after it (see {@link #awaitTurn}).
     */
    private boolean fastSend(Object x) {
        long[] p = pos;
        for (;;) {
            long s = (long) POS.getVolatile(p, SEND);
            if ((s & FROZEN) != 0) {
                return false;
            }
            int i = (int) s & mask;
            long d = (long) TURN.getAcquire(turns, i) - s;
            if (d < 0) {
                return false; // full, or the slot's last receiver has not emptied it yet
            }
            if (d > 0) {
                continue; // s is stale: another sender has taken it
            }
            // With a ring as long as the capacity, the empty slot says there is room; otherwise
            // R says it (R only grows, so room seen here is still there at the CAS).
            if (!roomByTurn && s - ((long) POS.getVolatile(p, RECV) & ~FROZEN) >= capacity) {
                return false;
            }
            if (POS.compareAndSet(p, SEND, s, s + 1)) {
                // The turn cannot have moved since it was read: only position s's holder moves it.
                ring[i] = x;
                TURN.setRelease(turns, i, s + 1); // publishes x: the receiver reads it after its acquire
                return true;
            }
        }
    }

    /**
     * Receives without the lock if the channel is not {@link #FROZEN} and the next position's
     * element is written; null takes nothing and the caller takes the lock. The receive takes
     * effect at the CAS of the receivers' position; it checks the slot's turn before, so that it
     * never waits for another thread after it.
     */
    private Object fastReceive() {
        long[] p = pos;
        for (;;) {
            long r = (long) POS.getVolatile(p, RECV);
            if ((r & FROZEN) != 0) {
                return null;
            }
            int i = (int) r & mask;
            long d = (long) TURN.getAcquire(turns, i) - (r + 1);
            if (d < 0) {
                return null; // empty, or the sender of position r has not written yet
            }
            if (d > 0) {
                continue; // r is stale: another receiver has taken it
            }
            if (POS.compareAndSet(p, RECV, r, r + 1)) {
                Object x = ring[i];
                ring[i] = null;
                TURN.setRelease(turns, i, r + ring.length);
                return x;
            }
        }
    }

    /**
     * Writes position {@code s}'s element (the lock's path), once the receiver of the slot's
     * previous round has emptied it.
     */
    private void put(long s, Object x) {
        int i = (int) s & mask;
        awaitTurn(i, s);
        ring[i] = x;
        TURN.setRelease(turns, i, s + 1);
    }

    /** Reads and clears position {@code r}'s element (the lock's path), once its sender has written it. */
    private Object take(long r) {
        int i = (int) r & mask;
        awaitTurn(i, r + 1);
        Object x = ring[i];
        ring[i] = null;
        TURN.setRelease(turns, i, r + ring.length);
        return x;
    }

    /**
     * Waits, on the lock's path only, for slot {@code i}'s turn {@code t}: a lock-free operation
     * that took the slot's previous turn by its CAS is between that CAS and its slot access, a few
     * instructions that wait for no one (it checked the turn before its CAS), so it finishes
     * without help. The lock-free path itself never waits here: a chain of lock-free operations
     * each yielding for the one before starved on virtual threads (the head of the chain sat in
     * the scheduler's shared queue while both carriers ran yielders from their own). Not a
     * cancellation point: the operation has already taken effect.
     */
    private void awaitTurn(int i, long t) {
        for (int n = 0; (long) TURN.getAcquire(turns, i) != t; n++) {
            if (n < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Shuts the lock-free path (sets {@link #FROZEN} in both positions, the senders' first), so
     * that the lock holder alone changes the state until {@link #unlock}. An operation of the
     * lock-free path whose CAS came first has taken effect before this critical section; its slot
     * access may still be under way, which {@link #awaitTurn} waits for. Lock held.
     */
    private void freeze() {
        if (pos != null) {
            freeze(SEND);
            freeze(RECV);
        }
    }

    private void freeze(int k) {
        for (;;) {
            long v = (long) POS.getVolatile(pos, k);
            if ((v & FROZEN) != 0 || POS.compareAndSet(pos, k, v, v | FROZEN)) {
                return;
            }
        }
    }

    /**
     * Ends a critical section: opens the lock-free path again unless a waiter is queued, the
     * channel is closed, or an outer critical section of this thread still runs (a test's); then
     * unlocks.
     */
    private void unlock() {
        if (pos != null && !closed && senders.isEmpty() && receivers.isEmpty() && lock.getHoldCount() == 1) {
            POS.setVolatile(pos, RECV, (long) POS.getAcquire(pos, RECV) & ~FROZEN);
            POS.setVolatile(pos, SEND, (long) POS.getAcquire(pos, SEND) & ~FROZEN);
        }
        lock.unlock();
    }

    /** Takes the lock and shuts the lock-free path, for a test that stages a race on the lock. */
    void lockForTest() {
        lock.lock();
        freeze();
    }

    /** Whether the lock-free path is open (neither position FROZEN); for tests. */
    boolean lockFreePathOpen() {
        return pos != null && (((long) POS.getVolatile(pos, SEND) | (long) POS.getVolatile(pos, RECV)) & FROZEN) == 0;
    }

    /** Ends {@link #lockForTest}. */
    void unlockForTest() {
        unlock();
    }

    /**
     * Hands {@code element} to the waiting receiver {@code r} and claims it; the caller
     * {@linkplain #release releases} it after unlocking. Lock held.
     */
    private static ChannelWaiter complete(ChannelWaiter r, Object element) {
        r.item = element;
        boolean claimed = r.claim();
        assert claimed : "a linked node is WAITING";
        return r;
    }

    /**
     * Publishes DONE on the partner {@code w} claimed under the lock, and unparks it if it has
     * announced that it parks ({@link WaitCell#parked}); one still spinning or yielding sees the
     * decision by itself. Called after unlocking, so that the woken partner does not find the
     * lock still held when it makes its next call. Lock not held. Package-private for
     * {@code ChannelTest}, which stages a cancellation between the claim and this.
     */
    static void release(ChannelWaiter w) {
        w.publish(ChannelWaiter.DONE);
        if (w.parked) {
            Parking.unpark(w.thread);
        }
    }

    /**
     * Takes {@link #lock} for a blocking operation. On a rendezvous channel a partner whose wait
     * has just been decided makes its next call at once, often while the decider still holds the
     * lock; a contended {@link ReentrantLock} queues the caller and may park it, so the caller
     * first retries a few rounds ({@link Parking#LOCK_SPIN}), as the critical sections are short.
     * A caller interrupted while it queues (weft's cancellation, or a foreign interrupt) is
     * cancelled there, before anything happened.
     *
     * @throws CancelledException if the caller is cancelled, or interrupted from outside weft,
     *         while it waits for the lock
     */
    private void acquire(ThreadRecord r) {
        if (lock.tryLock()) {
            return;
        }
        if (capacity == 0) {
            for (int i = 0; i < Parking.LOCK_SPIN; i++) {
                Thread.onSpinWait();
                if (lock.tryLock()) {
                    return;
                }
            }
        }
        for (;;) {
            try {
                lock.lockInterruptibly();
                return;
            } catch (InterruptedException e) {
                // Nothing has happened yet, so an interrupt that comes while the call queues for
                // the lock cancels it here. lock() would clear the flag while it waits and set it
                // again once it holds the lock; the timer's re-delivery would find the flag clear
                // meanwhile and count weft's interrupt as consumed, and a deadline scope around a
                // call that then completed would report its cancellation swallowed and drop the
                // call's result (ChannelLinearizabilityTest found a received element lost so).
                Thread.currentThread().interrupt();
                r.checkpoint(); // throws if cancelled or the interrupt is foreign; else a stale weft interrupt was taken back
            }
        }
    }

    /** Receives, returning {@link #CLOSED_MARK} for "closed and drained". */
    private Object receiveOrMark() {
        ThreadRecord r = ThreadRecord.current();
        r.checkpoint();
        Object x;
        if (ring != null && (x = fastReceive()) != null) {
            return x;
        }
        ChannelWaiter me;
        ChannelWaiter sender;
        acquire(r);
        try {
            freeze();
            sender = senders.pollFirst();
            x = takeNow(sender);
            if (x != null) {
                me = null;
            } else if (closed) {
                me = null;
                x = CLOSED_MARK;
            } else {
                me = new ChannelWaiter(Thread.currentThread(), null, this, receivers);
                receivers.addLast(me);
            }
            assert checkInvariants();
        } finally {
            unlock();
        }
        if (me == null) {
            if (sender != null) {
                release(sender);
            }
            return x;
        }
        if (await(r, me) == ChannelWaiter.CLOSED) {
            return CLOSED_MARK;
        }
        x = me.item;
        me.item = null;
        return x;
    }

    /**
     * Waits until {@code me} is decided. If the caller is cancelled meanwhile, the node is
     * withdrawn ({@link #withdraw}) and the cancellation thrown; if a partner decided it first,
     * the operation happened and the wait returns normally (the cancellation is level-triggered
     * and surfaces at the caller's next weft call).
     *
     * @return DONE or CLOSED
     */
    private int await(ThreadRecord r, ChannelWaiter me) {
        if (capacity != 0) {
            return Parking.awaitDecision(r, me, 0, this);
        }
        spinUntilDecided(me);
        return Parking.awaitDecision(r, me, Parking.RENDEZVOUS_YIELDS, this);
    }

    /** Spins up to {@link Parking#SPIN} rounds for {@code me}'s decision, unless backing off. */
    private void spinUntilDecided(ChannelWaiter me) {
        if (spinSkip > 0) {
            spinSkip--;
            return;
        }
        for (int i = 0; i < Parking.SPIN; i++) {
            if (me.decided()) {
                if (spinBackoff != 0) {
                    spinBackoff = 0;
                }
                return;
            }
            Thread.onSpinWait();
        }
        spinBackoff = spinSkip = Parking.nextSkip(spinBackoff);
    }

    /** Decides {@code me} CANCELLED and unlinks it, if it is still WAITING; its abort. */
    boolean withdraw(ChannelWaiter me, ChannelWaiter.Queue queue) {
        lock.lock();
        try {
            freeze();
            if (me.decision != ChannelWaiter.WAITING) {
                return false;
            }
            queue.unlink(me);
            me.item = null;
            boolean decided = me.decide(ChannelWaiter.CANCELLED);
            assert decided : "decided under the lock";
            assert checkInvariants();
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * The first half of a hand-off, for tests: claims the oldest waiting receiver with
     * {@code element} as {@link #send} does, and returns it for {@link #release}; null if no
     * receiver waits.
     */
    ChannelWaiter claimOldestReceiver(Object element) {
        lock.lock();
        try {
            freeze();
            return receivers.isEmpty() ? null : complete(receivers.pollFirst(), element);
        } finally {
            unlock();
        }
    }

    /** The number of blocked senders; for tests. */
    int waitingSenders() {
        return countWaiting(senders);
    }

    /** The number of blocked receivers; for tests. */
    int waitingReceivers() {
        return countWaiting(receivers);
    }

    private int countWaiting(ChannelWaiter.Queue q) {
        lock.lock();
        try {
            return q.size();
        } finally {
            lock.unlock();
        }
    }

    private ChannelClosedException closedForSend() {
        return new ChannelClosedException("cannot send to " + this + ": it is closed");
    }

    private ChannelClosedException closedForReceive() {
        return new ChannelClosedException("cannot receive from " + this + ": it is closed and drained");
    }

    /** Checks the invariants of the overview. Lock held; for assertions. */
    private boolean checkInvariants() {
        assert lock.isHeldByCurrentThread();
        assert pos == null || (((long) POS.getVolatile(pos, SEND) & (long) POS.getVolatile(pos, RECV) & FROZEN) != 0)
                : "the lock-free path is shut while the lock is held";
        int count = buffered();
        assert count >= 0 && count <= capacity : "buffer over capacity";
        assert senders.isEmpty() || count == capacity : "a sender waits while there is room";
        assert receivers.isEmpty() || (count == 0 && senders.isEmpty())
                : "a receiver waits while there is something to take";
        assert !closed || (senders.isEmpty() && receivers.isEmpty()) : "a waiter outlived close()";
        return true;
    }
}
