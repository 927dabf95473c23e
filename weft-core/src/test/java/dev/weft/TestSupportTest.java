package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.Background;
import dev.weft.TestSupport.ThreadKind;
import dev.weft.TestSupport.Trail;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The test kit's own promises: a check that cannot fail would make every test that uses it useless. */
class TestSupportTest {

    /** A step marked out of its turn fails the final check, wherever it ran. */
    @Test
    void trailReportsAStepOutOfTurn() throws Exception {
        Trail inOrder = new Trail();
        inOrder.expect(1);
        ThreadKind.VIRTUAL.start("step-2", () -> inOrder.expect(2)).join();
        inOrder.expectSteps(2);
        assertEquals(List.of("step 1", "step 2"), inOrder.events());

        Trail outOfOrder = new Trail();
        ThreadKind.VIRTUAL.start("step-2", () -> outOfOrder.expect(2)).join();
        outOfOrder.expect(1);
        AssertionError e = assertThrows(AssertionError.class, () -> outOfOrder.expectSteps(2));
        assertTrue(e.getMessage().contains("step 2 came after step 0"), e.getMessage());
    }

    /** Named events are compared in order. */
    @Test
    void trailComparesEventsInOrder() {
        Trail trail = new Trail();
        trail.add("a");
        trail.add("b");
        trail.expectEvents("a", "b");
        trail.expectBefore("a", "b");
        assertThrows(AssertionError.class, () -> trail.expectEvents("b", "a"));
        assertThrows(AssertionError.class, () -> trail.expectBefore("b", "a"));
    }

    /** A background thread's failure comes out of join, the very exception. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void backgroundRethrowsWhatItsBodyThrew(ThreadKind kind) {
        IOException boom = new IOException("boom");
        Background bg = Background.start(kind, "failing", () -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IOException.class, bg::join));
    }

    /** A body that leaves its thread's interrupt flag set fails, even when it returns normally. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void runFailsWhenTheBodyLeaksAnInterrupt(ThreadKind kind) {
        AssertionError e = assertThrows(AssertionError.class, () -> kind.run(() -> Thread.currentThread().interrupt()));
        assertTrue(e.getMessage().contains("interrupt flag leaked"), e.getMessage());
    }
}
