package dev.weft.bench;

import com.alibaba.ttl.TransmittableThreadLocal;
import dev.weft.Context;
import dev.weft.ContextVar;
import dev.weft.Token;
import dev.weft.bench.kotlin.Coroutines;
import java.util.ArrayList;
import java.util.List;
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
 * Context variables: weft's {@link ContextVar} and {@link Context} beside {@link ThreadLocal},
 * {@link InheritableThreadLocal}, {@link ScopedValue}, gRPC's {@code io.grpc.Context},
 * Alibaba's {@link TransmittableThreadLocal} and kotlinx-coroutines' context elements, in one run.
 *
 * <p>Performance targets ({@code docs/benchmarks.md}, "Targets at a glance") checked here (baseline in brackets):
 * <ul>
 * <li>{@code ContextVar.get} with 1 and 100 vars set: at most 1.2x {@code ThreadLocal.get}
 *     [{@link #threadLocalGet}], independent of the var count ({@link #contextVarGet}).
 * <li>{@code set} + {@code reset}: at most 2x a ThreadLocal set-and-restore
 *     [{@link #threadLocalSetRestore}] ({@link #contextVarSetReset}).
 * <li>{@code Context.copyCurrent}: O(1), at most 10 ns at any size ({@link #contextCopyCurrent});
 *     TTL's {@code Transmitter.capture()} is the O(n) peer.
 * </ul>
 *
 * <h2>How the measurement is set up</h2>
 * <ul>
 * <li>{@link Vars} sets the first {@code vars} (1 or 100) variables of each kind on the benchmark
 *     thread: weft vars in the thread's context, ThreadLocals, InheritableThreadLocals, TTLs, and
 *     gRPC keys in a context that is attached. Every "get" reads variable 0, which is set in both
 *     sizes. The weft vars have no default, so a benchmark that ran without its context would
 *     throw instead of measuring the wrong thing.
 * <li>{@code ScopedValue.get} cannot run outside a binding, and a binding cannot enclose JMH's
 *     measurement loop. So {@link #scopedValueGetLoop} binds once and reads {@value #LOOP} times
 *     inside the binding ({@link OperationsPerInvocation}); the binding's cost is spread over the
 *     reads (under 0.1 ns each). {@link #threadLocalGetLoop} and {@link #contextVarGetLoop} run the
 *     same loop, so the ScopedValue figure is compared with loops of the same shape; if a loop
 *     figure is far below its single-read figure, the JIT hoisted the read out of the loop and
 *     the loop figures should not be trusted.
 * <li>{@link #contextGetUncached} reads through {@link Context#get}, a trie lookup with no
 *     cache: what {@code ContextVar.get} costs when its one-entry cache misses.
 * <li>The {@code TwoThreads} benchmarks read the same variable from two threads, each in its own
 *     context. ThreadLocal reads do not interfere; a ContextVar keeps two cache entries, each
 *     owned by the thread that filled it, so two threads both hit (a third would pay a trie
 *     lookup). Noisy on a shared 2-core machine; read it as a direction, not a figure. The
 *     {@code SetResetTwoThreads} pair sets and resets from two threads the same way: a
 *     ContextVar keeps one remembered place for its set, owned by one thread while that
 *     thread's context is current, so the other thread sets by the trie walk.
 * <li>{@link ContextFloorBenchmark} measures stripped-down models of the cheapest designs of a
 *     switchable per-thread context, for the floor under these figures.
 * <li>{@code set}+{@code reset} peers: ThreadLocal and TTL {@code get, set(new), set(old)}; gRPC
 *     {@code current().withValue(k, v).attach()} then {@code detach}; ScopedValue
 *     {@code where(k, v).run(noop)}, the closest analogue (it has no {@code set}).
 * <li>{@code run} peers: weft {@code ctx.run(noop)} on a prepared context, gRPC
 *     {@code ctx.run(noop)}, ScopedValue {@code carrier.run(noop)} on a prepared carrier.
 * <li>kotlinx-coroutines ({@link Coroutines}): {@link #kotlinContextGet} reads an element of a
 *     coroutine context that holds {@code vars} elements (the read one added first);
 *     {@link #kotlinThreadContextElementGetLoop} reads, inside a coroutine, the thread-local that
 *     a {@code ThreadContextElement} ({@code asContextElement}) installed; and
 *     {@link #kotlinWithContextSetReset} is {@code withContext(tl.asContextElement(v)) { }}, the
 *     coroutine way to set a value for a block. The last two loop {@value Coroutines#LOOP} times
 *     inside one {@code runBlocking}, whose entry and exit are spread over the loop.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ContextBenchmark {
    /** The largest number of variables a benchmark sets. */
    static final int MAX_VARS = 100;
    /** Reads per invocation in the loop benchmarks. */
    static final int LOOP = 1000;

    static final Integer V_OLD = 1000;
    static final Integer V_NEW = 2000;
    static final Runnable NOOP = () -> { };

    static final List<ContextVar<Integer>> WEFT = new ArrayList<>();
    static final List<ThreadLocal<Integer>> TL = new ArrayList<>();
    static final List<InheritableThreadLocal<Integer>> ITL = new ArrayList<>();
    static final List<TransmittableThreadLocal<Integer>> TTL = new ArrayList<>();
    static final List<io.grpc.Context.Key<Integer>> GRPC = new ArrayList<>();

    static {
        for (int i = 0; i < MAX_VARS; i++) {
            WEFT.add(ContextVar.of("var-" + i));
            TL.add(new ThreadLocal<>());
            ITL.add(new InheritableThreadLocal<>());
            TTL.add(new TransmittableThreadLocal<>());
            GRPC.add(io.grpc.Context.key("key-" + i));
        }
    }

    // The variable every benchmark reads or writes, in static finals so the JIT sees constants.
    static final ContextVar<Integer> WEFT_0 = WEFT.get(0);
    static final ThreadLocal<Integer> TL_0 = TL.get(0);
    static final InheritableThreadLocal<Integer> ITL_0 = ITL.get(0);
    static final TransmittableThreadLocal<Integer> TTL_0 = TTL.get(0);
    static final io.grpc.Context.Key<Integer> GRPC_0 = GRPC.get(0);
    static final ScopedValue<Integer> SV = ScopedValue.newInstance();
    static final ScopedValue.Carrier SV_CARRIER = ScopedValue.where(SV, V_OLD);
    /** The thread-local that the kotlinx {@code ThreadContextElement} benchmarks install. */
    static final ThreadLocal<Object> KOTLIN_TL = new ThreadLocal<>();

    /**
     * Sets the first {@code vars} variables of every kind on the benchmark thread, and undoes it
     * at the end of the trial. Set up and torn down by the thread that uses it (JMH runs
     * thread-scoped setup on the worker thread).
     */
    @State(Scope.Thread)
    public static class Vars {
        /** How many variables of each kind are set. */
        @Param({"1", "100"})
        public int vars;

        private final List<Token<Integer>> tokens = new ArrayList<>();
        io.grpc.Context grpcContext;
        private io.grpc.Context grpcPrevious;
        /** A copy of the thread's weft context, not entered: for {@code run} and uncached reads. */
        Context weftContext;
        /** A kotlinx coroutine context with {@code vars} elements, element 0 holding V_OLD. */
        kotlin.coroutines.CoroutineContext kotlinContext;

        /** Sets the variables. */
        @Setup(Level.Trial)
        public void set() {
            io.grpc.Context g = io.grpc.Context.ROOT;
            for (int i = 0; i < vars; i++) {
                Integer v = i == 0 ? V_OLD : Integer.valueOf(i + 10_000);
                tokens.add(WEFT.get(i).set(v));
                TL.get(i).set(v);
                ITL.get(i).set(v);
                TTL.get(i).set(v);
                g = g.withValue(GRPC.get(i), v);
            }
            grpcContext = g;
            grpcPrevious = g.attach();
            weftContext = Context.copyCurrent();
            kotlinContext = Coroutines.contextWith(vars, V_OLD);
            if (WEFT_0.get() != V_OLD || GRPC_0.get() != V_OLD || weftContext.get(WEFT_0) != V_OLD
                    || Coroutines.contextGet(kotlinContext) != V_OLD) {
                throw new IllegalStateException("setup did not take effect on the benchmark thread");
            }
        }

        /** Unsets them, in reverse order. */
        @TearDown(Level.Trial)
        public void unset() {
            grpcContext.detach(grpcPrevious);
            for (int i = tokens.size() - 1; i >= 0; i--) {
                tokens.get(i).close();
            }
            tokens.clear();
            for (int i = 0; i < vars; i++) {
                TL.get(i).remove();
                ITL.get(i).remove();
                TTL.get(i).remove();
            }
        }
    }

    // ---- get -------------------------------------------------------------------------------

    /** Baseline for get: {@code ThreadLocal.get}. */
    @Benchmark
    public Integer threadLocalGet(Vars s) {
        return TL_0.get();
    }

    /** {@code InheritableThreadLocal.get}. */
    @Benchmark
    public Integer inheritableThreadLocalGet(Vars s) {
        return ITL_0.get();
    }

    /** {@code ContextVar.get} (cache hit: the context does not change between reads). */
    @Benchmark
    public Integer contextVarGet(Vars s) {
        return WEFT_0.get();
    }

    /** {@code Context.get(var)}: a trie lookup, the cost of a {@code ContextVar.get} cache miss. */
    @Benchmark
    public Integer contextGetUncached(Vars s) {
        return s.weftContext.get(WEFT_0);
    }

    /** gRPC {@code Context.Key.get()} in the attached context. */
    @Benchmark
    public Integer grpcKeyGet(Vars s) {
        return GRPC_0.get();
    }

    /** {@code TransmittableThreadLocal.get}. */
    @Benchmark
    public Integer ttlGet(Vars s) {
        return TTL_0.get();
    }

    /** {@code ScopedValue.get}, {@value #LOOP} reads inside one binding. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public void scopedValueGetLoop(Blackhole bh) {
        ScopedValue.where(SV, V_OLD).run(() -> {
            for (int i = 0; i < LOOP; i++) {
                bh.consume(SV.get());
            }
        });
    }

    /** {@code ThreadLocal.get} in the same loop shape as {@link #scopedValueGetLoop}. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public void threadLocalGetLoop(Vars s, Blackhole bh) {
        for (int i = 0; i < LOOP; i++) {
            bh.consume(TL_0.get());
        }
    }

    /** {@code ContextVar.get} in the same loop shape as {@link #scopedValueGetLoop}. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public void contextVarGetLoop(Vars s, Blackhole bh) {
        for (int i = 0; i < LOOP; i++) {
            bh.consume(WEFT_0.get());
        }
    }

    /** kotlinx: {@code context[key]?.value}, an element read from a context of {@code vars} elements. */
    @Benchmark
    public Object kotlinContextGet(Vars s) {
        return Coroutines.contextGet(s.kotlinContext);
    }

    /** kotlinx: the thread-local a {@code ThreadContextElement} installed, read inside the coroutine. */
    @Benchmark
    @OperationsPerInvocation(Coroutines.LOOP)
    public void kotlinThreadContextElementGetLoop(Blackhole bh) {
        Coroutines.threadContextElementGetLoop(KOTLIN_TL, V_OLD, bh);
    }

    /** {@code ThreadLocal.get} from two threads at once. */
    @Benchmark
    @Threads(2)
    public Integer threadLocalGetTwoThreads(Vars s) {
        return TL_0.get();
    }

    /** {@code ContextVar.get} from two threads at once, each in its own context (same var). */
    @Benchmark
    @Threads(2)
    public Integer contextVarGetTwoThreads(Vars s) {
        return WEFT_0.get();
    }

    // ---- set + reset -----------------------------------------------------------------------

    /** Baseline for set+reset: ThreadLocal get, set(new), set(old). */
    @Benchmark
    public void threadLocalSetRestore(Vars s) {
        Integer old = TL_0.get();
        TL_0.set(V_NEW);
        TL_0.set(old);
    }

    /** weft {@code set} then {@code Token.close()}. */
    @Benchmark
    public void contextVarSetReset(Vars s) {
        Token<Integer> t = WEFT_0.set(V_NEW);
        t.close();
    }

    /** {@link #threadLocalSetRestore} from two threads at once. */
    @Benchmark
    @Threads(2)
    public void threadLocalSetRestoreTwoThreads(Vars s) {
        Integer old = TL_0.get();
        TL_0.set(V_NEW);
        TL_0.set(old);
    }

    /**
     * {@link #contextVarSetReset} from two threads at once, each in its own context (same
     * variable): one thread keeps the variable's remembered place, the other sets by the walk.
     */
    @Benchmark
    @Threads(2)
    public void contextVarSetResetTwoThreads(Vars s) {
        Token<Integer> t = WEFT_0.set(V_NEW);
        t.close();
    }

    /** TTL get, set(new), set(old). */
    @Benchmark
    public void ttlSetRestore(Vars s) {
        Integer old = TTL_0.get();
        TTL_0.set(V_NEW);
        TTL_0.set(old);
    }

    /** gRPC {@code current().withValue(k, v)}, {@code attach}, {@code detach}. */
    @Benchmark
    public void grpcWithValueAttachDetach(Vars s) {
        io.grpc.Context next = io.grpc.Context.current().withValue(GRPC_0, V_NEW);
        io.grpc.Context previous = next.attach();
        next.detach(previous);
    }

    /** {@code ScopedValue.where(k, v).run(noop)}: binding and unbinding, ScopedValue's set+reset. */
    @Benchmark
    public void scopedValueWhereRun() {
        ScopedValue.where(SV, V_NEW).run(NOOP);
    }

    /** kotlinx: {@code withContext(tl.asContextElement(new)) { tl.get() }} inside a coroutine. */
    @Benchmark
    @OperationsPerInvocation(Coroutines.LOOP)
    public void kotlinWithContextSetReset(Blackhole bh) {
        Coroutines.withContextSetResetLoop(KOTLIN_TL, V_OLD, V_NEW, bh);
    }

    // ---- snapshot --------------------------------------------------------------------------

    /** weft {@code Context.copyCurrent()}: O(1). */
    @Benchmark
    public Context contextCopyCurrent(Vars s) {
        return Context.copyCurrent();
    }

    /** TTL {@code Transmitter.capture()}: copies every TTL set on the thread, O(n). */
    @Benchmark
    public Object ttlCapture(Vars s) {
        return TransmittableThreadLocal.Transmitter.capture();
    }

    /** gRPC {@code Context.current()}: the context is immutable, so this is its snapshot. */
    @Benchmark
    public io.grpc.Context grpcCurrent(Vars s) {
        return io.grpc.Context.current();
    }

    // ---- run in a context ------------------------------------------------------------------

    /** weft {@code ctx.run(noop)}: enter and exit a prepared context. */
    @Benchmark
    public void contextRun(Vars s) {
        s.weftContext.run(NOOP);
    }

    /** gRPC {@code ctx.run(noop)}: attach and detach. */
    @Benchmark
    public void grpcRun(Vars s) {
        s.grpcContext.run(NOOP);
    }

    /** ScopedValue {@code carrier.run(noop)} on a prepared carrier. */
    @Benchmark
    public void scopedValueCarrierRun() {
        SV_CARRIER.run(NOOP);
    }
}
