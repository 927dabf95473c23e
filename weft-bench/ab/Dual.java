import java.lang.invoke.*;
import java.util.*;
/** Interleaves the same loop over two weft builds in one JVM: noise from other processes hits both alike. */
public class Dual {
    public static void main(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int n = 2_000_000;
        boolean set = Boolean.getBoolean("ab.set"); // set+reset instead of get
        String op = set ? "set+reset" : "get";
        List<String> names = new ArrayList<>();
        List<MethodHandle> gets = new ArrayList<>(), tls = new ArrayList<>();
        for (int i = 1; i < a.length; i++) {
            Class<?> c = Builds.load(a[i], "GetLoop");
            c.getMethod("setUp").invoke(null);
            MethodType mt = MethodType.methodType(long.class, int.class);
            gets.add(Builds.handle(c, set ? "setLoop" : "getLoop", mt));
            tls.add(Builds.handle(c, set ? "tlSetLoop" : "tlLoop", mt));
            names.add(Builds.label(a[i]));
        }
        int k = gets.size();
        double[][] g = new double[k][rounds], t = new double[k][rounds];
        long sink = 0;
        for (int w = 0; w < 30; w++) for (int j = 0; j < k; j++) { sink += (long) gets.get(j).invokeExact(n); sink += (long) tls.get(j).invokeExact(n); }
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < k; j++) {
                long t0 = System.nanoTime(); sink += (long) gets.get(j).invokeExact(n); long t1 = System.nanoTime();
                sink += (long) tls.get(j).invokeExact(n); long t2 = System.nanoTime();
                g[j][r] = (t1 - t0) / (double) n; t[j][r] = (t2 - t1) / (double) n;
            }
        }
        for (int j = 0; j < k; j++) {
            double[] gs = g[j].clone(), ts = t[j].clone(); Arrays.sort(gs); Arrays.sort(ts);
            double[] ratio = new double[rounds]; for (int r = 0; r < rounds; r++) ratio[r] = g[j][r] / t[j][r]; Arrays.sort(ratio);
            System.out.printf("%-20s ContextVar %s min %.3f p25 %.3f median %.3f ns | ThreadLocal min %.3f median %.3f ns | ratio median %.2f%n",
                names.get(j), op, gs[0], gs[rounds / 4], gs[rounds / 2], ts[0], ts[rounds / 2], ratio[rounds / 2]);
        }
        if (k == 2) {
            double[] d = new double[rounds]; for (int r = 0; r < rounds; r++) d[r] = g[1][r] - g[0][r]; Arrays.sort(d);
            System.out.printf("paired difference (%s - %s) of ContextVar %s: p25 %.3f median %.3f p75 %.3f ns%n", names.get(1), names.get(0), op, d[rounds / 4], d[rounds / 2], d[3 * rounds / 4]);
        }
        if (sink == 42) System.out.println();
    }
}
