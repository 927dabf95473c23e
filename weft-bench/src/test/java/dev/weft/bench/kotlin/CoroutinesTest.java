package dev.weft.bench.kotlin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import kotlinx.coroutines.ExecutorCoroutineDispatcher;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** The kotlinx-coroutines peers do the work their benchmarks claim to measure. */
class CoroutinesTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    /** A Blackhole that JMH would hand in; it accepts direct construction with this phrase. */
    static Blackhole blackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    }

    /** spawnJoin returns only after every launched coroutine ran, on both dispatchers. */
    @Test
    void spawnJoinCompletesOnBothDispatchers() {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals(1000, Coroutines.spawnJoin(1000, Coroutines.defaultDispatcher()));
            try (ExecutorCoroutineDispatcher vt = Coroutines.virtualThreadDispatcher()) {
                assertEquals(1000, Coroutines.spawnJoin(1000, vt));
            }
        });
    }

    /** withTimeoutLoop runs its body LOOP times without expiring. */
    @Test
    void withTimeoutLoopRunsEveryBody() {
        assertTimeoutPreemptively(LIMIT, () -> assertEquals(42 * Coroutines.LOOP, Coroutines.withTimeoutLoop()));
    }

    /** Every item crosses the channel for buffered and rendezvous channels, 1 and 4 pairs (no hang, no error). */
    @Test
    void channelHandOffMovesEveryItem() {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int capacity : new int[] {16, 0}) {
                for (int pairs : new int[] {1, 4}) {
                    Coroutines.channelHandOff(capacity, 20_000, pairs);
                }
            }
        });
    }

    /** The sequence yields every item to the consumer, and counts them (an empty one too). */
    @Test
    void sequenceIterateYieldsEveryItem() {
        assertEquals(4, Coroutines.sequenceIterate(new Object[] {"a", "b", "c", 4}, blackhole()));
        assertEquals(0, Coroutines.sequenceIterate(new Object[0], blackhole()));
    }

    /** The produce peer hands every item to its consuming coroutine (no hang, none lost). */
    @Test
    void produceConsumeMovesEveryItem() {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals(20_000, Coroutines.produceConsume(20_000));
            assertEquals(0, Coroutines.produceConsume(0));
        });
    }

    /** The context read finds element 0 at either size; other sizes are refused with the range. */
    @Test
    void contextGetReadsTheFirstElement() {
        Object v = new Object();
        assertEquals(v, Coroutines.contextGet(Coroutines.contextWith(1, v)));
        assertEquals(v, Coroutines.contextGet(Coroutines.contextWith(100, v)));
        var e = assertThrows(IllegalArgumentException.class, () -> Coroutines.contextWith(101, v));
        assertEquals("vars must be between 1 and 100, got 101", e.getMessage());
    }

    /** Inside the coroutine every read sees the ThreadContextElement's value; after it, the thread-local is restored. */
    @Test
    void threadContextElementValueIsReadAndRestored() {
        List<Object> reads = new ArrayList<>();
        ThreadLocal<Object> tl = recording(reads);
        Coroutines.threadContextElementGetLoop(tl, "inside", blackhole());
        // the element itself also reads the thread-local once, to save the value it replaces
        assertEquals(Coroutines.LOOP, reads.stream().filter("inside"::equals).count());
        assertNull(tl.get());
    }

    /** withContext sets the new value for its block only, and restores the old one after each block. */
    @Test
    void withContextSeesTheNewValue() {
        List<Object> reads = new ArrayList<>();
        ThreadLocal<Object> tl = recording(reads);
        Coroutines.withContextSetResetLoop(tl, "old", "new", blackhole());
        assertEquals(Coroutines.LOOP, reads.stream().filter("new"::equals).count());
        assertNull(tl.get());
    }

    /** A thread-local that records every value read through it. */
    static ThreadLocal<Object> recording(List<Object> reads) {
        return new ThreadLocal<>() {
            @Override
            public Object get() {
                Object v = super.get();
                reads.add(v);
                return v;
            }
        };
    }
}
