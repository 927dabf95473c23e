package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Linearizability of {@link Channel}, checked on recorded histories: a few threads run short random
 * sequences of send, receive (each under a short random timeout, so that some are cancelled),
 * trySend, tryReceive and close; every call's invocation and response are stamped from one
 * counter. A brute-force search (Wing and Gong's, memoised) then looks for a sequential order,
 * consistent with real-time precedence, that a simple model of the channel accepts.
 *
 * <p>The model: a FIFO of at most {@code capacity} elements and a closed flag. A send or receive
 * that was cancelled has no effect (it did not happen). On a rendezvous channel, a completed send
 * and the receive that got its element take effect together, at one point inside both calls, and
 * at least one of the two is a blocking call (trySend needs a waiting receiver, tryReceive a
 * waiting sender). The model is deliberately loose where the outcome depends on timing alone: a
 * cancelled call, and on a rendezvous channel a failed trySend or an empty tryReceive, may take
 * effect (as a no-op) at any point of its call. Written for this project because Lincheck cannot express blocking Java calls
 * (it models blocking only for Kotlin suspending functions); {@code ChannelLincheckTest} runs
 * Lincheck on the non-blocking operations.
 */
@Tag("stress")
class ChannelLinearizabilityTest {
    private static final int THREADS = 3;
    private static final Duration BUDGET = Duration.ofSeconds(6);
    private static final int MIN_HISTORIES = 100;

    enum Kind { SEND, RECEIVE, TRY_SEND, TRY_RECEIVE, CLOSE }

    /** What a call did: OK (send, trySend true, close), FALSE (trySend), VALUE, EMPTY, CLOSED, CANCELLED. */
    enum Outcome { OK, FALSE, VALUE, EMPTY, CLOSED, CANCELLED }

    /** One call of a history; {@code value} is the element sent or received, or 0. */
    record Op(int index, int thread, Kind kind, int value, Outcome outcome, long invoke, long response) {
        boolean transfersOut() {
            return (kind == Kind.SEND || kind == Kind.TRY_SEND) && outcome == Outcome.OK;
        }

        boolean transfersIn() {
            return (kind == Kind.RECEIVE || kind == Kind.TRY_RECEIVE) && outcome == Outcome.VALUE;
        }

        @Override
        public String toString() {
            String arg = kind == Kind.SEND || kind == Kind.TRY_SEND ? "(" + value + ")" : "()";
            String res = outcome == Outcome.VALUE ? String.valueOf(value) : outcome.toString();
            return "T" + thread + " " + kind.toString().toLowerCase() + arg + " -> " + res + " [" + invoke + ", " + response + "]";
        }
    }

    /** The model's state: the buffered elements and whether closed. */
    record State(List<Integer> buffer, boolean closed) {
    }

    /** A generated call, before it runs. */
    record Planned(Kind kind, int value, Duration timeout) {
    }

    /** Every history of bounded(2) and rendezvous channels is linearizable. */
    @ParameterizedTest
    @ValueSource(ints = {2, 0})
    void historiesAreLinearizable(int capacity) {
        SplittableRandom seeds = new SplittableRandom(42 + capacity);
        long end = System.nanoTime() + BUDGET.toNanos();
        int histories = 0;
        int cancelled = 0;
        int transfers = 0;
        while (histories < MIN_HISTORIES || System.nanoTime() - end < 0) {
            long seed = seeds.nextLong();
            List<Op> history = record(capacity, new SplittableRandom(seed));
            String verdict = check(capacity, history);
            if (verdict != null) {
                fail("not linearizable (" + (capacity == 0 ? "rendezvous" : "bounded(" + capacity + ")") + ", seed "
                        + seed + "): " + verdict + "\n" + format(history));
            }
            cancelled += (int) history.stream().filter(o -> o.outcome == Outcome.CANCELLED).count();
            transfers += (int) history.stream().filter(Op::transfersIn).count();
            histories++;
        }
        System.out.printf("linearizability, capacity %d: %d histories, %d cancelled calls, %d elements received%n",
                capacity, histories, cancelled, transfers);
        assertTrue(cancelled > 0 && transfers > 0, "the histories exercised nothing: " + cancelled + " cancelled calls, "
                + transfers + " elements received");
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** The checker itself rejects histories that break the model, so that a pass means something. */
    @Test
    void checkerRejectsNonLinearizableHistories() {
        // FIFO broken: 1 then 2 sent sequentially, 2 received first.
        assertNotNull(check(2, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.OK, 0, 1),
                new Op(1, 0, Kind.SEND, 2, Outcome.OK, 2, 3),
                new Op(2, 1, Kind.RECEIVE, 2, Outcome.VALUE, 4, 5))));
        // A cancelled send delivered.
        assertNotNull(check(2, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.CANCELLED, 0, 1),
                new Op(1, 1, Kind.RECEIVE, 1, Outcome.VALUE, 2, 3))));
        // An element received twice.
        assertNotNull(check(2, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.OK, 0, 1),
                new Op(1, 1, Kind.RECEIVE, 1, Outcome.VALUE, 2, 5),
                new Op(2, 2, Kind.TRY_RECEIVE, 1, Outcome.VALUE, 3, 4))));
        // trySend false on a bounded(2) channel that holds one element.
        assertNotNull(check(2, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.OK, 0, 1),
                new Op(1, 0, Kind.TRY_SEND, 2, Outcome.FALSE, 2, 3))));
        // A rendezvous send that completed with no receiver overlapping it.
        assertNotNull(check(0, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.OK, 0, 1),
                new Op(1, 1, Kind.RECEIVE, 1, Outcome.VALUE, 2, 3))));
        // trySend and tryReceive cannot meet on a rendezvous channel.
        assertNotNull(check(0, List.of(
                new Op(0, 0, Kind.TRY_SEND, 1, Outcome.OK, 0, 3),
                new Op(1, 1, Kind.TRY_RECEIVE, 1, Outcome.VALUE, 1, 2))));
        // A receive reporting "closed" while an element is still buffered.
        assertNotNull(check(2, List.of(
                new Op(0, 0, Kind.SEND, 1, Outcome.OK, 0, 1),
                new Op(1, 0, Kind.CLOSE, 0, Outcome.OK, 2, 3),
                new Op(2, 1, Kind.RECEIVE, 0, Outcome.CLOSED, 4, 5))));
        // And accepts a legal concurrent one: overlapping rendezvous send and receive.
        assertNull(check(0, List.of(
                new Op(0, 0, Kind.SEND, 7, Outcome.OK, 0, 3),
                new Op(1, 1, Kind.RECEIVE, 7, Outcome.VALUE, 1, 2),
                new Op(2, 2, Kind.CLOSE, 0, Outcome.OK, 4, 5),
                new Op(3, 2, Kind.SEND, 8, Outcome.CLOSED, 6, 7))));
    }

    // ---- recording ----

    private static List<Op> record(int capacity, SplittableRandom rnd) {
        Channel<Integer> ch = capacity == 0 ? Channel.rendezvous() : Channel.bounded(capacity);
        AtomicLong clock = new AtomicLong();
        ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
        int[] nextValue = {1};
        List<Planned> before = new ArrayList<>();
        for (int i = rnd.nextInt(capacity + 1); i > 0; i--) {
            before.add(new Planned(Kind.TRY_SEND, nextValue[0]++, Duration.ZERO));
        }
        List<List<Planned>> plans = new ArrayList<>();
        boolean closePlanned = false;
        for (int t = 0; t < THREADS; t++) {
            List<Planned> plan = new ArrayList<>();
            for (int i = 2 + rnd.nextInt(3); i > 0; i--) {
                int r = rnd.nextInt(100);
                Kind k = r < 32 ? Kind.SEND : r < 64 ? Kind.RECEIVE : r < 80 ? Kind.TRY_SEND : r < 96 ? Kind.TRY_RECEIVE
                        : Kind.CLOSE;
                if (k == Kind.CLOSE) {
                    if (closePlanned) {
                        k = Kind.TRY_RECEIVE;
                    }
                    closePlanned = true;
                }
                Duration timeout = switch (rnd.nextInt(4)) {
                    case 0 -> Duration.ofMillis(1);
                    case 1 -> Duration.ofMillis(5);
                    default -> Duration.ofMillis(25);
                };
                int v = k == Kind.SEND || k == Kind.TRY_SEND ? nextValue[0]++ : 0;
                plan.add(new Planned(k, v, timeout));
            }
            plans.add(plan);
        }
        for (Planned p : before) {
            ops.add(run(ch, -1, p, clock, ops.size()));
        }
        CountDownLatch go = new CountDownLatch(1);
        TaskGroup.run(g -> {
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                List<Planned> plan = plans.get(t);
                g.spawn(() -> {
                    go.await();
                    for (Planned p : plan) {
                        ops.add(run(ch, thread, p, clock, 0));
                    }
                });
            }
            go.countDown();
            return null;
        });
        List<Op> history = new ArrayList<>();
        for (Op o : ops) {
            history.add(new Op(history.size(), o.thread, o.kind, o.value, o.outcome, o.invoke, o.response));
        }
        return history;
    }

    /** Runs one planned call and stamps it. */
    private static Op run(Channel<Integer> ch, int thread, Planned p, AtomicLong clock, int index) {
        long invoke = clock.getAndIncrement();
        Outcome outcome;
        int value = p.value();
        try {
            switch (p.kind()) {
                case SEND -> {
                    Optional<Boolean> done = Timeout.moveOnAfter(p.timeout(), () -> {
                        ch.send(p.value());
                        return true;
                    });
                    outcome = done.isPresent() ? Outcome.OK : Outcome.CANCELLED;
                }
                case RECEIVE -> {
                    Optional<Integer> got = Timeout.moveOnAfter(p.timeout(), ch::receive);
                    outcome = got.isPresent() ? Outcome.VALUE : Outcome.CANCELLED;
                    value = got.orElse(0);
                }
                case TRY_SEND -> outcome = ch.trySend(p.value()) ? Outcome.OK : Outcome.FALSE;
                case TRY_RECEIVE -> {
                    Optional<Integer> got = ch.tryReceive();
                    outcome = got.isPresent() ? Outcome.VALUE : Outcome.EMPTY;
                    value = got.orElse(0);
                }
                case CLOSE -> {
                    ch.close();
                    outcome = Outcome.OK;
                }
                default -> throw new AssertionError();
            }
        } catch (ChannelClosedException e) {
            outcome = Outcome.CLOSED;
            value = p.kind() == Kind.SEND || p.kind() == Kind.TRY_SEND ? p.value() : 0;
        }
        long response = clock.getAndIncrement();
        return new Op(index, thread, p.kind(), value, outcome, invoke, response);
    }

    // ---- checking ----

    /** Returns null if {@code history} is linearizable, else why not. */
    static String check(int capacity, List<Op> history) {
        int n = history.size();
        if (n > 62) {
            throw new IllegalArgumentException("history too long for the brute-force search: " + n);
        }
        Set<Integer> received = new HashSet<>();
        for (Op o : history) {
            if (o.transfersIn() && !received.add(o.value)) {
                return "element " + o.value + " received twice";
            }
        }
        Set<Object> failed = new HashSet<>();
        return search(capacity, history, 0L, new State(List.of(), false), failed) ? null
                : "no sequential order explains it";
    }

    private static boolean search(int capacity, List<Op> h, long done, State s, Set<Object> failed) {
        if (Long.bitCount(done) == h.size()) {
            return true;
        }
        if (!failed.add(List.of(done, s))) {
            return false;
        }
        for (Op o : h) {
            if ((done & (1L << o.index)) != 0 || !minimal(h, done, o, null)) {
                continue;
            }
            if (capacity == 0 && (o.transfersOut() || o.transfersIn())) {
                Op partner = o.transfersOut() ? partnerOf(h, o) : null;
                if (partner == null || (done & (1L << partner.index)) != 0 || s.closed
                        || (o.kind == Kind.TRY_SEND && partner.kind == Kind.TRY_RECEIVE)
                        || !minimal(h, done, o, partner) || !minimal(h, done, partner, o)
                        || o.response < partner.invoke || partner.response < o.invoke) {
                    continue; // a receive is tried from its sender's side only
                }
                if (search(capacity, h, done | (1L << o.index) | (1L << partner.index), s, failed)) {
                    return true;
                }
                continue;
            }
            State next = apply(capacity, s, o);
            if (next != null && search(capacity, h, done | (1L << o.index), next, failed)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every call that responded before {@code o} was invoked (except {@code ignoring}) is done. */
    private static boolean minimal(List<Op> h, long done, Op o, Op ignoring) {
        for (Op p : h) {
            if (p != ignoring && (done & (1L << p.index)) == 0 && p.response < o.invoke) {
                return false;
            }
        }
        return true;
    }

    private static Op partnerOf(List<Op> h, Op send) {
        for (Op p : h) {
            if (p.transfersIn() && p.value == send.value) {
                return p;
            }
        }
        return null;
    }

    /** The model's step for a call taking effect alone, or null if the model forbids it here. */
    private static State apply(int capacity, State s, Op o) {
        List<Integer> b = s.buffer;
        switch (o.outcome) {
            case CANCELLED:
                return s;
            case CLOSED:
                if (!s.closed || ((o.kind == Kind.RECEIVE || o.kind == Kind.TRY_RECEIVE) && !b.isEmpty())) {
                    return null;
                }
                return s;
            default:
                break;
        }
        switch (o.kind) {
            case CLOSE:
                return new State(b, true);
            case SEND, TRY_SEND:
                if (s.closed) {
                    return null;
                }
                if (o.outcome == Outcome.FALSE) {
                    return capacity == 0 || b.size() == capacity ? s : null;
                }
                if (b.size() >= capacity) {
                    return null;
                }
                List<Integer> nb = new ArrayList<>(b);
                nb.add(o.value);
                return new State(List.copyOf(nb), false);
            case RECEIVE, TRY_RECEIVE:
                if (o.outcome == Outcome.EMPTY) {
                    return b.isEmpty() && !s.closed ? s : null;
                }
                if (b.isEmpty() || b.getFirst() != o.value) {
                    return null;
                }
                return new State(List.copyOf(b.subList(1, b.size())), s.closed);
            default:
                throw new AssertionError(o);
        }
    }

    private static String format(List<Op> history) {
        StringBuilder sb = new StringBuilder();
        history.stream().sorted((a, b) -> Long.compare(a.invoke, b.invoke)).forEach(o -> sb.append("  ").append(o).append('\n'));
        return sb.toString();
    }
}
