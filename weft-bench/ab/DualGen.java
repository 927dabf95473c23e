import java.lang.invoke.*;
import java.util.*;
/**
 * Generator per item, weft builds interleaved in one JVM with the lock-step floor (GenLoop) run
 * first in every round; -Dab.trace=true prints every round's times (ns per item: the floor, then
 * each build), which shows the machine's hand-off state moving under both alike.
 */
public class DualGen {
    public static void main(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int n = 20_000;
        boolean trace = Boolean.getBoolean("ab.trace");
        List<String> names = new ArrayList<>();
        List<MethodHandle> weft = new ArrayList<>();
        MethodHandle floor = null;
        MethodType mt = MethodType.methodType(long.class, int.class);
        for (int i = 1; i < a.length; i++) {
            Class<?> c = Builds.load(a[i], "GenLoop");
            weft.add(Builds.handle(c, "weft", mt));
            if (floor == null) floor = Builds.handle(c, "floor", mt);
            names.add(Builds.label(a[i]));
        }
        int k = weft.size();
        double[][] w = new double[k][rounds];
        double[] f = new double[rounds];
        long sink = 0;
        for (int i = 0; i < 200; i++) { for (MethodHandle m : weft) sink += (long) m.invokeExact(n); sink += (long) floor.invokeExact(n); }
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime(); sink += (long) floor.invokeExact(n); f[i] = (System.nanoTime() - t0) / (double) n;
            for (int j = 0; j < k; j++) {
                int jj = (i % 2 == 0) ? j : k - 1 - j; // alternate the order
                t0 = System.nanoTime(); sink += (long) weft.get(jj).invokeExact(n); w[jj][i] = (System.nanoTime() - t0) / (double) n;
            }
            if (trace) {
                StringBuilder sb = new StringBuilder(String.format("round %d: %.0f", i, f[i]));
                for (int j = 0; j < k; j++) sb.append(String.format(" %.0f", w[j][i]));
                System.out.println(sb);
            }
        }
        System.out.printf("%d rounds of %d items, ns per item%n", rounds, n);
        double[] fs = f.clone(); Arrays.sort(fs);
        System.out.printf("%-22s  p25 %.0f median %.0f p75 %.0f%n", "lock-step floor", fs[rounds / 4], fs[rounds / 2], fs[3 * rounds / 4]);
        for (int j = 0; j < k; j++) {
            double[] ws = w[j].clone(); Arrays.sort(ws);
            double[] ratio = new double[rounds]; for (int i = 0; i < rounds; i++) ratio[i] = w[j][i] / f[i]; Arrays.sort(ratio);
            System.out.printf("%-22s  p25 %.0f median %.0f p75 %.0f; ratio to the floor (same round) p25 %.2f median %.2f p75 %.2f%n",
                    names.get(j), ws[rounds / 4], ws[rounds / 2], ws[3 * rounds / 4], ratio[rounds / 4], ratio[rounds / 2], ratio[3 * rounds / 4]);
        }
        if (k == 2) {
            double[] d = new double[rounds]; for (int i = 0; i < rounds; i++) d[i] = w[1][i] - w[0][i]; Arrays.sort(d);
            System.out.printf("paired difference (%s - %s): p25 %.1f median %.1f p75 %.1f ns per item%n", names.get(1), names.get(0), d[rounds / 4], d[rounds / 2], d[3 * rounds / 4]);
        }
        if (sink == 42) System.out.println();
    }
}
