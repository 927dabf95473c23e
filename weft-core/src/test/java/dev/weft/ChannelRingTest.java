package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The channel's buffer is a ring that wraps around and grows on demand: random runs of
 * {@code trySend} and {@code tryReceive}, checked against an {@link ArrayDeque} model, across
 * capacities below, at and above the ring's initial size and unbounded.
 */
class ChannelRingTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 16, 1023, 1024, 1025, 5000, Integer.MAX_VALUE})
    void bufferKeepsFifoOrderThroughWrapAndGrowth(int capacity) {
        Channel<Integer> ch = capacity == Integer.MAX_VALUE ? Channel.unbounded() : Channel.bounded(capacity);
        ArrayDeque<Integer> model = new ArrayDeque<>();
        Random random = new Random(capacity);
        int next = 0;
        for (int step = 0; step < 40_000; step++) {
            // Runs of sends then runs of receives, so the ring fills, drains and wraps.
            boolean sending = (step / 3000) % 2 == 0 ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
            if (sending) {
                boolean sent = ch.trySend(next);
                assertEquals(model.size() < capacity, sent, "trySend fails exactly when full");
                if (sent) {
                    model.addLast(next);
                }
                next++;
            } else {
                assertEquals(Optional.ofNullable(model.pollFirst()), ch.tryReceive(), "oldest first");
            }
        }
        ch.close();
        while (!model.isEmpty()) {
            assertEquals(model.pollFirst(), ch.receive(), "drained in order after close");
        }
        assertThrows(ChannelClosedException.class, ch::receive);
    }
}
