package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link ContextVar} with CPython's {@code contextvars.ContextVar}
 * ({@code Lib/test/test_context.py}): creation, get/set, defaults versus unset, null as a value,
 * per-context bindings, and the messages of the errors a caller can provoke.
 *
 * <p>Each test uses variables it creates itself (JUnit makes a new instance per test), so values
 * that another test left in the test thread's context cannot interfere.
 */
class ContextVarTest {
    private final ContextVar<Integer> noDefault = ContextVar.of("counter");
    private final ContextVar<String> withDefault = ContextVar.of("user", "anonymous");

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    /** CTX-01: a variable needs a name; the message says how to give one. */
    @Test
    void creatingAVariableWithoutANameFailsWithAHelpfulMessage() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> ContextVar.of(null));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
        assertThrows(NullPointerException.class, () -> ContextVar.of(null, 1));
        NullPointerException b = assertThrows(NullPointerException.class, () -> ContextVar.builder(null));
        assertTrue(b.getMessage().contains("name"), b.getMessage());
    }

    /** CTX-01: the name given at creation is reported by name() and toString(). */
    @Test
    void nameIsTheOneGivenAtCreation() {
        assertEquals("counter", noDefault.name());
        assertEquals("user", withDefault.name());
        assertTrue(noDefault.toString().contains("counter"));
        assertTrue(withDefault.toString().contains("anonymous"), "toString shows the default");
        assertEquals("b", ContextVar.<String>builder("b").build().name());
    }

    /** CTX-01: variables are keys by identity: two variables with the same name are independent. */
    @Test
    void variablesWithTheSameNameAreDistinctKeys() {
        ContextVar<String> a = ContextVar.of("same");
        ContextVar<String> b = ContextVar.of("same");
        assertNotEquals(a, b);
        assertEquals(a, a);
        Context ctx = Context.empty();
        ctx.run(() -> a.set("from a"));
        assertTrue(ctx.contains(a));
        assertFalse(ctx.contains(b));
        assertNull(ctx.get(b));
        ctx.run(() -> assertEquals("fallback", b.get("fallback")));
        assertNotEquals("same".hashCode(), a.hashCode(), "the hash is not the name's hash");
    }

    /** CTX-01: the public context types are final: nobody can subclass them. */
    @Test
    void contextTypesAreFinal() {
        for (Class<?> c : List.of(ContextVar.class, Context.class, Token.class, ContextVar.Builder.class)) {
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " must be final");
        }
    }

    /** CTX-02: an unset variable without default: get() throws, get(fallback) returns the fallback. */
    @Test
    void unsetVariableWithoutDefaultThrowsOnGetAndReturnsFallback() {
        Context.empty().run(() -> {
            NoSuchElementException e = assertThrows(NoSuchElementException.class, noDefault::get);
            assertErrorNamesVarAndFix(e, "counter", "get(fallback)");
            assertEquals(7, noDefault.get(7));
            assertNull(noDefault.get(null));
        });
    }

    /** CTX-02: a thread that never touched a context reads every variable as unset. */
    @Test
    void threadWithNoContextReadsVariablesAsUnset() throws Exception {
        List<Object> seen = new ArrayList<>();
        Thread t = Thread.ofPlatform().start(() -> {
            seen.add(withDefault.get());
            seen.add(noDefault.get(-1));
            try {
                noDefault.get();
                seen.add("no exception");
            } catch (NoSuchElementException expected) {
                seen.add("unset");
            }
        });
        t.join();
        assertEquals(List.of("anonymous", -1, "unset"), seen);
    }

    /** CTX-03: a default is what get() returns while unset, but it is not stored in the context. */
    @Test
    void defaultIsSeenByGetButNotStoredInTheContext() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            assertEquals("anonymous", withDefault.get());
            Context now = Context.copyCurrent();
            assertFalse(now.contains(withDefault));
            assertNull(now.get(withDefault), "Context.get does not consult the default");
            assertEquals(0, now.size());
        });
        assertFalse(ctx.contains(withDefault));
        assertEquals(0, ctx.size());
    }

    /** CTX-02/03: get(fallback) prefers the fallback over the variable's default when unset. */
    @Test
    void fallbackWinsOverDefaultWhenUnset() {
        Context.empty().run(() -> {
            assertEquals("given", withDefault.get("given"));
            withDefault.set("set");
            assertEquals("set", withDefault.get("given"));
        });
    }

    /** CTX-04: set makes the value visible to get in the same context, replacing earlier ones. */
    @Test
    void setValueIsVisibleToGetAndReplacesTheOldOne() {
        Context.empty().run(() -> {
            noDefault.set(1);
            assertEquals(1, noDefault.get());
            noDefault.set(2);
            assertEquals(2, noDefault.get());
            withDefault.set("bob");
            assertEquals("bob", withDefault.get());
            assertEquals(2, Context.copyCurrent().size());
        });
    }

    /** null is a value like any other: set(null) is distinct from unset, for get, get(fallback), contains. */
    @Test
    void nullIsAValueDistinctFromUnset() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            Token<String> t = withDefault.set(null);
            assertNull(withDefault.get(), "null, not the default");
            assertNull(withDefault.get("fallback"), "null, not the fallback");
            assertTrue(Context.copyCurrent().contains(withDefault));
            assertFalse(t.hasOldValue());
            Token<String> t2 = withDefault.set("x");
            assertTrue(t2.hasOldValue());
            assertNull(t2.oldValue());
            withDefault.reset(t2);
            assertTrue(Context.copyCurrent().contains(withDefault), "reset restores null, not unset");
            assertNull(withDefault.get());
            withDefault.reset(t);
            assertEquals("anonymous", withDefault.get());
        });
        assertFalse(ctx.contains(withDefault));
    }

    /** A variable whose default is null returns null while unset, without throwing. */
    @Test
    void nullDefaultIsADefault() {
        ContextVar<String> v = ContextVar.of("nullable", null);
        Context.empty().run(() -> {
            assertNull(v.get());
            assertEquals("f", v.get("f"));
        });
        ContextVar<String> b = ContextVar.<String>builder("built").defaultValue(null).build();
        Context.empty().run(() -> assertNull(b.get()));
    }

    /** The builder's default behaves as of(name, default); without defaultValue() there is none. */
    @Test
    void builderDefaultsBehaveLikeFactoryDefaults() {
        ContextVar<Integer> d = ContextVar.<Integer>builder("d").defaultValue(5).build();
        ContextVar<Integer> none = ContextVar.<Integer>builder("none").build();
        Context.empty().run(() -> {
            assertEquals(5, d.get());
            assertThrows(NoSuchElementException.class, none::get);
            d.set(6);
            assertEquals(6, d.get());
        });
    }

    /** CTX-10: values are stored by reference and bindings are per context. */
    @Test
    void bindingsArePerContextAndValuesAreStoredByReference() {
        ContextVar<List<String>> list = ContextVar.of("list");
        List<String> outer = new ArrayList<>();
        Context.empty().run(() -> {
            list.set(outer);
            assertSame(outer, list.get());
            Context inner = Context.copyCurrent();
            inner.run(() -> {
                assertSame(outer, list.get(), "a copy holds the same object");
                List<String> mine = new ArrayList<>();
                list.set(mine);
                list.get().add("inner");
                assertSame(mine, list.get());
            });
            assertSame(outer, list.get());
            assertTrue(outer.isEmpty(), "the outer binding is another list, untouched");
            assertEquals(List.of("inner"), inner.get(list));
        });
    }

    /** A failed get changes nothing in the caller's context. */
    @Test
    void failedGetLeavesTheContextUnchanged() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            withDefault.set("kept");
            assertThrows(NoSuchElementException.class, noDefault::get);
            assertEquals("kept", withDefault.get());
            assertEquals(1, Context.copyCurrent().size());
        });
        assertEquals(1, ctx.size());
    }

    /** Every var-related error message names the variable and says what to do instead. */
    @Test
    void errorMessagesNameTheVariableAndTheFix() {
        Context.empty().run(() -> {
            assertErrorNamesVarAndFix(assertThrows(NoSuchElementException.class, noDefault::get),
                    "counter", "ContextVar.of(name, default)");
            Token<Integer> t = noDefault.set(1);
            assertErrorNamesVarAndFix(assertThrows(NoSuchElementException.class, t::oldValue),
                    "counter", "hasOldValue()");
            ContextVar<Integer> other = ContextVar.of("other");
            assertErrorNamesVarAndFix(assertThrows(IllegalArgumentException.class, () -> other.reset(t)),
                    "counter", "counter.reset(token)");
            noDefault.reset(t);
            IllegalStateException used = assertThrows(IllegalStateException.class, () -> noDefault.reset(t));
            assertErrorNamesVarAndFix(used, "counter", "only once");
        });
        Token<Integer> elsewhere = Context.empty().call(() -> noDefault.set(3));
        assertErrorNamesVarAndFix(assertThrows(IllegalArgumentException.class, () -> noDefault.reset(elsewhere)),
                "counter", "same task or Context.run body");
    }

    /** Null arguments are rejected with a NullPointerException that carries a message. */
    @Test
    void nullArgumentsAreRejectedWithAMessage() {
        NullPointerException reset = assertThrows(NullPointerException.class, () -> noDefault.reset(null));
        assertNotNullMessage(reset);
        NullPointerException fork = assertThrows(NullPointerException.class,
                () -> ContextVar.<String>builder("f").onFork(null));
        assertNotNullMessage(fork);
    }

    static void assertErrorNamesVarAndFix(Throwable e, String varName, String fix) {
        String m = e.getMessage();
        assertTrue(m != null && m.contains("'" + varName + "'"), () -> "message should name '" + varName + "': " + m);
        assertTrue(m.contains(fix), () -> "message should say the fix (" + fix + "): " + m);
    }

    static void assertNotNullMessage(Throwable e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), () -> e + " has no message");
    }
}
