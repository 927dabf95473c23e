package dev.weft;

import java.util.ArrayDeque;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck (stress mode) on the channel operations that never block: trySend, tryReceive and
 * close on a bounded(2) channel, plus send on an unbounded one, against an independent sequential
 * model; {@code ChannelLincheckModelCheckingTest} runs the bounded case under model checking. Lincheck models blocking only for Kotlin suspending functions, so
 * blocking send and receive, and the rendezvous channel, are checked by
 * {@code ChannelLinearizabilityTest} instead.
 */
@Tag("stress")
public class ChannelLincheckTest {

    /** trySend, tryReceive and close on bounded(2) are linearizable (stress mode). */
    @Test
    void boundedTryOperationsAreLinearizableUnderStress() {
        new StressOptions().iterations(20).invocationsPerIteration(1_000).threads(3).actorsPerThread(3)
                .sequentialSpecification(Model2.class).check(BoundedOps.class);
    }

    /** send, trySend, tryReceive and close on an unbounded channel are linearizable (stress mode). */
    @Test
    void unboundedOperationsAreLinearizableUnderStress() {
        new StressOptions().iterations(20).invocationsPerIteration(1_000).threads(3).actorsPerThread(3)
                .sequentialSpecification(UnboundedModel.class).check(UnboundedOps.class);
    }

    static Object closed() {
        return "closed";
    }

    /** The operations under test on a bounded(2) channel; results are values or "closed". */
    @Param(name = "v", gen = IntGen.class, conf = "1:9")
    public static class BoundedOps {
        private final Channel<Integer> ch = Channel.bounded(2);

        /** trySend. */
        @Operation
        public Object trySend(@Param(name = "v") int v) {
            try {
                return ch.trySend(v);
            } catch (ChannelClosedException e) {
                return closed();
            }
        }

        /** tryReceive. */
        @Operation
        public Object tryReceive() {
            try {
                return ch.tryReceive().orElse(null);
            } catch (ChannelClosedException e) {
                return closed();
            }
        }

        /** close. */
        @Operation
        public void close() {
            ch.close();
        }

        /** isClosed. */
        @Operation
        public boolean isClosed() {
            return ch.isClosed();
        }
    }

    /** The sequential model of a channel of some capacity. */
    public static class Model {
        private final int capacity;
        private final ArrayDeque<Integer> buffer = new ArrayDeque<>();
        private boolean closed;

        Model(int capacity) {
            this.capacity = capacity;
        }

        /** trySend. */
        public Object trySend(int v) {
            if (closed) {
                return closed();
            }
            if (buffer.size() == capacity) {
                return false;
            }
            buffer.addLast(v);
            return true;
        }

        /** send (never called while full). */
        public Object send(int v) {
            Object r = trySend(v);
            return r instanceof Boolean ? null : r;
        }

        /** tryReceive. */
        public Object tryReceive() {
            if (buffer.isEmpty()) {
                return closed ? closed() : null;
            }
            return buffer.pollFirst();
        }

        /** close. */
        public void close() {
            closed = true;
        }

        /** isClosed. */
        public boolean isClosed() {
            return closed;
        }
    }

    /** The model of bounded(2). */
    public static class Model2 extends Model {
        /** Creates it. */
        public Model2() {
            super(2);
        }
    }

    /** The model of an unbounded channel. */
    public static class UnboundedModel extends Model {
        /** Creates it. */
        public UnboundedModel() {
            super(Integer.MAX_VALUE);
        }
    }

    /** The operations under test on an unbounded channel, where send never blocks. */
    @Param(name = "v", gen = IntGen.class, conf = "1:9")
    public static class UnboundedOps {
        private final Channel<Integer> ch = Channel.unbounded();

        /** send. */
        @Operation
        public Object send(@Param(name = "v") int v) {
            try {
                ch.send(v);
                return null;
            } catch (ChannelClosedException e) {
                return closed();
            }
        }

        /** trySend. */
        @Operation
        public Object trySend(@Param(name = "v") int v) {
            try {
                return ch.trySend(v);
            } catch (ChannelClosedException e) {
                return closed();
            }
        }

        /** tryReceive. */
        @Operation
        public Object tryReceive() {
            try {
                return ch.tryReceive().orElse(null);
            } catch (ChannelClosedException e) {
                return closed();
            }
        }

        /** close. */
        @Operation
        public void close() {
            ch.close();
        }
    }
}
