package dev.weft;

import dev.weft.internal.Hamt;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A variable whose value belongs to the current {@link Context}, as Python's
 * {@code contextvars.ContextVar} (PEP 567): each task, and each body run with
 * {@link Context#run}, sees the values of its own context, and {@link #set} changes only that
 * context.
 *
 * <pre>{@code
 * static final ContextVar<String> CLIENT = ContextVar.of("client", "-");
 *
 * try (var t = CLIENT.set(address)) {   // Token.close() resets
 *     handle(request);                 // every task spawned here sees address
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>{@code null} is a value like any other, distinct from "unset".
 * <li>{@link #set} returns a {@link Token} that restores the previous state once, only in the
 *     context that made it, and only for this variable.
 * <li>Variables are compared by identity; declare them once, as {@code static final} fields.
 * <li>A variable built with {@link Builder#onFork} gets a copy of its value in every child context
 *     (a spawned task, a {@link Context#copy()}, a {@link Context#wrap}ped callback), so a mutable
 *     value is not shared by accident: Python's shallow-copy trap made impossible.
 * </ul>
 *
 * @implNote {@link #get} is a cache check: each variable keeps the last (context, map, value) it
 * read, valid as long as that context is current on the reading thread and its map is the same
 * object, as CPython's {@code ContextVar} cache does. "Current here" is one field load
 * ({@code Context.current}: a thread that finds itself there has that context current), so a hit
 * reads no {@link ThreadLocal}. A miss reads the current context from its {@code ThreadLocal} and
 * costs one trie lookup, O(log32 n) in the number of variables set. There are two such entries;
 * each belongs to the thread that filled it until that thread ends, so that threads sharing a
 * variable never write an entry in turn, and two threads reading the variable in different
 * contexts both hit.
 * Invariant: an entry pairs a map with this variable's value in that map (or MISSING). A frozen
 * map never changes, so such an entry is right whoever wrote it and however stale it is. An open
 * map (see {@link Context}) changes in place, but only by its context's writer, who after writing
 * this variable in it drops this variable's entries for that map ({@link #forget}); the only
 * thread that reads through an open map is that writer, so no one sees a dropped pair again. The
 * entries are immutable records, so a racy read sees a whole pair.
 * <p>{@link #set} likewise keeps the last place it wrote ({@code Place}): the slot in its
 * context's open map, usable while that context is current on the setting thread and the map's
 * layout has not moved, so that setting a variable again costs one slot write. One thread keeps a
 * place at a time, until it ends (the place keeps it reachable until then); other threads set by
 * the walk, as before.
 *
 * @param <T> the type of the value
 */
public final class ContextVar<T> {
    /** Marks "no value" in a context's map and in tokens; never visible to users. */
    static final Object MISSING = new Object() {
        @Override
        public String toString() {
            return "<MISSING>";
        }
    };

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final T defaultValue;
    private final boolean hasDefault;
    private final UnaryOperator<T> onFork;
    private final int hash;

    /**
     * The last lookup: valid while the current context's map is {@code map}. Written and read by
     * any thread without synchronization; the record's final fields make a racy read see either
     * the old or the new pair, never a mix.
     */
    private Cached cached;
    /** A second entry, for a second thread reading this variable in another context; as {@link #cached}. */
    private Cached second;
    /**
     * Where this variable's value was last located by a set, for the fast path of the next one;
     * written and read by any thread without synchronization, as {@link #cached}.
     */
    private Place place;

    /**
     * This variable's value sits in {@code slot} of {@code map}, the open map of {@code context},
     * found by {@code owner} when the map's layout was {@code layout}. Only {@code owner} uses it
     * (one read of this immutable record tells another thread so, without reading
     * {@code context}, whose line its writer keeps writing). A set may write there at once while
     * {@code context} is current on its thread ({@code Context.current}), its map is still
     * {@code map} and the layout has not moved: then the thread is the context's writer, the map
     * is open (freezing moves the layout) and no in-place operation has moved or dropped the slot
     * since. Immutable; the final fields make a racy read see a whole place and the slot as it was
     * located, and a place is only ever written into by the thread that has its context current.
     * A place keeps its context, map and thread reachable until the variable's next kept place
     * replaces it, as {@link #cached} keeps the last read's.
     */
    private record Place(Context context, Hamt<ContextVar<?>, Object> map, int layout, Hamt.Slot slot,
                         Thread owner) {
    }

    /**
     * A cached lookup: {@code value} is this variable's in {@code map}, which was the map of
     * {@code context}; {@code owner} is the thread that may replace it (see {@link #lookupCurrent}).
     */
    private record Cached(Context context, Hamt<ContextVar<?>, Object> map, Object value, Thread owner) {
        /** Whether this entry answers a read here: its context is current on this thread, its map unchanged. */
        boolean servesHere() {
            Context c = context;
            return c.current == Thread.currentThread() && c.map == map;
        }
    }

    private ContextVar(String name, boolean hasDefault, T defaultValue, UnaryOperator<T> onFork) {
        this.name = Args.nonNull(name, "name", "a ContextVar needs a name, e.g. ContextVar.of(\"request-id\")");
        this.hasDefault = hasDefault;
        this.defaultValue = defaultValue;
        this.onFork = onFork;
        // Sequential hashes fill the trie's 32-way root in order: up to 32 variables live in one
        // node, and no two variables collide before 2^32 have been created.
        this.hash = SEQUENCE.incrementAndGet();
    }

    /**
     * Creates a variable with no default: {@link #get()} throws while it is unset.
     *
     * @param name a name for messages and debugging
     * @param <T> the value type
     * @return the new variable
     */
    public static <T> ContextVar<T> of(String name) {
        return new ContextVar<>(name, false, null, null);
    }

    /**
     * Creates a variable whose {@link #get()} returns {@code defaultValue} while it is unset.
     *
     * @param name a name for messages and debugging
     * @param defaultValue the value seen while unset; may be null
     * @param <T> the value type
     * @return the new variable
     */
    public static <T> ContextVar<T> of(String name, T defaultValue) {
        return new ContextVar<>(name, true, defaultValue, null);
    }

    /**
     * Starts building a variable with more options.
     *
     * @param name a name for messages and debugging
     * @param <T> the value type
     * @return a builder
     */
    public static <T> Builder<T> builder(String name) {
        return new Builder<>(Args.nonNull(name, "name", "a ContextVar needs a name, e.g. ContextVar.builder(\"request-id\")"));
    }

    /**
     * Returns the name given at creation.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the value in the current context, or the default.
     *
     * @return the value
     * @throws NoSuchElementException if the variable is unset and has no default
     */
    @SuppressWarnings("unchecked")
    public T get() {
        Object v = lookup();
        if (v != MISSING) {
            return (T) v;
        }
        if (hasDefault) {
            return defaultValue;
        }
        throw new NoSuchElementException("ContextVar '" + name + "' has no value in the current context"
                + " and no default: set it first, use get(fallback), or create it with ContextVar.of(name, default)");
    }

    /**
     * Returns the value in the current context, or {@code fallback} when unset (the variable's
     * default is not consulted).
     *
     * @param fallback what to return when unset
     * @return the value or {@code fallback}
     */
    @SuppressWarnings("unchecked")
    public T get(T fallback) {
        Object v = lookup();
        return v != MISSING ? (T) v : fallback;
    }

    private Object lookup() {
        // A hit: the entry's context is current on this thread (Context.current, no ThreadLocal
        // read) and its map has not moved since the entry was made.
        Cached c = cached;
        if (c != null && c.servesHere()) {
            return c.value;
        }
        return lookupSecond(c);
    }

    /** The first entry missed: try the second, then the trie (kept apart so lookup stays small). */
    private Object lookupSecond(Cached c) {
        Cached d = second;
        if (d != null && d.servesHere()) {
            return d.value;
        }
        return lookupCurrent(c, d);
    }

    /** Both entries missed by their contexts: read the current context, then the trie. */
    private Object lookupCurrent(Cached c, Cached d) {
        Context ctx = Context.currentOrNull();
        if (ctx == null) {
            return MISSING;
        }
        Hamt<ContextVar<?>, Object> map = ctx.map;
        // An entry for this map made in another context that shares it (a frozen map, shared
        // by a copy) is right here too.
        if (c != null && c.map == map) {
            return c.value;
        }
        if (d != null && d.map == map) {
            return d.value;
        }
        Object v = map.getOrDefault(this, MISSING);
        // Only the thread that wrote an entry replaces it (or anyone, once that thread has
        // ended): threads reading the same variable in different contexts would otherwise
        // write the field in turn and bounce its cache line between cores, which cost 7x a
        // ThreadLocal read with two threads (ContextBenchmark.contextVarGetTwoThreads). A second
        // thread takes the second entry; a third and later ones pay one trie lookup instead.
        Thread me = Thread.currentThread();
        if (c == null || c.owner == me || !c.owner.isAlive()) {
            cached = new Cached(ctx, map, v, me);
        } else if (d == null || d.owner == me || !d.owner.isAlive()) {
            second = new Cached(ctx, map, v, me);
        }
        return v;
    }

    /**
     * Drops this variable's cache entries for {@code map}: the writer of the open map {@code map}
     * has just changed this variable in it, in place. Called by that writer only.
     */
    void forget(Hamt<ContextVar<?>, Object> map) {
        Cached c = cached;
        if (c != null && c.map == map) {
            cached = null;
        }
        Cached d = second;
        if (d != null && d.map == map) {
            second = null;
        }
    }

    /**
     * Sets the value in the current context.
     *
     * @param value the new value; may be null
     * @return a token that restores the previous state, with {@link #reset} or {@link Token#close}
     */
    public Token<T> set(T value) {
        // The usual case: this thread's place for this variable, found by an earlier set, is
        // still its place in the current context's open map (see Place): one slot write, no
        // ThreadLocal read, no walk. Otherwise the walk, out of line and allocating nothing, so
        // that this method stays small and its Token can be dropped by the JIT when the caller
        // resets at once, also where both paths run (threads setting in contexts of their own).
        Place p = place;
        Thread me = Thread.currentThread();
        Context ctx;
        Hamt.Slot slot;
        Object old;
        if (p != null && p.owner == me && (ctx = p.context).current == me && ctx.map == p.map
                && p.map.layout() == p.layout) {
            slot = p.slot;
            old = ctx.overwrite(this, slot, value);
        } else {
            ctx = Context.currentOrImplicit();
            slot = null; // the token's reset walks again
            old = setWalking(ctx, value, me);
        }
        return new Token<>(this, ctx, old, slot, ctx.map, ctx.version);
    }

    /**
     * {@link #set} past its fast path: the put, and the place it found kept (a copy, so that the
     * scratch slot stays on the stack).
     */
    private Object setWalking(Context ctx, T value, Thread me) {
        Hamt.Slot found = new Hamt.Slot();
        Object old = ctx.put(this, value, found);
        if (found.found()) {
            remember(ctx, found.copy(), me);
        }
        return old;
    }

    /**
     * Keeps {@code slot}, which a set on {@code me} has just found and written in place in
     * {@code ctx}'s open map, as this variable's place. Only a thread that has {@code ctx}
     * current keeps a place, and it does not take another live thread's: threads setting this
     * variable in contexts of their own would otherwise replace it in turn, each with one
     * allocation and a write to a shared line. Nor does it read the other thread's context to
     * decide: that thread writes the context's line on every set (the version), so a read per
     * set would move the line between the cores.
     */
    private void remember(Context ctx, Hamt.Slot slot, Thread me) {
        Place p = place;
        if (ctx.current == me && (p == null || p.owner == me || !p.owner.isAlive())) {
            Hamt<ContextVar<?>, Object> m = ctx.map;
            place = new Place(ctx, m, m.layout(), slot, me);
        }
    }

    /**
     * Restores the state from before the {@link #set} that made {@code token}: the old value, or
     * unset if there was none.
     *
     * @param token a token from this variable's {@code set}, in the current context, not yet used
     * @throws IllegalStateException if the token was used already
     * @throws IllegalArgumentException if the token belongs to another variable or another context
     */
    public void reset(Token<T> token) {
        // The usual case, kept small so that set, close and reset inline together and the JIT
        // can drop the Token: a fresh token of this variable, in its own context, which is
        // current here (Context.current, no ThreadLocal read). Writing the old value back is the
        // whole reset: into the very slot the set wrote when nothing was written since, else in
        // place when it can be (Context.put).
        Context ctx;
        if (token != null && !token.used && token.var == this
                && (ctx = token.context).current == Thread.currentThread()) {
            Hamt.Slot slot = token.slot;
            if (slot == null || !ctx.rewrite(this, slot, token.old, token.map, token.version)) {
                ctx.reset(this, token.old);
            }
            token.used = true;
            return;
        }
        resetChecked(token, Context.currentOrNull());
    }

    /** {@link #reset} past the fast path: the checks in order, then the general restore. */
    private void resetChecked(Token<T> token, Context ctx) {
        Args.nonNull(token, "token", "pass the Token that set() returned");
        if (token.used) {
            throw new IllegalStateException("the Token for ContextVar '" + name
                    + "' has already been used: a token resets only once; call set() again for a new token");
        }
        if (token.var != this) {
            throw new IllegalArgumentException("this Token was created by ContextVar '" + token.var.name
                    + "', not by '" + name + "': reset it with " + token.var.name + ".reset(token)");
        }
        if (token.context != ctx) {
            throw new IllegalArgumentException("the Token for ContextVar '" + name
                    + "' was created in a different Context: reset it in the same task or Context.run"
                    + " body that called set()");
        }
        ctx.reset(this, token.old);
        token.used = true;
    }

    boolean forks() {
        return onFork != null;
    }

    @SuppressWarnings("unchecked")
    Object fork(Object value) {
        return onFork.apply((T) value);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public String toString() {
        return "ContextVar[" + name + (hasDefault ? ", default=" + defaultValue : "") + "]";
    }

    /**
     * Builds a {@link ContextVar} with a default and a fork copier.
     *
     * @param <T> the value type
     */
    public static final class Builder<T> {
        private final String name;
        private boolean hasDefault;
        private T defaultValue;
        private UnaryOperator<T> onFork;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the value seen while unset.
         *
         * @param value the default; may be null
         * @return this builder
         */
        public Builder<T> defaultValue(T value) {
            this.hasDefault = true;
            this.defaultValue = value;
            return this;
        }

        /**
         * Sets the copier applied to the value in every child context: a spawned task, a
         * {@link Context#copy()} or {@link Context#copyCurrent()}, a wrapped callback. Use it for
         * mutable values, e.g. {@code .onFork(HashMap::new)}, so that a child's changes stay in
         * the child. The default value is not copied: it is never stored in a context.
         *
         * @param copier makes the child's value from the parent's; receives null if null was set
         * @return this builder
         */
        public Builder<T> onFork(UnaryOperator<T> copier) {
            this.onFork = Args.nonNull(copier, "copier", "pass a function that copies a value for a child context, e.g. HashMap::new");
            return this;
        }

        /**
         * Creates the variable.
         *
         * @return the new variable
         */
        public ContextVar<T> build() {
            return new ContextVar<>(name, hasDefault, defaultValue, onFork);
        }
    }
}
