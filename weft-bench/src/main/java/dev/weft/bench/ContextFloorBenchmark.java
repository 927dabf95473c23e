package dev.weft.bench;

import dev.weft.internal.Hamt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The floor under any design of a switchable per-thread context on this JDK: stripped-down
 * models of the cheapest conceivable {@code ContextVar.get} and {@code set}+{@code reset}, beside
 * {@link ThreadLocal} (the baseline of {@link ContextBenchmark}) and {@link ScopedValue}.
 *
 * <p>A context that code can enter and leave, and that a spawned task inherits, must be found
 * from the current thread. On the JDK that is a {@link ThreadLocal} (mutable, per thread) or a
 * {@link ScopedValue} (bound for a body only; it cannot be {@code set} and then left set, which
 * {@code ContextVar.set} must do). So every design pays one {@code ThreadLocal.get} to find the
 * context, and then at least one more dependent load to reach a value in it. The models here
 * keep only that: no null checks, no defaults, no error paths, none of weft's semantics. Their
 * figures, divided by {@link ContextBenchmark#threadLocalGet}, bound what any implementation of
 * weft's {@code ContextVar} can reach. The {@code ThreadLocal} baselines are
 * {@link ContextBenchmark}'s; run them beside the models in one command:
 * {@code weft-bench/bench.sh 'Context(Floor)?Benchmark\.(threadLocal.*|holder.*|mapDirect.*|scopedValueGetLoop)$' -p vars=1,100}.
 *
 * <ul>
 * <li>{@link #holderValueGet}: the thread-local holds a mutable holder, the value is one field
 *     of it. The absolute minimum with one extra load (a context with a single variable).
 * <li>{@link #holderCacheGet}: weft's shape without its checks: the thread-local holds a mutable
 *     holder of an immutable map; the variable caches (map, value) and compares the holder's map
 *     by identity.
 * <li>{@link #mapDirectGet}: the thread-local holds the immutable map itself (so a set must call
 *     {@code ThreadLocal.set}); the cache compare needs no extra load.
 * <li>{@link #holderArrayGet}: the holder keeps values in an array indexed by variable number,
 *     per context, so two threads never share a cache ({@link #holderArrayGetTwoThreads}, beside
 *     {@link ContextBenchmark#threadLocalGetTwoThreads}).
 * <li>{@link #holderCacheGetLoop}: the cache model in the loop shape ({@value #LOOP} reads per
 *     binding) of {@link ContextBenchmark#scopedValueGetLoop} and
 *     {@link ContextBenchmark#threadLocalGetLoop}.
 * <li>Set + reset: {@link ContextBenchmark#threadLocalSetRestore} (the baseline) and
 *     {@link #threadLocalSetConsumeRestore} (the same with the {@code Blackhole} call that the
 *     models need between their two writes); {@link #holderPathCopySetRestore}
 *     (one persistent trie update of the holder's map and the O(1) restore of the old map: weft's
 *     copy-on-write set without a token, a lookup or a fork check); {@link #mapDirectSetRestore}
 *     (the same with the map in the thread-local itself); {@link #holderInPlaceSetRestore} (a
 *     mutable slot write and a version bump, then the write back: an in-place design's set).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ContextFloorBenchmark {
    static final int LOOP = 1000;
    static final Integer V_OLD = 42;
    static final Integer V_NEW = 43;

    /** A variable: a key for the map, an index for the arrays, and a one-entry cache. */
    static final class Var {
        final int index;
        /** The last (map, value) read; racy, like weft's. */
        Cached cached;

        Var(int index) {
            this.index = index;
        }

        @Override
        public int hashCode() {
            return index + 1; // sequential, as weft's ContextVar
        }
    }

    record Cached(Object map, Object value) {
    }

    /** The mutable per-thread context of the models. */
    static final class Holder {
        Object value;
        Hamt<Var, Object> map = Hamt.empty();
        Object[] values;
        long version;
    }

    static final Var[] VARS = new Var[100];

    static {
        for (int i = 0; i < VARS.length; i++) {
            VARS[i] = new Var(i);
        }
    }

    static final Var VAR_0 = VARS[0];
    static final ThreadLocal<Integer> TL = new ThreadLocal<>();
    static final ThreadLocal<Holder> HOLDER = new ThreadLocal<>();
    static final ThreadLocal<Hamt<Var, Object>> MAP = new ThreadLocal<>();

    /** Sets {@code vars} variables in every model on the benchmark thread. */
    @State(Scope.Thread)
    public static class Vars {
        /** How many variables are set. */
        @Param({"1", "100"})
        public int vars;

        /** Builds the models' state on the worker thread. */
        @Setup(Level.Trial)
        public void set() {
            Holder h = new Holder();
            h.value = V_OLD;
            h.values = new Object[vars];
            Hamt<Var, Object> m = Hamt.empty();
            for (int i = 0; i < vars; i++) {
                Integer v = i == 0 ? V_OLD : Integer.valueOf(i + 10_000);
                m = m.put(VARS[i], v);
                h.values[i] = v;
            }
            h.map = m;
            HOLDER.set(h);
            MAP.set(m);
            TL.set(V_OLD);
        }

        /** Removes them. */
        @TearDown(Level.Trial)
        public void unset() {
            HOLDER.remove();
            MAP.remove();
            TL.remove();
        }
    }

    // ---- get -------------------------------------------------------------------------------

    /** Thread-local holder, one field load. */
    @Benchmark
    public Object holderValueGet(Vars s) {
        return HOLDER.get().value;
    }

    /** Thread-local holder of a map, the variable's cache compared by map identity. */
    @Benchmark
    public Object holderCacheGet(Vars s) {
        return cachedGet(VAR_0, HOLDER.get().map);
    }

    /** The map in the thread-local itself, the variable's cache compared by identity. */
    @Benchmark
    public Object mapDirectGet(Vars s) {
        return cachedGet(VAR_0, MAP.get());
    }

    /** Thread-local holder, the value in a per-context array at the variable's index. */
    @Benchmark
    public Object holderArrayGet(Vars s) {
        return HOLDER.get().values[VAR_0.index];
    }

    /** {@link #holderCacheGet} from two threads, each with its own context (the cache shared). */
    @Benchmark
    @Threads(2)
    public Object holderCacheGetTwoThreads(Vars s) {
        return cachedGet(VAR_0, HOLDER.get().map);
    }

    /** {@link #holderArrayGet} from two threads, each with its own context. */
    @Benchmark
    @Threads(2)
    public Object holderArrayGetTwoThreads(Vars s) {
        return HOLDER.get().values[VAR_0.index];
    }

    private static Object cachedGet(Var var, Hamt<Var, Object> map) {
        Cached c = var.cached;
        if (c != null && c.map == map) {
            return c.value;
        }
        Object v = map.getOrDefault(var, null);
        var.cached = new Cached(map, v);
        return v;
    }

    /** {@link #holderCacheGet} in the loop shape of {@link ContextBenchmark#threadLocalGetLoop}. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public void holderCacheGetLoop(Vars s, Blackhole bh) {
        for (int i = 0; i < LOOP; i++) {
            bh.consume(cachedGet(VAR_0, HOLDER.get().map));
        }
    }

    // ---- set + reset -----------------------------------------------------------------------

    /**
     * {@link ContextBenchmark#threadLocalSetRestore} with a {@code Blackhole.consume} between set
     * and restore, the baseline of the models below, which need one so that the JIT does not
     * drop the first write (and the allocation behind it) as dead.
     */
    @Benchmark
    public void threadLocalSetConsumeRestore(Vars s, Blackhole bh) {
        Integer old = TL.get();
        TL.set(V_NEW);
        bh.consume(old);
        TL.set(old);
    }

    /** One persistent trie update of the holder's map, then the old map put back (O(1)). */
    @Benchmark
    public void holderPathCopySetRestore(Vars s, Blackhole bh) {
        Holder h = HOLDER.get();
        Hamt<Var, Object> before = h.map;
        h.map = before.put(VAR_0, V_NEW);
        bh.consume(h.map);
        h.map = before;
    }

    /** The same with the map in the thread-local itself: two {@code ThreadLocal.set}s. */
    @Benchmark
    public void mapDirectSetRestore(Vars s, Blackhole bh) {
        Hamt<Var, Object> before = MAP.get();
        Hamt<Var, Object> next = before.put(VAR_0, V_NEW);
        MAP.set(next);
        bh.consume(next);
        MAP.set(before);
    }

    /**
     * A mutable slot: write and bump the version, then write back and bump again (what an
     * in-place design must do so that caches see the change).
     */
    @Benchmark
    public void holderInPlaceSetRestore(Vars s, Blackhole bh) {
        Holder h = HOLDER.get();
        Object[] values = h.values;
        int i = VAR_0.index;
        Object old = values[i];
        values[i] = V_NEW;
        h.version++;
        bh.consume(h); // keeps the two writes apart, as the body between set and reset would
        values[i] = old;
        h.version++;
    }
}
