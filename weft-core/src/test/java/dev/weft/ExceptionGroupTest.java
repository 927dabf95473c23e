package dev.weft;

import static dev.weft.TestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ExceptionGroup}, the Java form of PEP 654's exception group: how it is built, what its
 * message says, and how {@code split}/{@code subgroup} stand in for {@code except*} (EXG-01,
 * EXG-06, EXG-07 in {@code docs/semantics.md}), both on hand-built groups and on groups thrown by a
 * real {@link TaskGroup}.
 */
class ExceptionGroupTest {

    /** A group needs a message and at least one member, none null; the error says which rule broke. */
    @Test
    void groupRefusesNoMembersAndNullMembers() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new ExceptionGroup("m", List.of()));
        assertTrue(empty.getMessage().contains("at least one"), empty.getMessage());
        List<Throwable> withNull = new ArrayList<>();
        withNull.add(new RuntimeException("a"));
        withNull.add(null);
        NullPointerException nullMember = assertThrows(NullPointerException.class,
                () -> new ExceptionGroup("m", withNull));
        assertTrue(nullMember.getMessage().contains("member"), nullMember.getMessage());
        assertThrows(NullPointerException.class, () -> new ExceptionGroup(null, List.of(new RuntimeException())));
    }

    /** The message counts the members and lists each one; the first member is the cause. */
    @Test
    void messageCountsAndListsTheMembers() {
        RuntimeException a = new RuntimeException("a");
        IOException b = new IOException("b");
        ExceptionGroup two = new ExceptionGroup("two failed", List.of(a, b));
        assertEquals("two failed (2 sub-exceptions)\n  " + a + "\n  " + b, two.getMessage());
        assertSame(a, two.getCause());
        ExceptionGroup one = new ExceptionGroup("one failed", List.of(b));
        assertTrue(one.getMessage().startsWith("one failed (1 sub-exception)"), one.getMessage());
    }

    /** The members are a copy taken at construction and cannot be changed through the group. */
    @Test
    void membersAreAnUnmodifiableCopy() {
        RuntimeException a = new RuntimeException("a");
        List<Throwable> source = new ArrayList<>(List.of(a));
        ExceptionGroup g = new ExceptionGroup("m", source);
        source.add(new RuntimeException("later"));
        assertEquals(List.of(a), g.exceptions());
        assertThrows(UnsupportedOperationException.class, () -> g.exceptions().add(new RuntimeException()));
    }

    /** A split where nothing matches, or everything does, returns the group itself on one side. */
    @Test
    void splitWithNoneOrAllMatchingReturnsTheGroupItself() {
        ExceptionGroup g = new ExceptionGroup("m", List.of(new IOException("1"), new IOException("2")));
        ExceptionGroup.Split none = g.split(ArithmeticException.class);
        assertNull(none.matched());
        assertSame(g, none.rest());
        ExceptionGroup.Split all = g.split(IOException.class);
        assertSame(g, all.matched());
        assertNull(all.rest());
        assertNull(g.subgroup(ArithmeticException.class));
    }

    /** A part made by split keeps the group's own message (counted anew) and its stack trace. */
    @Test
    void splitPartsKeepTheMessageAndStackTrace() {
        IOException io = new IOException("io");
        IllegalStateException ise = new IllegalStateException("ise");
        ExceptionGroup g = new ExceptionGroup("fetch failed", List.of(io, ise));
        ExceptionGroup.Split s = g.split(IOException.class);
        assertEquals("fetch failed (1 sub-exception)\n  " + io, s.matched().getMessage());
        assertEquals("fetch failed (1 sub-exception)\n  " + ise, s.rest().getMessage());
        assertEquals(List.of(g.getStackTrace()), List.of(s.matched().getStackTrace()));
    }

    /** A nested group is one member and is split recursively, never flattened (EXG-06). */
    @Test
    void nestedGroupsAreSplitRecursivelyAndNeverFlattened() {
        IOException inner1 = new IOException("inner");
        RuntimeException inner2 = new RuntimeException("inner2");
        ExceptionGroup inner = new ExceptionGroup("inner", List.of(inner1, inner2));
        RuntimeException outer1 = new RuntimeException("outer");
        ExceptionGroup outer = new ExceptionGroup("outer", List.of(outer1, inner));
        assertEquals(2, outer.exceptions().size());
        ExceptionGroup.Split s = outer.split(IOException.class);
        assertEquals(1, s.matched().exceptions().size());
        ExceptionGroup matchedInner = (ExceptionGroup) s.matched().exceptions().getFirst();
        assertEquals(List.of(inner1), matchedInner.exceptions());
        assertEquals(Set.of(outer1, inner2), Set.copyOf(leaves(s.rest())));
        assertTrue(s.rest().exceptions().get(1) instanceof ExceptionGroup, "the rest keeps the nesting too");
        assertNotNull(outer.subgroup(t -> t == inner), "the condition is tried on a nested group as a whole");
        assertSame(inner, outer.subgroup(t -> t == inner).exceptions().getFirst());
    }

    /**
     * An Error that is not a VirtualMachineError, and a checked exception, are grouped like any
     * other failure (TG-16).
     */
    @Test
    void errorsThatAreNotVirtualMachineErrorsAreGrouped() {
        AssertionError assertion = new AssertionError("an Error, not a VM error");
        Exception checked = new Exception("checked");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                throw assertion;
            });
            g.spawn(() -> {
                throw checked;
            });
            return null;
        }));
        assertEquals(Set.of(assertion, checked), Set.copyOf(eg.exceptions()));
        assertEquals(2, eg.exceptions().size());
    }

    /**
     * An ExceptionGroup from a real group can be matched by type as {@code except*} does: split
     * and subgroup keep the nesting, and the members stay reachable (EXG-07).
     */
    @Test
    void exceptionGroupSplitsByTypeKeepingNesting() {
        IOException io1 = new IOException("io1");
        IllegalStateException ise = new IllegalStateException("ise");
        IOException io2 = new IOException("io2");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                throw io1;
            });
            g.spawn(() -> {
                throw ise;
            });
            g.spawn(() -> TaskGroup.run(inner -> {
                inner.spawn(() -> {
                    throw io2;
                });
                return null;
            }));
            return null;
        }));
        assertEquals(3, eg.exceptions().size());
        assertEquals(Set.of(io1, ise, io2), Set.copyOf(leaves(eg)));
        assertThrows(UnsupportedOperationException.class, () -> eg.exceptions().add(new RuntimeException()));

        ExceptionGroup.Split split = eg.split(IOException.class);
        assertEquals(Set.of(io1, io2), Set.copyOf(leaves(split.matched())));
        assertTrue(split.matched().exceptions().stream().anyMatch(m -> m instanceof ExceptionGroup nested
                && nested.exceptions().equals(List.of(io2))), "the inner group's nesting is kept");
        assertEquals(List.of(ise), split.rest().exceptions());

        ExceptionGroup state = eg.subgroup(IllegalStateException.class);
        assertNotNull(state, "an IllegalStateException handler matches the group");
        assertEquals(List.of(ise), leaves(state));
        // As in PEP 654, the condition is tried on the group itself first, and an ExceptionGroup
        // is a RuntimeException (as Python's is an Exception): such a handler takes it whole.
        assertSame(eg, eg.subgroup(RuntimeException.class));
        assertSame(eg, eg.subgroup(Throwable.class));
        assertNull(eg.subgroup(ArithmeticException.class));
        ExceptionGroup.Split byIdentity = eg.split(t -> t == io2);
        assertEquals(List.of(io2), leaves(byIdentity.matched()));
        assertEquals(Set.of(io1, ise), Set.copyOf(leaves(byIdentity.rest())));
    }}
