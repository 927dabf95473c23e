package dev.weft;

import static dev.weft.ContextVarTest.assertNotNullMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link Context} with CPython's {@code contextvars.Context}
 * ({@code Lib/test/test_context.py}, CXO-01..CXO-10): the read-only mapping view, run/call
 * semantics, snapshots, copies, and the one-thread-at-a-time rule for entering.
 *
 * <p>Python's {@code ctx.run(fn, *args)} forwards arguments; in Java a lambda captures them, so
 * the Java meaning of CXO-04 is "the body's result and exceptions come back unchanged". Context
 * has no content {@code equals} (CXO-09 compares contents): {@link #contents} does that here.
 */
class ContextTest {
    private final ContextVar<String> a = ContextVar.of("a");
    private final ContextVar<String> b = ContextVar.of("b", "b-default");

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    /** The contents of a context as a plain map (not atomic; for single-threaded checks). */
    static Map<ContextVar<?>, Object> contents(Context ctx) {
        Map<ContextVar<?>, Object> m = new HashMap<>();
        for (ContextVar<?> v : ctx.vars()) {
            m.put(v, ctx.get(v));
        }
        return m;
    }

    /** CXO-01: a new context is empty. */
    @Test
    void newContextIsEmpty() {
        Context ctx = Context.empty();
        assertEquals(0, ctx.size());
        assertTrue(ctx.vars().isEmpty());
        assertFalse(ctx.contains(a));
        assertNull(ctx.get(a));
        assertNotSame(ctx, Context.empty(), "each call gives a new context");
        assertEquals("Context{}", ctx.toString());
    }

    /** CXO-01: copyCurrent returns a snapshot of the current context, not the context itself. */
    @Test
    void copyCurrentIsASnapshotOfTheCurrentContext() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("x");
            Context snap = Context.copyCurrent();
            assertNotSame(ctx, snap);
            assertEquals(Map.of(a, "x"), contents(snap));
        });
    }

    /** CXO-02: a null key is rejected with a message, by every lookup. */
    @Test
    void nullKeyIsRejected() {
        Context ctx = Context.empty();
        assertNotNullMessage(assertThrows(NullPointerException.class, () -> ctx.get(null)));
        assertNotNullMessage(assertThrows(NullPointerException.class, () -> ctx.contains(null)));
        assertNotNullMessage(assertThrows(NullPointerException.class, () -> ctx.run(null)));
        assertNotNullMessage(assertThrows(NullPointerException.class, () -> ctx.call(null)));
    }

    /** CXO-03: the mapping view: contains, get (null when absent), size, vars (a snapshot, unmodifiable), toString. */
    @Test
    void contextIsAReadOnlyMapping() {
        ContextVar<String> n = ContextVar.of("n");
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("1");
            b.set("2");
            n.set(null);
        });
        assertEquals(3, ctx.size());
        assertEquals(Set.of(a, b, n), ctx.vars());
        assertTrue(ctx.contains(a) && ctx.contains(b) && ctx.contains(n));
        assertEquals("1", ctx.get(a));
        assertEquals("2", ctx.get(b));
        assertNull(ctx.get(n));
        assertTrue(ctx.toString().contains("a=1"), ctx.toString());
        Set<ContextVar<?>> vars = ctx.vars();
        assertThrows(UnsupportedOperationException.class, () -> vars.add(ContextVar.of("x")));
        ctx.run(() -> ContextVar.of("later").set("v"));
        assertEquals(3, vars.size(), "vars() is a snapshot");
        assertEquals(4, ctx.size());
    }

    /** CXO-04: call returns the body's result; run and call let exceptions through unchanged (checked ones too). */
    @Test
    void runAndCallPassResultsAndExceptionsUnchanged() {
        Context ctx = Context.empty();
        Object result = new Object();
        assertSame(result, ctx.call(() -> result));
        assertNull(ctx.call(() -> null));

        IOException checked = new IOException("io");
        IOException gotChecked = assertThrows(IOException.class, () -> ctx.call(() -> {
            throw checked;
        }));
        assertSame(checked, gotChecked);
        assertEquals(0, gotChecked.getSuppressed().length);

        IllegalStateException unchecked = new IllegalStateException("state");
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> ctx.run(() -> {
            throw unchecked;
        })));
        StackOverflowError error = new StackOverflowError("deep");
        assertSame(error, assertThrows(StackOverflowError.class, () -> ctx.run(() -> {
            throw error;
        })));
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Object absorbed = CancelScope.run(s -> {
            s.cancel();
            try {
                return ctx.call(() -> {
                    Weft.checkpoint();
                    return "not reached";
                });
            } catch (CancelledException e) {
                seen.set(e);
                throw e;
            }
        });
        assertNull(absorbed, "the scope absorbed the cancellation that call let through");
        assertTrue(seen.get() instanceof CancelledException, String.valueOf(seen.get()));
        assertEquals(0, ctx.size());
    }

    /** CXO-05: sets inside run go into the entered context, visible at once and afterwards, not in the caller's. */
    @Test
    void setsDuringRunStayInTheEnteredContext() {
        Context caller = Context.empty();
        Context ctx = Context.empty();
        caller.run(() -> {
            a.set("caller");
            ctx.run(() -> {
                assertFalse(Context.copyCurrent().contains(a), "the entered context does not see the caller's");
                a.set("inside");
                assertEquals("inside", ctx.get(a), "visible through ctx at once");
                b.set("b-inside");
            });
            assertEquals("caller", a.get());
            assertEquals("b-default", b.get());
            assertFalse(Context.copyCurrent().contains(b));
        });
        assertEquals(Map.of(a, "inside", b, "b-inside"), contents(ctx));
        assertEquals(Map.of(a, "caller"), contents(caller));
    }

    /** CXO-05: a context can be entered again later, and the values set before are still there. */
    @Test
    void reenteringLaterSeesEarlierSets() {
        Context ctx = Context.empty();
        ctx.run(() -> a.set("first"));
        ctx.run(() -> {
            assertEquals("first", a.get());
            a.set("second");
        });
        assertEquals("second", ctx.call(a::get));
    }

    /** CXO-06: a body that sets and then throws leaves the caller's context without the variable. */
    @Test
    void throwingBodyDoesNotLeakItsSetsIntoTheCaller() {
        Context caller = Context.empty();
        Context ctx = Context.empty();
        caller.run(() -> {
            assertThrows(ArithmeticException.class, () -> ctx.run(() -> {
                a.set("spam");
                throw new ArithmeticException();
            }));
            assertFalse(Context.copyCurrent().contains(a));
            assertThrows(NoSuchElementException.class, a::get);
        });
        assertEquals("spam", ctx.get(a), "the set stayed where it was made");
        assertEquals(0, caller.size());
    }

    /** CXO-07: entering a context nested in itself, by run or call, fails with a message saying to copy. */
    @Test
    void enteringAContextNestedInItselfFails() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("outer");
            AtomicBoolean ran = new AtomicBoolean();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.run(() -> ran.set(true)));
            assertTrue(e.getMessage().contains("already entered") && e.getMessage().contains("copy()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> ctx.call(() -> ran.getAndSet(true)));
            assertFalse(ran.get(), "the body did not run");
            assertEquals("outer", a.get(), "still in ctx, unchanged");
            a.set("after");
            Context other = Context.empty();
            other.run(() -> assertThrows(IllegalStateException.class, () -> ctx.run(() -> { })));
            assertEquals("after", a.get());
        });
        assertEquals("after", ctx.get(a));
        ctx.run(() -> assertEquals("after", a.get()));
    }

    /** CXO-07: a context entered by one thread cannot be entered by another until it is left. */
    @Test
    void contextEnteredByAnotherThreadCannotBeEntered() throws Exception {
        Context ctx = Context.empty();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> ownerFailure = new AtomicReference<>();
        Thread owner = Thread.ofPlatform().name("ctx-owner").start(() -> {
            try {
                ctx.run(() -> {
                    a.set("owner");
                    entered.countDown();
                    try {
                        TestSupport.await(release, "release");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertEquals("owner", a.get());
                });
            } catch (Throwable t) {
                ownerFailure.set(t);
            }
        });
        try {
            TestSupport.await(entered, "entered");
            Context before = Context.copyCurrent();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.run(() -> fail("ran")));
            assertTrue(e.getMessage().contains("ctx-owner") && e.getMessage().contains("copy()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> ctx.call(() -> 1));
            assertEquals(contents(before), contents(Context.copyCurrent()), "the caller's context did not change");
            // Reading and copying the entered context from another thread is allowed.
            assertEquals("owner", ctx.get(a));
            Context copy = ctx.copy();
            copy.run(() -> assertEquals("owner", a.get()));
        } finally {
            release.countDown();
            owner.join();
        }
        if (ownerFailure.get() != null) {
            throw new AssertionError(ownerFailure.get());
        }
        ctx.run(() -> assertEquals("owner", a.get()));
    }

    /** CXO-07: a task spawned in exactly a context that its spawner has entered fails to start its body. */
    @Test
    void taskInAContextEnteredByItsSpawnerFails() {
        Context ctx = Context.empty();
        AtomicBoolean ran = new AtomicBoolean();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> ctx.run(() -> TaskGroup.run(g -> {
            g.spawn(() -> ran.getAndSet(true), ctx);
            return null;
        })));
        assertEquals(1, eg.exceptions().size());
        assertTrue(eg.exceptions().getFirst() instanceof IllegalStateException, eg.toString());
        assertFalse(ran.get());
    }

    /** CXO-08: a nested run of another context switches completely, and the outer values come back after. */
    @Test
    void nestedRunSwitchesCompletely() {
        Context ctx1 = Context.empty();
        Context ctx2 = Context.empty();
        ctx1.run(() -> {
            a.set("one");
            ctx2.run(() -> {
                assertThrows(NoSuchElementException.class, a::get, "ctx2 does not see ctx1");
                assertEquals("b-default", b.get());
                b.set("two");
            });
            assertEquals("one", a.get());
            assertEquals("b-default", b.get());
        });
        assertEquals(Map.of(a, "one"), contents(ctx1));
        assertEquals(Map.of(b, "two"), contents(ctx2));
    }

    /** CXO-09: a copy taken inside run has ctx's contents; later sets and resets do not change the snapshot. */
    @Test
    void snapshotsAreImmutable() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            Token<String> t = a.set("v1");
            Context snap1 = Context.copyCurrent();
            assertEquals(contents(ctx), contents(snap1));
            a.set("v2");
            b.set("b2");
            Context snap2 = Context.copyCurrent();
            a.reset(t);
            assertEquals(Map.of(a, "v1"), contents(snap1));
            assertEquals(Map.of(a, "v2", b, "b2"), contents(snap2));
            assertEquals(Map.of(b, "b2"), contents(ctx));
        });
    }

    /** CXO-10: a copy is independent both ways: sets in the copy stay there, later sets in the original do not reach it. */
    @Test
    void copyIsIndependentBothWays() {
        Context original = Context.empty();
        original.run(() -> a.set("orig"));
        Context copy = original.copy();
        assertNotSame(original, copy);
        assertEquals(contents(original), contents(copy));
        copy.run(() -> {
            assertEquals("orig", a.get());
            a.set("in copy");
            b.set("only copy");
        });
        original.run(() -> {
            assertEquals("orig", a.get());
            a.set("orig2");
        });
        assertEquals(Map.of(a, "orig2"), contents(original));
        assertEquals(Map.of(a, "in copy", b, "only copy"), contents(copy));
        Context copyOfCopy = copy.copy();
        copy.run(() -> a.set("x"));
        assertEquals("in copy", copyOfCopy.get(a));
    }

    /** A copy may be entered while the original is entered (the rule is per object). */
    @Test
    void copyOfAnEnteredContextCanBeEnteredNested() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            a.set("outer");
            Context copy = ctx.copy();
            copy.run(() -> {
                assertEquals("outer", a.get());
                a.set("inner");
            });
            assertEquals("outer", a.get());
            assertEquals("inner", copy.get(a));
        });
    }

    /** run restores the caller's context on every exit path, even on a thread that had no context at all. */
    @Test
    void runRestoresTheCallersContextOnAThreadWithNoContext() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                Context ctx = Context.empty();
                assertThrows(IllegalStateException.class, () -> ctx.run(() -> {
                    a.set("in");
                    throw new IllegalStateException();
                }));
                assertNull(a.get(null), "back to no context");
                assertEquals(0, Context.copyCurrent().size());
                a.set("own");
                ctx.run(() -> assertEquals("in", a.get()));
                assertEquals("own", a.get());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    /** Entering an empty context hides every value of the caller, defaults apply again. */
    @Test
    void emptyContextHidesTheCallersValues() {
        Context.empty().run(() -> {
            a.set("x");
            b.set("y");
            Context.empty().run(() -> {
                assertEquals("b-default", b.get());
                assertEquals("fallback", a.get("fallback"));
            });
            assertEquals("y", b.get());
        });
    }
}
