import dev.weft.Generator;
import java.util.concurrent.locks.LockSupport;
/**
 * Loaded once per weft jar: n items taken by a virtual thread from a weft generator, and the
 * lock-step floor beside it (two virtual threads, one round trip per item: each side spins 32
 * rounds for the other, then yields 8 times, then parks; QueueBaselineBenchmark's
 * generatorFloorSpin32Yield8).
 */
public class GenLoop {
    static final Object ITEM = new Object();

    /** weft's generator, consumed by a virtual thread. */
    public static long weft(int n) throws InterruptedException {
        long[] taken = new long[1];
        Thread c = Thread.ofVirtual().start(() -> {
            try (Generator<Object> g = Generator.of(out -> {
                for (int i = 0; i < n; i++) {
                    out.yield(ITEM);
                }
            })) {
                for (Object o : g) {
                    if (o != ITEM) throw new AssertionError("wrong item");
                    taken[0]++;
                }
            }
        });
        c.join();
        if (taken[0] != n) throw new AssertionError("lost items");
        return taken[0];
    }

    /** The floor: a lock-step round trip per item between two virtual threads and nothing else. */
    public static long floor(int n) throws InterruptedException {
        return new PingPong().run(n);
    }

    static final class PingPong {
        private volatile int turn; // 0: the consumer's, 1: the producer's
        private Thread consumer, producer;
        private Object item;
        private long taken;

        private void await(int mine) {
            for (int i = 0; i < 32 && turn != mine; i++) Thread.onSpinWait();
            for (int round = 0; turn != mine; round++) {
                if (round < 8) Thread.yield(); else LockSupport.park(this);
            }
        }

        long run(int n) throws InterruptedException {
            producer = Thread.ofVirtual().unstarted(() -> {
                for (int i = 0; i < n; i++) {
                    await(1);
                    item = ITEM;
                    turn = 0;
                    LockSupport.unpark(consumer);
                }
            });
            consumer = Thread.ofVirtual().unstarted(() -> {
                for (int i = 0; i < n; i++) {
                    turn = 1;
                    LockSupport.unpark(producer);
                    await(0);
                    if (item != ITEM) throw new AssertionError("wrong item");
                    item = null;
                    taken++;
                }
            });
            producer.start();
            consumer.start();
            producer.join();
            consumer.join();
            return taken;
        }
    }
}
