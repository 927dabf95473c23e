package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Generator;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The leak check passes clean blocks and names each kind of leak. */
@org.junit.jupiter.api.Timeout(60)
class LeaksTest {
    /** A task group and a closed generator leave nothing behind; also inside virtual time. */
    @Test
    void cleanBlocksPass() throws Exception {
        Leaks.assertNoLeaks(() -> TaskGroup.run(g -> {
            for (int i = 0; i < 10; i++) {
                g.spawn(() -> {
                    Weft.sleep(Duration.ofMillis(1));
                    return null;
                });
            }
            return null;
        }));
        Leaks.assertNoLeaks(() -> {
            try (Generator<Integer> gen = Generator.of(out -> {
                out.yield(1);
                out.yield(2);
            })) {
                gen.next();
            }
        });
        VirtualTime.run(() -> Leaks.assertNoLeaks(() -> TaskGroup.run(g -> {
            g.spawn(() -> {
                Weft.sleep(Duration.ofHours(1));
                return null;
            });
            return null;
        })));
    }

    /** A generator left open keeps its thread: named, with its state and frames. */
    @Test
    void anOpenGeneratorsThreadIsNamed() throws Exception {
        Generator<?>[] kept = new Generator<?>[1];
        AssertionError e = assertThrows(AssertionError.class, () -> Leaks.assertNoLeaks(() -> {
            Generator<Integer> gen = Generator.of(out -> {
                out.yield(1);
                out.yield(2);
            });
            gen.next();
            kept[0] = gen; // never closed
        }));
        String m = e.getMessage();
        assertTrue(m.startsWith("the block leaked:\n  - thread '"), m);
        assertTrue(m.contains("started by weft during the block, still runs 2000 ms after it"), m);
        assertTrue(m.contains("\n      at "), m);
        kept[0].close();
    }

    /** An interrupt left on the calling thread is reported, and cleared. */
    @Test
    void aLeftInterruptIsReportedAndCleared() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Leaks.assertNoLeaks(() -> Thread.currentThread().interrupt()));
        assertTrue(e.getMessage().contains("the calling thread's interrupt flag is set"), e.getMessage());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** The block's own failure is rethrown as is when nothing leaked, and kept as suppressed when something did. */
    @Test
    void theBlocksFailureIsKept() {
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> Leaks.assertNoLeaks(() -> {
            throw boom;
        })));
        AssertionError e = assertThrows(AssertionError.class, () -> Leaks.assertNoLeaks(() -> {
            Thread.currentThread().interrupt();
            throw boom;
        }));
        assertSame(boom, e.getSuppressed()[0]);
    }
}
