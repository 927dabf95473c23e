import java.lang.invoke.*;
import java.util.*;
/**
 * Channel hand-off per item, two weft builds interleaved in one JVM, the JDK peer (SynchronousQueue
 * for capacity 0, ArrayBlockingQueue otherwise) between them: -Dab.pairs (1), -Dab.capacity (0).
 */
public class DualChan {
    public static void main(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int n = 20_000;
        int pairs = Integer.getInteger("ab.pairs", 1);
        int capacity = Integer.getInteger("ab.capacity", 0);
        List<String> names = new ArrayList<>();
        List<MethodHandle> weft = new ArrayList<>();
        MethodHandle jdk = null;
        MethodType mt = MethodType.methodType(long.class, int.class, int.class, int.class);
        for (int i = 1; i < a.length; i++) {
            Class<?> c = Builds.load(a[i], "ChanLoop");
            weft.add(Builds.handle(c, "weft", mt));
            if (jdk == null) jdk = Builds.handle(c, "jdk", mt);
            names.add(Builds.label(a[i]));
        }
        int k = weft.size();
        double[][] w = new double[k][rounds];
        double[] r = new double[rounds];
        long sink = 0;
        for (int i = 0; i < 100; i++) { for (MethodHandle m : weft) sink += (long) m.invokeExact(n, pairs, capacity); sink += (long) jdk.invokeExact(n, pairs, capacity); }
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime(); sink += (long) jdk.invokeExact(n, pairs, capacity); r[i] = (System.nanoTime() - t0) / (double) n;
            for (int j = 0; j < k; j++) {
                int jj = (i % 2 == 0) ? j : k - 1 - j; // alternate the order
                t0 = System.nanoTime(); sink += (long) weft.get(jj).invokeExact(n, pairs, capacity); w[jj][i] = (System.nanoTime() - t0) / (double) n;
            }
        }
        String peer = capacity == 0 ? "SynchronousQueue" : "ArrayBlockingQueue(" + capacity + ")";
        System.out.printf("%d rounds of %d items, %d producer(s) / %d consumer(s), ns per item%n", rounds, n, pairs, pairs);
        double[] rs = r.clone(); Arrays.sort(rs);
        System.out.printf("%-22s  min %.0f p25 %.0f median %.0f%n", peer, rs[0], rs[rounds / 4], rs[rounds / 2]);
        for (int j = 0; j < k; j++) {
            double[] ws = w[j].clone(); Arrays.sort(ws);
            double[] ratio = new double[rounds]; for (int i = 0; i < rounds; i++) ratio[i] = w[j][i] / r[i]; Arrays.sort(ratio);
            System.out.printf("%-22s  min %.0f p25 %.0f median %.0f; ratio to the peer (same round) p25 %.2f median %.2f%n",
                    names.get(j), ws[0], ws[rounds / 4], ws[rounds / 2], ratio[rounds / 4], ratio[rounds / 2]);
        }
        if (k == 2) {
            double[] d = new double[rounds]; for (int i = 0; i < rounds; i++) d[i] = w[1][i] - w[0][i]; Arrays.sort(d);
            System.out.printf("paired difference (%s - %s): p25 %.1f median %.1f p75 %.1f ns per item%n", names.get(1), names.get(0), d[rounds / 4], d[rounds / 2], d[3 * rounds / 4]);
        }
        if (sink == 42) System.out.println();
    }
}
