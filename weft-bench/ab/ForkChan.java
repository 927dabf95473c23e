/**
 * One implementation's channel hand-off in a JVM of its own, for forks.sh: loops
 * ChanLoop.weft or ChanLoop.jdk (20 000 items a call) for the given seconds, the first two as
 * warm-up, and prints the ns per item of the rest.
 */
public class ForkChan {
    public static void main(String[] a) throws Exception {
        boolean weft = a[0].equals("weft");
        long seconds = Long.parseLong(a[1]);
        int pairs = Integer.parseInt(a[2]), capacity = Integer.parseInt(a[3]), n = 20_000;
        long warm = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < warm) call(weft, n, pairs, capacity);
        long calls = 0, t0 = System.nanoTime(), end = t0 + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            call(weft, n, pairs, capacity);
            calls++;
        }
        System.out.printf("%.1f%n", (System.nanoTime() - t0) / (double) calls / n);
    }

    private static long call(boolean weft, int n, int pairs, int capacity) throws InterruptedException {
        return weft ? ChanLoop.weft(n, pairs, capacity) : ChanLoop.jdk(n, pairs, capacity);
    }
}
