import dev.weft.TaskGroup;
/** Loaded once per weft jar. */
public class SpawnLoop {
    static final Integer RESULT = 1;
    static final Runnable NOOP = () -> { };
    public static long weft(int n) {
        TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                g.spawn(() -> RESULT);
            }
            return null;
        });
        return n;
    }
    static final ThreadLocal<Object> RECORD = new ThreadLocal<>();
    /**
     * The floor for a library on virtual threads that names each task's thread and keeps one
     * per-thread record in a ThreadLocal (weft does both): raw threads, each named and setting one
     * ThreadLocal in its body, joined each. No task handle, scope or context: only those two JDK costs.
     */
    public static long floor(int n) throws InterruptedException {
        Thread[] ts = new Thread[n];
        java.util.concurrent.ThreadFactory f = Thread.ofVirtual().factory();
        for (int i = 0; i < n; i++) {
            Object record = new Object();
            Thread t = f.newThread(() -> RECORD.set(record));
            t.setName("floor-" + i);
            t.start();
            ts[i] = t;
        }
        for (Thread t : ts) t.join();
        return n;
    }
    /** The JDK's structured concurrency (preview in 25): fork each, join, close. */
    public static long sts(int n) throws InterruptedException {
        try (var scope = java.util.concurrent.StructuredTaskScope.open()) {
            for (int i = 0; i < n; i++) {
                scope.fork(() -> RESULT);
            }
            scope.join();
        }
        return n;
    }
    public static long raw(int n) throws InterruptedException {
        Thread[] ts = new Thread[n];
        Thread.Builder b = Thread.ofVirtual();
        for (int i = 0; i < n; i++) ts[i] = b.start(NOOP);
        for (Thread t : ts) t.join();
        return n;
    }
}
