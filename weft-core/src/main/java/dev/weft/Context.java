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
 * Copying is O(1): the values live in a hash trie that a copy shares, frozen; the next set on
 * either side copies the few nodes it changes, and later sets of the same variables write in
 * place. (A copy made by another thread while a thread is inside the context, and writing, takes
 * its own snapshot of the nodes that thread may still write: O(number of variables it set).) Values themselves are not copied (Python's shallow-copy trap),
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
 * mutable {@code Context}; the context holds a {@link Hamt}, a hash trie that is either frozen
 * (immutable, shareable) or open (written in place by one owner).
 * <p>The writer of a context is the thread that has it current: the thread that entered it, or a
 * generator's thread running a step in its consumer's place while the consumer waits (the
 * hand-off orders their writes). Invariants:
 * <ol>
 * <li>Only the writer changes {@link #map}, the open map it points to, and {@link #version}.
 * <li>An open map belongs to one context: it is made by that context's write (from a frozen map)
 *     and frozen before it is shared by a copy ({@link #copy()}, {@link #wrap}, spawn). Copies
 *     share frozen maps only, so a set never shows in another context.
 * <li>{@link #version} is a sequence lock that grows by two per write and by two when the map is
 *     frozen; it is a {@code long}, so it never repeats. A write of one slot ({@link #write}) is
 *     ordered after the previous version write and before its own version write, so a reader
 *     that sees the slot's new value and then an unchanged version has seen the state right after
 *     that write; a write that changes several references ({@link #putCopying}) holds the
 *     version odd while it does. A reader on another thread ({@link #copy()}, {@link #size},
 *     {@link #vars}) takes a {@link Hamt#snapshot} between two reads of an even, equal version
 *     ({@link #snapshot()}), so it sees the entries of one state, and a fork list that agrees with
 *     them. A single {@link #get} needs no lock: in-place writes replace one reference at a time.
 * <li>{@link ContextVar}'s cache keys a value by map identity. A frozen map never changes; an
 *     open map changes only by its writer, who first drops the written variable's entries for it
 *     ({@code ContextVar.forget}). A token's "nothing written since" check is "same map, same
 *     version": a write or a freeze since the set moves the version, and it never comes back.
 * </ol>
 * A set of a variable already set in this context's open map is one slot write and one version
 * write: no allocation, no copy ({@code Hamt.locate}). The variable remembers that slot
 * ({@code ContextVar.Place}), so its next set on the same thread in the same map, while the
 * map's layout has not moved ({@code Hamt.layout}: every in-place structural change and the
 * freeze move it), reads neither the {@code ThreadLocal} nor the trie. Other writes copy the
 * nodes they change unless the open map created them. A token keeps the old value; reset writes
 * it back the same way.
 * {@link #owner} is set by a CAS on entry and cleared on exit; the CAS orders the previous owner's
 * writes before the next owner's reads. The variables with fork copiers that are present are
 * listed under a hidden key in the same trie, so a snapshot has values and list from one state;
 * {@link #forks} says whether to look for that list at all.
 */
public final class Context {
    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    /** Hidden key: the variables with fork copiers present in the map, as a ContextVar[]. */
    private static final ContextVar<ContextVar<?>[]> FORKING = ContextVar.of("<forking>");

    private static final VarHandle OWNER;
    private static final VarHandle MAP;
    private static final VarHandle VERSION;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(Context.class, "owner", Thread.class);
            MAP = l.findVarHandle(Context.class, "map", Hamt.class);
            VERSION = l.findVarHandle(Context.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The values. Changed by the writer only (invariant 1), published with a release write; other
     * threads read it with an acquire.
     */
    Hamt<ContextVar<?>, Object> map;
    /** The sequence lock of invariant 3; written by the writer only, read by others with VERSION. */
    long version;
    /**
     * Whether a variable with a fork copier may be set in {@link #map}: false means that none is,
     * so a copy skips the look for the fork list (a trie lookup). Becomes true when the writer
     * sets such a variable (inside the odd version of that write, invariant 3) and stays true;
     * copies inherit it. Fills the padding that the {@code long} version leaves, at no cost.
     */
    boolean forks;

    /**
     * Stands in {@link #owner} while a thread that is not in this context freezes its map for a
     * copy; never started.
     */
    private static final Thread FREEZING = Thread.ofVirtual().name("weft-context-freezing").unstarted(() -> { });

    /** The thread that has entered this context, or {@link #FREEZING}, or null. */
    @SuppressWarnings("unused")
    private volatile Thread owner;

    /**
     * Bridged libraries' state carried by this context, or while it is entered what entering
     * installed (see Bridging); null without bridges. Written by the owner thread only.
     */
    Object bridge;
    /**
     * A thread on which this context is current, or null: a {@link ContextVar#get} cache hit and
     * the fast path of a token's reset check it instead of reading the current context from its
     * {@code ThreadLocal}. Invariant: a thread writes only itself or null here, writes itself when
     * this context becomes current on it (entered, made implicitly, restored by an exit) and,
     * before it makes another context current (enter, exit, a generator step's switch), null if it
     * finds itself here. Hence a thread that reads itself here last wrote itself, so this context
     * is current on it. Other threads may overwrite it (the field is only a hint for them): they
     * only ever lose the fast path. {@link #exit} restores the previous context only if this one
     * is still current here, which keeps the invariant when a generator's step switched the
     * thread's context inside the body that entered this one.
     */
    Thread current;

    /** A context over {@code map}, which is frozen, at {@code version}. */
    private Context(Hamt<ContextVar<?>, Object> map, long version, boolean forks) {
        this.map = map;
        this.version = version;
        this.forks = forks;
    }

    /** A child context over the frozen {@code map}: the fork copiers applied, if any may be set. */
    private static Context child(Hamt<ContextVar<?>, Object> map, long version, boolean forks) {
        return new Context(forks ? forked(map) : map, version, forks);
    }

    /**
     * Returns a new, empty context.
     *
     * @return a context with no variables set
     */
    public static Context empty() {
        return new Context(Hamt.empty(), 0, false);
    }

    /**
     * Returns a copy of the current thread's context: O(1), with fork copiers applied.
     *
     * @return the copy
     */
    public static Context copyCurrent() {
        Context c = CURRENT.get();
        return Bridging.captured(c == null ? empty() : c.copyAsWriter());
    }

    /**
     * Returns a copy of this context: O(1), with fork copiers applied. Later sets in either do
     * not reach the other.
     *
     * @return the copy
     */
    public Context copy() {
        if (CURRENT.get() == this) {
            return copyAsWriter();
        }
        Context s = frozenState();
        return Bridging.copied(this, child(s.map, s.version, s.forks));
    }

    /**
     * This context's state as one frozen map and its version, for a thread that is not its
     * writer. If no thread is in the context, it is held for the two reads that freeze its map
     * (an entering thread waits that long, see {@link #enter}), and the map is shared; otherwise a
     * thread may be writing, and {@link #snapshot()} copies what it may still write.
     */
    private Context frozenState() {
        if (!OWNER.compareAndSet(this, (Thread) null, FREEZING)) {
            return snapshot();
        }
        try {
            return new Context(frozenMap(), version, forks);
        } finally {
            OWNER.setVolatile(this, (Thread) null);
        }
    }

    /** {@link #copy()} by this context's writer: freezes the map and shares it. */
    private Context copyAsWriter() {
        return Bridging.copied(this, child(frozenMap(), version, forks));
    }

    /**
     * Freezes the map so that it can be shared, and moves the version if it was open: a token
     * made before must not write into a slot that a copy now shares (invariant 4). Called by the
     * writer, or by a thread that holds {@link #owner} as {@link #FREEZING}.
     */
    private Hamt<ContextVar<?>, Object> frozenMap() {
        Hamt<ContextVar<?>, Object> m = map;
        if (m.isOpen()) {
            m.freeze();
            VERSION.setRelease(this, version + 2);
        }
        return m;
    }

    /**
     * This context's state as one frozen map and its version, for a thread that is not its writer:
     * a sequence-lock read (invariant 3). The writer holds the version odd only for the few
     * instructions of one write, so the retry loop spins briefly, then yields.
     */
    private Context snapshot() {
        for (int spins = 0; ; spins++) {
            long v = (long) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                @SuppressWarnings("unchecked")
                Hamt<ContextVar<?>, Object> m = ((Hamt<ContextVar<?>, Object>) MAP.getAcquire(this)).snapshot();
                boolean f = forks;
                VarHandle.loadLoadFence();
                if ((long) VERSION.getOpaque(this) == v) {
                    return new Context(m, v, f);
                }
            }
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** The map to read several entries from: the writer's own, or a snapshot on another thread. */
    private Hamt<ContextVar<?>, Object> view() {
        return CURRENT.get() == this ? map : snapshot().map;
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
        leaving(CURRENT.get(), Thread.currentThread());
        CURRENT.set(c); // c.current stays its consumer's: c is current there too
    }

    /** {@code c} stops being current on {@code me}: the invariant of {@link #current}. */
    private static void leaving(Context c, Thread me) {
        if (c != null && c.current == me) {
            c.current = null;
        }
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
            c.current = c.owner;
            CURRENT.set(c);
        }
        return c;
    }

    /** Sets {@code var} in this context; returns the old value or MISSING. Writer only. */
    Object put(ContextVar<?> var, Object value) {
        return put(var, value, new Hamt.Slot());
    }

    /**
     * {@link #put}, which leaves in {@code slot} the place it wrote if it wrote in place (then
     * {@link #rewrite} can write there again while the version has not moved).
     */
    Object put(ContextVar<?> var, Object value, Hamt.Slot slot) {
        // The usual case: var is already set in this context's open map; one slot write and one
        // version write, nothing allocated (the Slot is scalar-replaced).
        if (map.locate(var, slot)) {
            return overwrite(var, slot, value);
        }
        return putCopying(var, value);
    }

    /**
     * Writes {@code value} into {@code slot}, {@code var}'s place in this context's open map
     * (located in it, and its layout has not moved since); returns the old value. Writer only.
     */
    Object overwrite(ContextVar<?> var, Hamt.Slot slot, Object value) {
        Object old = slot.get();
        var.forget(map);
        write(slot, value);
        return old;
    }

    /**
     * Writes {@code value} into {@code slot}, which {@link #put} found in map {@code m} at version
     * {@code v}, if the map and version are still those: nothing was written and no copy froze the
     * map since (invariant 4), so the slot is still {@code var}'s and this context's alone; returns
     * whether it wrote. Writer only.
     */
    boolean rewrite(ContextVar<?> var, Hamt.Slot slot, Object value, Hamt<ContextVar<?>, Object> m, long v) {
        if (map != m || version != v) {
            return false;
        }
        var.forget(m);
        write(slot, value);
        return true;
    }

    /**
     * One in-place write of one slot (invariant 3): the fence orders it after the previous
     * version write, the release orders it before its own. A reader never waits on this write, so
     * a StackOverflowError inside it (an interpreted VarHandle call near the stack's end) leaves
     * nothing to repair: the slot holds the old or the new value, and the version is even.
     */
    private void write(Hamt.Slot slot, Object value) {
        VarHandle.storeStoreFence();
        slot.set(value);
        VERSION.setRelease(this, version + 2);
    }

    /**
     * {@link #put} of a new variable or into nodes the open map did not create, or (for a
     * {@code value} of MISSING) a remove; returns the old value or MISSING. The version is odd
     * while it changes the map (invariant 3). If anything throws meanwhile (a StackOverflowError),
     * the version is still made even, by a plain field write that calls nothing, so that no reader
     * waits for ever.
     */
    private Object putCopying(ContextVar<?> var, Object value) {
        long v = version;
        try {
            Hamt<ContextVar<?>, Object> m = map;
            var.forget(m); // first, as in put: if m changes in place, its cached pairs for var go stale
            VERSION.setOpaque(this, v + 1);
            VarHandle.storeStoreFence();
            Hamt.Update u = new Hamt.Update();
            boolean removing = value == ContextVar.MISSING;
            Hamt<ContextVar<?>, Object> n = removing ? m.removeInPlace(var, u) : m.putInPlace(var, value, u);
            Object old = u.old(ContextVar.MISSING);
            if (var.forks() && (old == ContextVar.MISSING) != removing) {
                n = withForking(n, var, !removing); // var came or went: the fork list follows
                forks = true;
            }
            if (n != m) {
                MAP.setRelease(this, n);
            }
            VERSION.setRelease(this, v + 2);
            return old;
        } catch (Throwable t) {
            version = v + 2; // plain, so that it cannot fail itself
            throw t;
        }
    }

    /** Sets {@code var} back to {@code old}, or unsets it for MISSING: a token's reset. Writer only. */
    void reset(ContextVar<?> var, Object old) {
        if (old == ContextVar.MISSING) {
            putCopying(var, old);
        } else {
            put(var, old);
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
        Hamt.Update u = new Hamt.Update();
        return next.length == 0 ? m.removeInPlace(FORKING, u) : m.putInPlace(FORKING, next, u);
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
        while (!OWNER.compareAndSet(this, (Thread) null, me)) {
            Thread by = (Thread) OWNER.getVolatile(this);
            if (by == FREEZING || by == null) {
                Thread.onSpinWait(); // a copy from another thread is freezing the map: a few loads
                continue;
            }
            throw new IllegalStateException(by == me
                    ? "this Context is already entered by the current thread: a Context cannot be"
                      + " entered recursively; use copy() for a nested one"
                    : "this Context is already entered by thread '" + by.getName()
                      + "': a Context can be entered by one thread at a time; give each thread its own copy()");
        }
        Context previous = CURRENT.get();
        leaving(previous, me);
        CURRENT.set(this);
        current = me;
        Bridging.enter(this);
        return previous;
    }

    /**
     * Restores {@code previous} and releases this context. If this context is no longer current
     * here, a generator's step made its consumer's context current inside the body that entered
     * this one (the body yielded in it): that context stays current, as it is for the rest of the
     * step, and {@code previous} (the context of an earlier step) is not restored.
     */
    void exit(Context previous) {
        Bridging.exit(this);
        Thread me = Thread.currentThread();
        // The usual case: by the invariant of current, finding this thread there means that this
        // context is current here. Otherwise ask the ThreadLocal.
        if (current == me || CURRENT.get() == this) {
            current = null;
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
                previous.current = me;
            }
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
        return (T) published().getOrDefault(var, null);
    }

    /** The map as last published: one entry read from it needs no lock (invariant 3). */
    @SuppressWarnings("unchecked")
    private Hamt<ContextVar<?>, Object> published() {
        return (Hamt<ContextVar<?>, Object>) MAP.getAcquire(this);
    }

    /**
     * Returns whether {@code var} is set in this context.
     *
     * @param var the variable
     * @return true if set, even to null
     */
    public boolean contains(ContextVar<?> var) {
        Args.nonNull(var, "var", "pass the ContextVar to look up");
        return var != FORKING && published().containsKey(var);
    }

    /**
     * Returns how many variables are set in this context.
     *
     * @return the count
     */
    public int size() {
        Hamt<ContextVar<?>, Object> m = view();
        return m.containsKey(FORKING) ? m.size() - 1 : m.size();
    }

    /**
     * Returns the variables set in this context, as a snapshot.
     *
     * @return an unmodifiable set
     */
    public Set<ContextVar<?>> vars() {
        Set<ContextVar<?>> out = new LinkedHashSet<>();
        view().forEach((k, v) -> {
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
        Context snapshot = captured();
        Object bridged = Bridging.capture();
        return () -> Bridging.carry(child(snapshot.map, snapshot.version, snapshot.forks), bridged).run(body);
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
        Context snapshot = captured();
        Object bridged = Bridging.capture();
        return () -> Bridging.carry(child(snapshot.map, snapshot.version, snapshot.forks), bridged).call(body::call);
    }

    /** The current context's state, frozen, as a context that is never entered (only copied). */
    private static Context captured() {
        Context c = CURRENT.get();
        return c == null ? empty() : child(c.frozenMap(), c.version, c.forks);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Context{");
        view().forEach((k, v) -> {
            if (k != FORKING) {
                if (sb.length() > 8) sb.append(", ");
                sb.append(k.name()).append('=').append(v);
            }
        });
        return sb.append('}').toString();
    }
}
