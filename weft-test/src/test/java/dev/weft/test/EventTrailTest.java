package dev.weft.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TaskGroup;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event trail keeps one order across threads and its checks say what went wrong. */
class EventTrailTest {
    /** Events recorded across a spawn and a join come in happens-before order, each with its thread. */
    @Test
    void recordsInHappensBeforeOrderWithThreads() {
        for (int round = 0; round < 200; round++) {
            EventTrail trail = new EventTrail();
            trail.record("before");
            TaskGroup.run(g -> {
                g.spawn("child", () -> {
                    trail.record("in child");
                    return null;
                }).join();
                trail.record("after join");
                return null;
            });
            trail.assertExactly("before", "in child", "after join");
            assertEquals("child", trail.events().get(1).thread());
        }
    }

    /** assertBefore fails naming both events, their positions and threads, and prints the trail. */
    @Test
    void assertBeforeFailureShowsTheTrail() {
        EventTrail trail = new EventTrail();
        trail.record("body returned");
        trail.record("group ended");
        trail.record("child ran");
        AssertionError e = assertThrows(AssertionError.class, () -> trail.assertBefore("child ran", "group ended"));
        String me = Thread.currentThread().getName();
        assertEquals("expected 'child ran' before 'group ended', but #1 [" + me + "] group ended came before #2 ["
                + me + "] child ran\ntrail (3 events):\n  #0 [" + me + "] body returned\n  #1 [" + me
                + "] group ended\n  #2 [" + me + "] child ran", e.getMessage());
        AssertionError missing = assertThrows(AssertionError.class, () -> trail.assertBefore("child ran", "nope"));
        assertTrue(missing.getMessage().startsWith("expected 'child ran' before 'nope', but 'nope' was never recorded"),
                missing.getMessage());
    }

    /** assertInOrder accepts events in between and names the first one out of order. */
    @Test
    void assertInOrderNamesTheFirstMissingEvent() {
        EventTrail trail = new EventTrail();
        for (String s : List.of("a", "x", "b", "c")) {
            trail.record(s);
        }
        trail.assertInOrder("a", "b", "c");
        AssertionError e = assertThrows(AssertionError.class, () -> trail.assertInOrder("b", "a"));
        assertTrue(e.getMessage().startsWith("'a' was not recorded after 'b' (it was recorded earlier)"), e.getMessage());
        assertThrows(AssertionError.class, () -> trail.assertExactly("a", "b", "c"));
        AssertionError never = assertThrows(AssertionError.class, () -> trail.assertNever("x"));
        assertTrue(never.getMessage().startsWith("'x' must not happen, but it did: #1 ["), never.getMessage());
        trail.assertNever("y");
    }
}
