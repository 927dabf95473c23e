package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.TestSupport.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hand-off's spin (Generator's overview): each side spins briefly for the other, backs off
 * after failed spins and spins again after one that succeeds. Whichever way each wait goes, every
 * value arrives once, in order, and the cleanup runs once, in the consumer.
 */
class GeneratorSpinTest {
    /**
     * Steps that outlast any spin (the body and the consumer each pause now and then) mixed with
     * quick ones drive both sides through failed spins, back-off and spinning again.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void slowAndQuickStepsHandOverEveryValueInOrder(ThreadKind kind) throws Exception {
        int n = 2_000;
        AtomicInteger cleanups = new AtomicInteger();
        List<Integer> got = new ArrayList<>();
        kind.run(() -> {
            try (Generator<Integer> g = Generator.of(out -> {
                try {
                    for (int i = 0; i < n; i++) {
                        if (i % 97 < 5) {
                            LockSupport.parkNanos(100_000); // longer than the spin: the consumer backs off
                        }
                        out.yield(i);
                    }
                } finally {
                    cleanups.incrementAndGet();
                }
            })) {
                for (int v : g) {
                    if (v % 89 < 5) {
                        LockSupport.parkNanos(100_000); // the body's spin at its yield fails
                    }
                    got.add(v);
                }
            }
        });
        assertEquals(n, got.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, got.get(i), "values lost, repeated or reordered");
        }
        assertEquals(1, cleanups.get());
    }
}
