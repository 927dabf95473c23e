package dev.weft;

import static dev.weft.ContextVarTest.assertErrorNamesVarAndFix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link Token} with CPython's {@code contextvars.Token}
 * ({@code Lib/test/test_context.py}): what a token records, reset semantics (once, non-LIFO, only
 * for its variable, only in its context), and tokens as try-with-resources blocks (CTX-13..16).
 *
 * <p>Every test runs its sets inside a fresh {@link Context#empty()} (or uses variables of its
 * own), so no test depends on what another left in the test thread's context.
 */
class TokenTest {
    private final ContextVar<Object> var = ContextVar.of("var");
    private final ContextVar<Integer> withDefault = ContextVar.of("level", 0);

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    /** CTX-04: a token holds its variable and the previous value, or "missing" when there was none. */
    @Test
    void tokenRecordsVariableAndPreviousValueOrMissing() {
        Context.empty().run(() -> {
            Token<Object> first = var.set("a");
            assertSame(var, first.var());
            assertFalse(first.hasOldValue());
            NoSuchElementException e = assertThrows(NoSuchElementException.class, first::oldValue);
            assertErrorNamesVarAndFix(e, "var", "hasOldValue()");
            Token<Object> second = var.set("b");
            assertTrue(second.hasOldValue());
            assertEquals("a", second.oldValue());
            assertTrue(second.toString().contains("var"));
        });
    }

    /** CTX-04: with a default but nothing set, the old value is still "missing", not the default. */
    @Test
    void defaultIsNotTheOldValue() {
        Context.empty().run(() -> {
            Token<Integer> t = withDefault.set(1);
            assertFalse(t.hasOldValue());
        });
    }

    /** CTX-05: reset restores the recorded value; resetting a first set removes the variable entirely. */
    @Test
    void resetRestoresOldValueOrRemovesTheVariable() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            Token<Object> t0 = var.set("a");
            Token<Object> t1 = var.set("b");
            var.reset(t1);
            assertEquals("a", var.get());
            var.reset(t0);
            assertThrows(NoSuchElementException.class, var::get);
            assertFalse(Context.copyCurrent().contains(var));
            assertEquals(0, Context.copyCurrent().size());

            Token<Integer> d = withDefault.set(5);
            withDefault.reset(d);
            assertEquals(0, withDefault.get(), "the default is visible again");
        });
        assertEquals(0, ctx.size());
        assertFalse(ctx.vars().contains(var));
    }

    /** CTX-06: a token works once; the second reset fails and leaves the current value alone. */
    @Test
    void tokenResetsOnlyOnceAndSecondResetChangesNothing() {
        Context.empty().run(() -> {
            Token<Object> t = var.set("a");
            var.reset(t);
            var.set("later");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> var.reset(t));
            assertTrue(e.getMessage().contains("already been used"), e.getMessage());
            assertEquals("later", var.get());
            assertThrows(IllegalStateException.class, t::close);
            assertEquals("later", var.get());
            assertTrue(t.toString().contains("used"));
        });
    }

    /** CTX-07: resets need not be last-in-first-out; the oldest token restores "absent". */
    @Test
    void resetsNeedNotBeLastInFirstOut() {
        Context.empty().run(() -> {
            Token<Object> t0 = var.set(42);
            Token<Object> t = var.set("spam");
            var.reset(t);
            assertEquals(42, var.get());
            var.set("spam2"); // no token kept
            assertEquals("spam2", var.get());
            var.reset(t0);
            assertFalse(Context.copyCurrent().contains(var));

            // Out of order: the older token first, then the newer one restores the older value.
            Token<Object> a = var.set("x");
            Token<Object> b = var.set("y");
            var.reset(a);
            assertFalse(Context.copyCurrent().contains(var));
            var.reset(b);
            assertEquals("x", var.get(), "b restores what it saw: x");
        });
    }

    /** CTX-08: a token made by one variable cannot reset another; nothing changes. */
    @Test
    void tokenOfAnotherVariableIsRejected() {
        ContextVar<Object> other = ContextVar.of("other");
        Context.empty().run(() -> {
            Token<Object> t = var.set("mine");
            other.set("theirs");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.reset(t));
            assertErrorNamesVarAndFix(e, "var", "var.reset(token)");
            assertTrue(e.getMessage().contains("'other'"), e.getMessage());
            assertEquals("mine", var.get());
            assertEquals("theirs", other.get());
            var.reset(t); // still usable by its own variable
            assertFalse(Context.copyCurrent().contains(var));
        });
    }

    /** CTX-09: a token made while another context was current cannot reset outside it, and vice versa. */
    @Test
    void tokenFromAnotherContextIsRejectedAndStaysUsable() {
        Context inner = Context.empty();
        Context outer = Context.empty();
        outer.run(() -> {
            var.set("outer");
            Token<Object> madeInner = inner.call(() -> var.set(1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> var.reset(madeInner));
            assertErrorNamesVarAndFix(e, "var", "different Context");
            assertEquals("outer", var.get(), "the failed reset changed nothing here");
            assertEquals(1, inner.get(var), "nor there");

            Token<Object> madeOuter = var.set("outer2");
            inner.run(() -> {
                assertThrows(IllegalArgumentException.class, madeOuter::close);
                assertEquals(1, var.get());
                // The failed reset did not use the token up: it still works in its own context.
                var.reset(madeInner);
                assertFalse(Context.copyCurrent().contains(var));
            });
            madeOuter.close();
            assertEquals("outer", var.get());
        });
    }

    /** CTX-09: a copy of a context is another context: its tokens do not work in the original. */
    @Test
    void tokenFromACopyIsRejectedInTheOriginal() {
        Context original = Context.empty();
        Token<Object> t = original.call(() -> {
            Token<Object> made = var.set("a");
            Context copy = Context.copyCurrent();
            copy.run(() -> assertThrows(IllegalArgumentException.class, () -> var.reset(made)));
            return made;
        });
        original.run(() -> var.reset(t));
        assertFalse(original.contains(var));
    }

    /** CTX-09: a token passed to a thread without a context, or to a task, cannot be reset there. */
    @Test
    void tokenCannotBeResetFromAnotherThreadOrTask() throws Exception {
        Context ctx = Context.empty();
        Token<Object> t = ctx.call(() -> var.set("a"));
        AtomicReference<Throwable> raw = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                var.reset(t);
            } catch (Throwable e) {
                raw.set(e);
            }
        });
        thread.join();
        assertTrue(raw.get() instanceof IllegalArgumentException, String.valueOf(raw.get()));
        Throwable inTask = ctx.call(() -> TaskGroup.run(g -> g.spawn(() -> {
            try {
                t.close();
                return null;
            } catch (IllegalArgumentException e) {
                return e;
            }
        }).join()));
        assertTrue(inTask instanceof IllegalArgumentException, String.valueOf(inTask));
        assertEquals("a", ctx.get(var));
        ctx.run(t::close);
        assertFalse(ctx.contains(var));
    }

    /** CTX-13: a token as try-with-resources restores the default at the end of the block. */
    @Test
    void tokenBlockRestoresTheDefault() {
        Context.empty().run(() -> {
            try (Token<Integer> t = withDefault.set(3)) {
                assertEquals(3, withDefault.get());
                try (Token<Integer> u = withDefault.set(4)) {
                    assertEquals(4, withDefault.get());
                }
                assertEquals(3, withDefault.get());
            }
            assertEquals(0, withDefault.get());
            assertFalse(Context.copyCurrent().contains(withDefault));
        });
    }

    /** CTX-13: without a default, after the block get() throws again. */
    @Test
    void tokenBlockRestoresUnsetWithoutDefault() {
        Context.empty().run(() -> {
            try (Token<Object> t = var.set("in")) {
                assertEquals("in", var.get());
            }
            assertThrows(NoSuchElementException.class, var::get);
        });
    }

    /** CTX-14: when the block's body throws, the value is restored and the same exception propagates. */
    @Test
    void tokenBlockRestoresOnExceptionAndPassesItThrough() {
        RuntimeException boom = new IllegalStateException("boom");
        Context.empty().run(() -> {
            var.set("before");
            RuntimeException caught = assertThrows(RuntimeException.class, () -> {
                try (Token<Object> t = var.set("inside")) {
                    throw boom;
                }
            });
            assertSame(boom, caught);
            assertEquals(0, caught.getSuppressed().length);
            assertEquals("before", var.get());
        });
    }

    /** CTX-15: untokened sets inside a block are undone at its end, back to the value before the block. */
    @Test
    void tokenBlockDiscardsUntokenedSetsInside() {
        Context.empty().run(() -> {
            var.set("before");
            try (Token<Object> t = var.set("block")) {
                var.set("x");
                var.set("y");
                assertEquals("y", var.get());
            }
            assertEquals("before", var.get());
        });
    }

    /** CTX-16: the same token used as two nested blocks: the outer end fails, the value is the original. */
    @Test
    void reenteredTokenBlockFailsAtTheOuterEnd() {
        Context.empty().run(() -> {
            var.set("original");
            Token<Object> t = var.set("block");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                try (Token<Object> outer = t) {
                    try (Token<Object> inner = t) {
                        assertEquals("block", var.get());
                    }
                    assertEquals("original", var.get());
                }
            });
            assertTrue(e.getMessage().contains("already been used"), e.getMessage());
            assertEquals("original", var.get());
        });
    }

    /** CTX-16: resetting the block's own token inside the block makes the block's end fail. */
    @Test
    void explicitResetOfTheBlocksTokenMakesItsEndFail() {
        Context.empty().run(() -> {
            var.set("original");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                try (Token<Object> t = var.set("block")) {
                    var.reset(t);
                    assertEquals("original", var.get());
                }
            });
            assertTrue(e.getMessage().contains("already been used"), e.getMessage());
            assertEquals("original", var.get());
        });
    }

    /** CTX-16: resetting a different token made inside the block is fine; the block still restores. */
    @Test
    void resettingAnotherTokenInsideTheBlockIsFine() {
        Context.empty().run(() -> {
            var.set("original");
            try (Token<Object> t = var.set("block")) {
                Token<Object> inner = var.set("inner");
                var.reset(inner);
                assertEquals("block", var.get());
            }
            assertEquals("original", var.get());
        });
    }

    /** CTX-14 in Java: if the body throws and the close fails too, the body's exception wins, the close's is suppressed. */
    @Test
    void failingCloseIsSuppressedUnderTheBodysException() {
        Context.empty().run(() -> {
            var.set("original");
            RuntimeException boom = new RuntimeException("boom");
            RuntimeException caught = assertThrows(RuntimeException.class, () -> {
                try (Token<Object> t = var.set("block")) {
                    var.reset(t);
                    throw boom;
                }
            });
            assertSame(boom, caught);
            assertEquals(1, caught.getSuppressed().length);
            assertTrue(caught.getSuppressed()[0] instanceof IllegalStateException);
            assertEquals("original", var.get());
        });
    }

    /** A token made in a thread's implicit context (no Context.run) works there, and not inside a run. */
    @Test
    void tokenOfTheThreadsOwnContextWorksOnlyThere() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Token<Object> own = var.set("own");
                Context.empty().run(() -> assertThrows(IllegalArgumentException.class, own::close));
                assertEquals("own", var.get());
                own.close();
                assertNull(var.get(null));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}
