package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.internal.Hamt;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A context's in-place writes (its map is open while only its writer can see it): a set of a
 * variable already set writes one slot, a copy freezes what it shares, a copy from another thread
 * while the writer is inside is a snapshot that later writes do not reach, and the version that
 * a token checks never names two states. Partly white-box: it looks at
 * {@code Context.map} and {@code Context.version}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextInPlaceTest {
    private final ContextVar<String> a = ContextVar.of("a");
    private final ContextVar<String> b = ContextVar.of("b");

    /** The second set of a variable, and its reset, write the open map in place and allocate no map. */
    @Test
    void setOfAVariableAlreadySetWritesTheOpenMapInPlace() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("1");
            Hamt<ContextVar<?>, Object> open = ctx.map;
            assertTrue(open.isOpen(), "the first write opens a map of the context's own");
            long v = ctx.version;
            try (Token<String> t = a.set("2")) {
                assertSame(open, ctx.map);
                assertEquals(v + 2, ctx.version, "every write moves the version by two");
                assertEquals("2", a.get());
                assertEquals("1", t.oldValue());
            }
            assertSame(open, ctx.map);
            assertEquals("1", a.get());
            assertEquals(v + 4, ctx.version);
        });
    }

    /** A copy by the writer freezes the shared map; the writer's next set opens a new one. */
    @Test
    void copyFreezesWhatItSharesAndLaterSetsDoNotReachIt() {
        Context ctx = Context.empty();
        List<Context> copies = new ArrayList<>();
        ctx.run(() -> {
            for (int i = 0; i < 50; i++) {
                a.set("a" + i);
                b.set("b" + i);
                Hamt<ContextVar<?>, Object> before = ctx.map;
                Context copy = Context.copyCurrent();
                assertSame(before, copy.map, "a copy shares the map");
                assertFalse(before.isOpen(), "and freezes it");
                copies.add(copy);
                a.set("after" + i);
                assertNotSame(before, ctx.map, "the writer moved to a map of its own");
            }
        });
        for (int i = 0; i < copies.size(); i++) {
            assertEquals("a" + i, copies.get(i).get(a));
            assertEquals("b" + i, copies.get(i).get(b));
        }
        assertEquals("after49", ctx.get(a));
    }

    /**
     * A copy taken by another thread while the writer is inside the context is a snapshot: the
     * writer's later in-place writes do not reach it, and the writer's map stays open.
     */
    @Test
    void copyFromAnotherThreadWhileTheWriterIsInsideIsASnapshot() throws Exception {
        Context ctx = Context.empty();
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch copied = new CountDownLatch(1);
        Thread writer = Thread.ofVirtual().start(() -> ctx.run(() -> {
            a.set("first");
            a.set("second"); // in place from here on
            written.countDown();
            try {
                TestSupport.await(copied, "the copy");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertTrue(ctx.map.isOpen(), "a copy from outside does not freeze the writer's map");
            a.set("third");
            b.set("b");
        }));
        TestSupport.await(written, "the writer's sets");
        Context copy = ctx.copy();
        copied.countDown();
        writer.join(TestSupport.PROMPT.toMillis());
        assertFalse(writer.isAlive());
        assertEquals("second", copy.get(a));
        assertNull(copy.get(b));
        assertFalse(copy.map.isOpen());
        assertEquals("third", ctx.get(a));
        assertEquals("b", ctx.get(b));
    }

    /**
     * A copy moves the version when it freezes an open map, and only then: a token made before
     * the copy sees that something happened since its set, and does not write into the slot the
     * copy now shares. A copy of a frozen map changes nothing.
     */
    @Test
    void aFreezeMovesTheVersionOnce() throws InterruptedException {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("1");
            a.set("2");
            assertTrue(ctx.map.isOpen());
            long v = ctx.version;
            Context.copyCurrent();
            assertEquals(v + 2, ctx.version, "freezing the open map moved the version");
            assertFalse(ctx.map.isOpen());
            Context.copyCurrent();
            assertEquals(v + 2, ctx.version, "a frozen map is shared as it is");
        });
        long v = ctx.version;
        ctx.run(() -> a.set("3"));
        Thread.ofVirtual().start(ctx::copy).join();
        assertEquals(v + 4, ctx.version, "a copy from another thread, with no one inside, freezes too");
    }

    /**
     * A copy taken between a set and its reset keeps the set value: the reset must not write into
     * the slot the set wrote, now shared with the copy.
     */
    @Test
    void resetAfterACopyDoesNotReachTheCopy() {
        Context.empty().run(() -> {
            a.set("before");
            a.set("before"); // the map is open and a's slot is in it
            Context copy;
            try (Token<String> t = a.set("inside")) {
                copy = Context.copyCurrent();
            }
            assertEquals("before", a.get());
            assertEquals("inside", copy.get(a));
            java.util.concurrent.Callable<String> wrapped;
            try (Token<String> t = a.set("again")) {
                wrapped = Context.wrap(() -> a.get()); // wrap freezes and shares the map as well
            }
            assertEquals("before", a.get());
            try {
                assertEquals("again", wrapped.call());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /**
     * A StackOverflowError anywhere inside a write (near the stack's end, where even the calls
     * behind a VarHandle can overflow) still leaves the version even: a copy from another thread
     * while the writer is inside returns instead of waiting for a write that will never end.
     */
    @Test
    void aStackOverflowInsideAWriteLeavesTheVersionEven() throws Exception {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("x");
            a.set("x");
            for (int round = 0; round < 3; round++) {
                writeNearTheStacksEnd();
                assertEquals(0, ctx.version & 1, "odd version after round " + round);
            }
            Thread copier = Thread.ofVirtual().start(ctx::copy);
            try {
                copier.join(TestSupport.PROMPT.toMillis());
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertFalse(copier.isAlive(), "a copy from another thread waits for ever");
        });
    }

    /**
     * Recurses until the stack overflows, then writes at every level on the way back: each try
     * has one frame more of room than the one before, so in interpreted code some of them run out
     * of stack inside the write itself.
     */
    private void writeNearTheStacksEnd() {
        try {
            writeNearTheStacksEnd();
        } catch (StackOverflowError e) {
            // the deepest level: nothing to do here
        }
        try {
            a.set("y").close(); // in place
            b.set("y").close(); // a new variable: copies nodes, then removes
        } catch (StackOverflowError e) {
            // expected now and then: what matters is the version afterwards
        }
    }

    /**
     * Every in-place write drops the variable's cached read for the open map, the set's and the
     * reset's (which writes back into the set's slot): a read right after sees the write.
     */
    @Test
    void readsRightAfterInPlaceWritesSeeThem() {
        Context.empty().run(() -> {
            a.set("0");
            a.set("0");
            for (int i = 1; i <= 100; i++) {
                String before = a.get();
                try (Token<String> t = a.set("v" + i)) {
                    assertEquals("v" + i, a.get(), "after the set");
                }
                assertEquals(before, a.get(), "after the reset");
                a.set("w" + i);
                assertEquals("w" + i, a.get(), "after a set without token");
            }
        });
    }

    /** Reset writes the old value back, or unsets, whatever was set in between. */
    @Test
    void resetRestoresItsOwnVariableOnlyAfterOtherWrites() {
        Context.empty().run(() -> {
            Token<String> ta = a.set("a1");
            b.set("b1");
            Token<String> ta2 = a.set("a2");
            b.set("b2");
            ta2.close();
            assertEquals("a1", a.get());
            assertEquals("b2", b.get());
            ta.close();
            assertNull(a.get(null));
            assertEquals("b2", b.get());
            assertEquals(1, Context.copyCurrent().size());
        });
    }
}
