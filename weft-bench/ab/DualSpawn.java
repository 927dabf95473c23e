import java.lang.invoke.*;
import java.util.*;
/** spawn+join of 1 000 tasks from a virtual thread, two weft builds interleaved in one JVM, raw threads between. */
public class DualSpawn {
    public static void main(String[] a) throws Throwable {
        Thread t = Thread.ofVirtual().start(() -> { try { run(a); } catch (Throwable e) { e.printStackTrace(); } });
        t.join();
    }
    static void run(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int n = 1000;
        List<String> names = new ArrayList<>();
        List<MethodHandle> weft = new ArrayList<>();
        MethodHandle raw = null, floor = null, sts = null;
        MethodType mt = MethodType.methodType(long.class, int.class);
        for (int i = 1; i < a.length; i++) {
            Class<?> c = Builds.load(a[i], "SpawnLoop");
            weft.add(Builds.handle(c, "weft", mt));
            if (raw == null) { // the JDK baselines in a loader of their own, apart from any build's code
                Class<?> jdk = Builds.load(a[i], "SpawnLoop");
                raw = Builds.handle(jdk, "raw", mt);
                floor = Builds.handle(jdk, "floor", mt);
                sts = Builds.handle(jdk, "sts", mt);
            }
            names.add(Builds.label(a[i]));
        }
        int k = weft.size();
        double[][] w = new double[k][rounds];
        double[] r = new double[rounds];
        double[] fl = new double[rounds];
        double[] st = new double[rounds];
        long sink = 0;
        for (int i = 0; i < 300; i++) { for (MethodHandle m : weft) sink += (long) m.invokeExact(n); sink += (long) raw.invokeExact(n); sink += (long) floor.invokeExact(n); sink += (long) sts.invokeExact(n); }
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime(); sink += (long) raw.invokeExact(n); r[i] = (System.nanoTime() - t0) / 1e3;
            t0 = System.nanoTime(); sink += (long) floor.invokeExact(n); fl[i] = (System.nanoTime() - t0) / 1e3;
            t0 = System.nanoTime(); sink += (long) sts.invokeExact(n); st[i] = (System.nanoTime() - t0) / 1e3;
            for (int j = 0; j < k; j++) {
                int jj = (i % 2 == 0) ? j : k - 1 - j; // alternate the order
                t0 = System.nanoTime(); sink += (long) weft.get(jj).invokeExact(n); w[jj][i] = (System.nanoTime() - t0) / 1e3;
            }
        }
        double[] rs = r.clone(); Arrays.sort(rs);
        System.out.printf("raw virtual threads   min %.0f p25 %.0f median %.0f us%n", rs[0], rs[rounds / 4], rs[rounds / 2]);
        line("floor (named + 1 TL)", fl, r);
        line("StructuredTaskScope", st, r);
        for (int j = 0; j < k; j++) {
            line(names.get(j), w[j], r);
        }
        if (k == 2) {
            double[] d = new double[rounds]; for (int i = 0; i < rounds; i++) d[i] = w[1][i] - w[0][i]; Arrays.sort(d);
            System.out.printf("paired difference (%s - %s): p25 %.0f median %.0f p75 %.0f us%n", names.get(1), names.get(0), d[rounds / 4], d[rounds / 2], d[3 * rounds / 4]);
        }
        if (sink == 42) System.out.println();
    }

    /** One line: the times' spread and their ratio to raw threads in the same round. */
    static void line(String label, double[] times, double[] raw) {
        int rounds = times.length;
        double[] ts = times.clone(); Arrays.sort(ts);
        double[] ratio = new double[rounds]; for (int i = 0; i < rounds; i++) ratio[i] = times[i] / raw[i]; Arrays.sort(ratio);
        System.out.printf("%-20s  min %.0f p25 %.0f median %.0f us; ratio to raw (same round) p25 %.2f median %.2f%n",
                label, ts[0], ts[rounds / 4], ts[rounds / 2], ratio[rounds / 4], ratio[rounds / 2]);
    }
}
