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
    public static long raw(int n) throws InterruptedException {
        Thread[] ts = new Thread[n];
        Thread.Builder b = Thread.ofVirtual();
        for (int i = 0; i < n; i++) ts[i] = b.start(NOOP);
        for (Thread t : ts) t.join();
        return n;
    }
}
