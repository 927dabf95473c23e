package dev.weft.bench;

import java.util.concurrent.ArrayBlockingQueue;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of one channel operation that never waits: one thread sends {@value #BATCH} items with
 * the blocking {@code send}/{@code put}, then receives them, so nothing parks and nothing
 * contends. This isolates the per-operation work (the lock, the buffer, and for weft the
 * cancellation checkpoint every blocking call makes) from the scheduling that dominates
 * {@link QueueBaselineBenchmark#handOff}, and is much less disturbed by other load on the
 * machine, since no hand-off between threads is timed. Score: time per operation (a send or a
 * receive).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChannelOpBenchmark {
    /** Items sent, then received, per invocation; at most every capacity below. */
    static final int BATCH = 16;
    static final Object ITEM = new Object();

    /** The implementation and its capacity. */
    @State(Scope.Thread)
    public static class Pipes {
        /** {@code ABQ}, {@code JOX} (a buffered Jox channel) or {@code WEFT} (a bounded weft channel). */
        @Param({"ABQ", "JOX", "WEFT"})
        public String impl;

        /** The buffer's capacity. */
        @Param({"16", "1024"})
        public int capacity;

        QueueBaselineBenchmark.Pipe pipe;

        /** Creates the channel. */
        @Setup(Level.Trial)
        public void create() {
            pipe = QueueBaselineBenchmark.Impl.valueOf(impl.equals("ABQ") ? "ABQ_" + capacity
                    : impl.equals("JOX") ? "JOX_BUFFERED_" + capacity : "WEFT_BOUNDED_" + capacity).create();
        }
    }

    /**
     * Sends {@value #BATCH} items, then receives them.
     *
     * @param s the channel
     * @param bh consumes what is received
     * @throws InterruptedException never: nothing waits
     */
    @Benchmark
    @OperationsPerInvocation(2 * BATCH)
    public void sendThenReceive(Pipes s, Blackhole bh) throws InterruptedException {
        QueueBaselineBenchmark.Pipe pipe = s.pipe;
        for (int i = 0; i < BATCH; i++) {
            pipe.send(ITEM);
        }
        for (int i = 0; i < BATCH; i++) {
            bh.consume(pipe.receive());
        }
    }
}
