package dev.weft;

import dev.weft.internal.Hamt;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * A mapping from {@link ContextVar}s to values, and the unit that code runs "in", as Python's
 * {@code contextvars.Context} (PEP 567).
 *
 * <p>Every thread has a current context. {@link ContextVar#get} reads it and {@link ContextVar#set}
 * writes it. {@link #run} and {@link #call} enter another context for the length of a body and
 * restore the previous one on every exit path; what the body sets stays in the entered context:
 *
 * <pre>{@code
 * Context ctx = Context.copyCurrent();
 * ctx.run(() -> USER.set("alice"));
 * USER.get("-");          // "-": the caller's context did not change
 * ctx.get(USER);          // "alice": the set stayed in ctx
 * }</pre>
 *
 * <h2>Where contexts come from</h2>
 * <ul>
 * <li>A task spawned in a {@link TaskGroup} runs in a copy of its spawner's context, taken at
 *     spawn time, or in exactly the context passed to {@link TaskGroup#spawn(Callable, Context)}.
 * <li>{@link #wrap(Runnable)} and {@link ContextExecutors#wrap} carry a copy of the submitter's
 *     context, taken at submit time, into executor threads; the worker's own context is restored
 *     afterwards, so a pool thread never keeps a context it was once given.
 * <li>A thread that weft did not start ({@code new Thread}, {@code Thread.ofVirtual()}, a pool
 *     worker) starts with an empty context: nothing is inherited, as in Python without
 *     {@code thread_inherit_context}. This is deliberate: inheritance at thread creation is the
 *     TransmittableThreadLocal trap, where a pooled thread keeps whatever context its creator had.
 * </ul>
 *
 * <h2>Copies</h2>
 * Copying is O(1): the values live in a persistent hash trie, and a copy shares it until either
 * side sets a variable. Values themselves are not copied (Python's shallow-copy trap),
 * except for variables built with {@link ContextVar.Builder#onFork}, whose copier runs on every
 * copy: {@link #copy()}, {@link #copyCurrent()}, spawn and wrap.
 *
 * <h2>Threads</h2>
 * A context can be entered by one thread at a time; entering one that is entered
 * ({@link #run} on a context another thread is running in, or nested in itself) throws
 * {@link IllegalStateException}. Reading a context ({@link #get}, {@link #copy()}) from another
 * thread while it runs is allowed and sees a consistent snapshot.
 *
 * @implNote Implementation overview. The current context is a {@link ThreadLocal} holding the
 * mutable {@code Context}; the context holds an immutable {@link Hamt}. Invariant: {@link #map}
 * is written only by the thread that has entered the context (its {@link #owner}), and read by
 * any thread without locks; the trie's final fields make a racy read see a whole snapshot.
 * The variables with fork copiers that are present are listed under a hidden key in the same
 * trie, so a copy made from another thread sees the values and the list from one snapshot.
 * {@link #owner} is set by a CAS on entry and cleared on exit; the CAS orders the previous
 * owner's writes before the next owner's reads. A set is one descent of the trie that yields
 * the new map and the old value together ({@code Hamt.put} with an {@code Hamt.Update}); the
 * token keeps the maps from before and after, so a reset with nothing set in between is one
 * field write.
 */
public final class Context {
    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    /** Hidden key: the variables with fork copiers present in the map, as a ContextVar[]. */
    private static final ContextVar<ContextVar<?>[]> FORKING = ContextVar.of("<forking>");

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Context.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The values. Written by the owner thread only; read by any thread. */
    Hamt<ContextVar<?>, Object> map;

    /** The thread that has entered this context, or null. */
    @SuppressWarnings("unused")
    private volatile Thread owner;

    /** Bridged libraries' state carried by this context (see Bridging); null without bridges. */
    Bridging.Captured bridged;
    /** What entering installed, for exit (see Bridging). Written by the owner thread only. */
    Bridging.Installed bridgeUndo;

    private Context(Hamt<ContextVar<?>, Object> map) {
        this.map = map;
    }

    /**
     * Returns a new, empty context.
     *
     * @return a context with no variables set
     */
    public static Context empty() {
        return new Context(Hamt.empty());
    }

    /**
     * Returns a copy of the current thread's context: O(1), with fork copiers applied.
     *
     * @return the copy
     */
    public static Context copyCurrent() {
        Context c = CURRENT.get();
        return Bridging.captured(c == null ? empty() : c.copy());
    }

    /**
     * Returns a copy of this context: O(1), with fork copiers applied. Later sets in either do
     * not reach the other.
     *
     * @return the copy
     */
    public Context copy() {
        return Bridging.copied(this, new Context(forked(map)));
    }

    static Hamt<ContextVar<?>, Object> forked(Hamt<ContextVar<?>, Object> m) {
        Object forking = m.getOrDefault(FORKING, ContextVar.MISSING);
        if (forking == ContextVar.MISSING) {
            return m;
        }
        Hamt<ContextVar<?>, Object> out = m;
        for (ContextVar<?> v : (ContextVar<?>[]) forking) {
            out = out.put(v, v.fork(m.getOrDefault(v, null)));
        }
        return out;
    }

    /**
     * Makes {@code c} current in this thread without entering it, for a generator's thread that
     * runs a step in place of its consumer (which has {@code c} entered and waits meanwhile).
     */
    static void setCurrentForStep(Context c) {
        CURRENT.set(c);
    }

    /** Returns the current context, or null when the thread has none yet (it reads as empty). */
    static Context currentOrNull() {
        return CURRENT.get();
    }

    /** Returns the current context, creating the thread's own empty one on first use. */
    static Context currentOrImplicit() {
        Context c = CURRENT.get();
        if (c == null) {
            c = empty();
            c.owner = Thread.currentThread();
            CURRENT.set(c);
        }
        return c;
    }

    /** Sets {@code var} in this context; returns the old value or MISSING. Owner thread only. */
    Object put(ContextVar<?> var, Object value) {
        // One descent gives the new map and the old value. The scratch object is fresh, not kept
        // in a field: when the trie's put inlines (a shallow trie), the JIT scalar-replaces it,
        // and writes into a field-held object would cost GC barriers that grow set's compiled
        // code past what the JIT inlines into a caller (which then cannot drop the Token).
        Hamt.Update u = new Hamt.Update();
        Hamt<ContextVar<?>, Object> m = map.put(var, value, u);
        Object old = u.old(ContextVar.MISSING);
        if (old == ContextVar.MISSING && var.forks()) {
            m = withForking(m, var, true);
        }
        map = m;
        return old;
    }

    /** Unsets {@code var} in this context. Owner thread only. */
    void remove(ContextVar<?> var) {
        Hamt<ContextVar<?>, Object> m = map;
        Hamt<ContextVar<?>, Object> without = m.remove(var);
        if (without == m) {
            return; // was not set
        }
        map = var.forks() ? withForking(without, var, false) : without;
    }

    /** Sets {@code var} back to {@code old} (not MISSING) for a token's reset. Owner thread only. */
    void restore(ContextVar<?> var, Object old) {
        if (var.forks()) {
            put(var, old);
        } else {
            map = map.put(var, old); // one traversal: no old value, no fork list to maintain
        }
    }

    private static Hamt<ContextVar<?>, Object> withForking(Hamt<ContextVar<?>, Object> m, ContextVar<?> var,
                                                          boolean add) {
        ContextVar<?>[] list = (ContextVar<?>[]) m.getOrDefault(FORKING, new ContextVar<?>[0]);
        ContextVar<?>[] next;
        if (add) {
            next = Arrays.copyOf(list, list.length + 1);
            next[list.length] = var;
        } else {
            next = Arrays.stream(list).filter(v -> v != var).toArray(ContextVar<?>[]::new);
        }
        return next.length == 0 ? m.remove(FORKING) : m.put(FORKING, next);
    }

    /**
     * Runs {@code body} in this context and restores the caller's context afterwards, however
     * the body ends.
     *
     * @param body what to run
     * @throws IllegalStateException if this context is entered already (by any thread)
     */
    public void run(Runnable body) {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        Context previous = ThreadRecord.enterContext(this);
        try {
            body.run();
        } finally {
            ThreadRecord.exitContext(this, previous);
        }
    }

    /**
     * Calls {@code body} in this context and restores the caller's context afterwards, however
     * the body ends. Exceptions pass through unchanged.
     *
     * @param body what to call
     * @param <R> the result type
     * @param <X> the checked exception the body may throw
     * @return the body's result
     * @throws X what the body throws
     * @throws IllegalStateException if this context is entered already (by any thread)
     */
    public <R, X extends Throwable> R call(CallableOp<R, X> body) throws X {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        Context previous = ThreadRecord.enterContext(this);
        try {
            return body.call();
        } finally {
            ThreadRecord.exitContext(this, previous);
        }
    }

    /**
     * Makes this context current; returns the previous one for {@link #exit}. Called only through
     * {@link ThreadRecord#enterContext}, the one choke point for entering a context.
     */
    Context enter() {
        Thread me = Thread.currentThread();
        if (!OWNER.compareAndSet(this, (Thread) null, me)) {
            Thread by = (Thread) OWNER.getVolatile(this);
            throw new IllegalStateException(by == me
                    ? "this Context is already entered by the current thread: a Context cannot be"
                      + " entered recursively; use copy() for a nested one"
                    : "this Context is already entered by thread '" + (by == null ? "?" : by.getName())
                      + "': a Context can be entered by one thread at a time; give each thread its own copy()");
        }
        Context previous = CURRENT.get();
        CURRENT.set(this);
        Bridging.enter(this);
        return previous;
    }

    /** Restores {@code previous} and releases this context. */
    void exit(Context previous) {
        Bridging.exit(this);
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
        OWNER.setVolatile(this, (Thread) null);
    }

    /**
     * Returns the value of {@code var} in this context, or null when it is not set here (the
     * variable's default is not consulted).
     *
     * @param var the variable
     * @param <T> the value type
     * @return the value, or null
     */
    @SuppressWarnings("unchecked")
    public <T> T get(ContextVar<T> var) {
        Args.nonNull(var, "var", "pass the ContextVar to look up");
        return (T) map.getOrDefault(var, null);
    }

    /**
     * Returns whether {@code var} is set in this context.
     *
     * @param var the variable
     * @return true if set, even to null
     */
    public boolean contains(ContextVar<?> var) {
        Args.nonNull(var, "var", "pass the ContextVar to look up");
        return var != FORKING && map.containsKey(var);
    }

    /**
     * Returns how many variables are set in this context.
     *
     * @return the count
     */
    public int size() {
        Hamt<ContextVar<?>, Object> m = map;
        return m.containsKey(FORKING) ? m.size() - 1 : m.size();
    }

    /**
     * Returns the variables set in this context, as a snapshot.
     *
     * @return an unmodifiable set
     */
    public Set<ContextVar<?>> vars() {
        Set<ContextVar<?>> out = new LinkedHashSet<>();
        map.forEach((k, v) -> {
            if (k != FORKING) {
                out.add(k);
            }
        });
        return Collections.unmodifiableSet(out);
    }

    /**
     * Returns a runnable that runs {@code body} in a copy of the current context, taken now.
     * Each run gets its own copy of that snapshot, so runs do not see each other's sets and may
     * overlap.
     *
     * @param body what to run later
     * @return the wrapped runnable
     */
    public static Runnable wrap(Runnable body) {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        Hamt<ContextVar<?>, Object> snapshot = captured();
        Object bridged = Bridging.capture();
        return () -> Bridging.carry(new Context(forked(snapshot)), bridged).run(body);
    }

    /**
     * Returns a callable that calls {@code body} in a copy of the current context, taken now.
     * Each call gets its own copy of that snapshot.
     *
     * @param body what to call later
     * @param <R> the result type
     * @return the wrapped callable
     */
    public static <R> Callable<R> wrap(Callable<R> body) {
        Args.nonNull(body, "body", "pass the code to run, e.g. () -> work()");
        Hamt<ContextVar<?>, Object> snapshot = captured();
        Object bridged = Bridging.capture();
        return () -> Bridging.carry(new Context(forked(snapshot)), bridged).call(body::call);
    }

    private static Hamt<ContextVar<?>, Object> captured() {
        Context c = CURRENT.get();
        return c == null ? Hamt.empty() : forked(c.map);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Context{");
        map.forEach((k, v) -> {
            if (k != FORKING) {
                if (sb.length() > 8) sb.append(", ");
                sb.append(k.name()).append('=').append(v);
            }
        });
        return sb.append('}').toString();
    }
}
