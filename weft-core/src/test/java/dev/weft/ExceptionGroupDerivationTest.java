package dev.weft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Groups derived by {@link ExceptionGroup#split} and {@link ExceptionGroup#subgroup} keep what
 * PEP 654 keeps: the whole message, the stack trace ({@code __traceback__}), suppressed
 * exceptions ({@code __context__}, {@code __notes__}) and an explicit cause ({@code __cause__}).
 */
class ExceptionGroupDerivationTest {
    private final IOException io = new IOException("disk");
    private final IllegalStateException state = new IllegalStateException("state");
    private final UncheckedIOException unchecked = new UncheckedIOException("wrapped", new IOException("net"));

    /** message() is the group's own message, as given, without the list of members. */
    @Test
    void messageIsTheGroupsOwnMessage() {
        ExceptionGroup eg = new ExceptionGroup("two things failed", List.of(io, state));
        assertEquals("two things failed", eg.message());
        assertTrue(eg.getMessage().startsWith("two things failed (2 sub-exceptions)"), eg.getMessage());
        assertTrue(eg.getMessage().contains(io.toString()) && eg.getMessage().contains(state.toString()), eg.getMessage());
    }

    /** Both parts of a split keep the whole message, even one of several lines. */
    @Test
    void splitKeepsTheWholeMessage() {
        String message = "request r-42 failed\nwhile writing the cart (attempt 3)";
        ExceptionGroup eg = new ExceptionGroup(message, List.of(io, state));
        ExceptionGroup.Split s = eg.split(IOException.class);
        assertEquals(message, s.matched().message());
        assertEquals(message, s.rest().message());
        assertEquals(message, eg.subgroup(IllegalStateException.class).message());
        assertTrue(s.matched().getMessage().startsWith(message + " (1 sub-exception)"), s.matched().getMessage());
    }

    /** A message that ends like the generated count is kept as given (the old derivation cut it). */
    @Test
    void messageThatLooksLikeACountIsKept() {
        ExceptionGroup eg = new ExceptionGroup("batch (3 sub-exceptions)", List.of(io, state));
        assertEquals("batch (3 sub-exceptions)", eg.subgroup(IOException.class).message());
    }

    /** Derived groups, at every level of nesting, carry the original's stack trace and suppressed exceptions. */
    @Test
    void splitCopiesStackTraceAndSuppressedAtEveryLevel() {
        ExceptionGroup inner = new ExceptionGroup("inner", List.of(unchecked, io));
        IllegalArgumentException innerNote = new IllegalArgumentException("inner note");
        inner.addSuppressed(innerNote);
        ExceptionGroup outer = new ExceptionGroup("outer", List.of(state, inner));
        RuntimeException note = new RuntimeException("while handling request r-42");
        outer.addSuppressed(note);

        ExceptionGroup.Split s = outer.split(IOException.class);
        for (ExceptionGroup part : List.of(s.matched(), s.rest())) {
            assertNotSame(outer, part);
            assertArrayEquals(outer.getStackTrace(), part.getStackTrace());
            assertEquals(List.of(note), List.of(part.getSuppressed()));
            assertEquals("outer", part.message());
        }
        ExceptionGroup matchedInner = (ExceptionGroup) s.matched().exceptions().getFirst();
        assertEquals(List.of(io), matchedInner.exceptions());
        assertArrayEquals(inner.getStackTrace(), matchedInner.getStackTrace());
        assertEquals(List.of(innerNote), List.of(matchedInner.getSuppressed()));
        assertEquals("inner", matchedInner.message());
    }

    /** An explicit cause is copied to derived groups; without one, each group's cause is its own first member. */
    @Test
    void explicitCauseIsCopiedAndDefaultCauseIsTheFirstMember() {
        Exception why = new Exception("upstream timed out");
        ExceptionGroup withCause = new ExceptionGroup("with cause", List.of(io, state), why);
        assertSame(why, withCause.getCause());
        ExceptionGroup.Split s = withCause.split(IllegalStateException.class);
        assertSame(why, s.matched().getCause());
        assertSame(why, s.rest().getCause());

        ExceptionGroup noCause = new ExceptionGroup("explicitly none", List.of(io, state), null);
        assertNull(noCause.getCause());
        assertNull(noCause.subgroup(IllegalStateException.class).getCause());

        ExceptionGroup plain = new ExceptionGroup("plain", List.of(io, state));
        assertSame(io, plain.getCause());
        assertSame(state, plain.subgroup(IllegalStateException.class).getCause());
    }

    /** When everything matches, the group itself is returned (nothing to derive); when nothing does, null. */
    @Test
    void fullAndEmptyMatches() {
        ExceptionGroup eg = new ExceptionGroup("g", List.of(io, new IOException("other")));
        assertSame(eg, eg.subgroup(IOException.class));
        ExceptionGroup.Split s = eg.split(IOException.class);
        assertSame(eg, s.matched());
        assertNull(s.rest());
        assertNull(eg.subgroup(IllegalStateException.class));
    }

    /**
     * ExceptionGroup is a RuntimeException, and the condition is tried on the group first (as in
     * PEP 654), so subgroup(RuntimeException.class) is the whole group; excluding groups in the
     * condition selects the leaves.
     */
    @Test
    void matchingTheGroupItselfReturnsItWhole() {
        ExceptionGroup inner = new ExceptionGroup("inner", List.of(io));
        ExceptionGroup eg = new ExceptionGroup("g", List.of(state, inner));
        assertSame(eg, eg.subgroup(RuntimeException.class));
        assertSame(eg, eg.subgroup(Exception.class));
        ExceptionGroup leaves = eg.subgroup(e -> e instanceof RuntimeException && !(e instanceof ExceptionGroup));
        assertEquals(List.of(state), leaves.exceptions());
        assertEquals("g", leaves.message());
    }

    /** The members keep their order in both parts, and each leaf lands in exactly one part. */
    @Test
    void splitPartitionsTheLeavesInOrder() {
        List<Throwable> members = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            members.add(i % 3 == 0 ? new IOException("io" + i) : new IllegalStateException("s" + i));
        }
        ExceptionGroup eg = new ExceptionGroup("many", members);
        ExceptionGroup.Split s = eg.split(IOException.class);
        List<Throwable> back = new ArrayList<>();
        back.addAll(s.matched().exceptions());
        back.addAll(s.rest().exceptions());
        assertEquals(members.size(), back.size());
        assertTrue(back.containsAll(members));
        assertEquals(members.stream().filter(IOException.class::isInstance).toList(), s.matched().exceptions());
        assertEquals(members.stream().filter(m -> !(m instanceof IOException)).toList(), s.rest().exceptions());
    }

    /** Bad construction fails clearly: an empty list, a null member. */
    @Test
    void badMembersAreRefusedClearly() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new ExceptionGroup("g", List.of()));
        assertTrue(empty.getMessage().contains("at least one"), empty.getMessage());
        List<Throwable> withNull = new ArrayList<>();
        withNull.add(io);
        withNull.add(null);
        NullPointerException npe = assertThrows(NullPointerException.class, () -> new ExceptionGroup("g", withNull));
        assertTrue(npe.getMessage().startsWith("exceptions[1] is null: "), npe.getMessage());
    }
}
