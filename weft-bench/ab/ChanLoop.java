import dev.weft.Channel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
/** Loaded once per weft jar: n items from p producers to p consumers, all virtual threads. */
public class ChanLoop {
    static final Object ITEM = new Object();

    /** weft's channel: capacity 0 is a rendezvous channel, else bounded(capacity). */
    public static long weft(int n, int pairs, int capacity) throws InterruptedException {
        Channel<Object> ch = capacity == 0 ? Channel.rendezvous() : Channel.bounded(capacity);
        return run(n, pairs, ch::send, ch::receive);
    }

    /** The JDK peer: SynchronousQueue for capacity 0, else ArrayBlockingQueue(capacity). */
    public static long jdk(int n, int pairs, int capacity) throws InterruptedException {
        BlockingQueue<Object> q = capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
        return run(n, pairs, q::put, q::take);
    }

    interface Put { void put(Object x) throws InterruptedException; }
    interface Take { Object take() throws InterruptedException; }

    static long run(int n, int pairs, Put put, Take take) throws InterruptedException {
        int per = n / pairs;
        Thread[] ts = new Thread[2 * pairs];
        for (int p = 0; p < pairs; p++) {
            ts[2 * p] = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < per; i++) put.put(ITEM);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            ts[2 * p + 1] = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < per; i++) if (take.take() != ITEM) throw new AssertionError("wrong item");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (Thread t : ts) t.join();
        return per * pairs;
    }
}
