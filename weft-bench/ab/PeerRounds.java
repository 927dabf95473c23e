import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.List;
/**
 * Weft builds beside one peer, interleaved in rounds in one JVM: each round runs the peer, then
 * every build (in alternating order), each call {@code n} items. Prints ns per item, each build's
 * same-round ratio to the peer and, for two builds, their paired difference; -Dab.trace=true also
 * prints every round (the peer, then each build).
 */
final class PeerRounds {
    private PeerRounds() {
    }

    /** {@code peer} and each of {@code builds} are {@code long loop(int n)}. */
    static void run(int rounds, int n, int warmups, String peerLabel, MethodHandle peer, List<MethodHandle> builds,
                    List<String> labels) throws Throwable {
        boolean trace = Boolean.getBoolean("ab.trace");
        int k = builds.size();
        double[][] w = new double[k][rounds];
        double[] p = new double[rounds];
        long sink = 0;
        for (int i = 0; i < warmups; i++) {
            for (MethodHandle m : builds) sink += (long) m.invokeExact(n);
            sink += (long) peer.invokeExact(n);
        }
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime(); sink += (long) peer.invokeExact(n); p[i] = (System.nanoTime() - t0) / (double) n;
            for (int j = 0; j < k; j++) {
                int jj = (i % 2 == 0) ? j : k - 1 - j; // alternate the order
                t0 = System.nanoTime(); sink += (long) builds.get(jj).invokeExact(n); w[jj][i] = (System.nanoTime() - t0) / (double) n;
            }
            if (trace) {
                StringBuilder sb = new StringBuilder(String.format("round %d: %.0f", i, p[i]));
                for (int j = 0; j < k; j++) sb.append(String.format(" %.0f", w[j][i]));
                System.out.println(sb);
            }
        }
        double[] ps = p.clone(); Arrays.sort(ps);
        System.out.printf("%-22s  min %.0f p25 %.0f median %.0f p75 %.0f%n", peerLabel, ps[0], ps[rounds / 4], ps[rounds / 2], ps[3 * rounds / 4]);
        for (int j = 0; j < k; j++) {
            double[] ws = w[j].clone(); Arrays.sort(ws);
            double[] ratio = new double[rounds]; for (int i = 0; i < rounds; i++) ratio[i] = w[j][i] / p[i]; Arrays.sort(ratio);
            System.out.printf("%-22s  min %.0f p25 %.0f median %.0f p75 %.0f; ratio to the peer (same round) p25 %.2f median %.2f p75 %.2f%n",
                    labels.get(j), ws[0], ws[rounds / 4], ws[rounds / 2], ws[3 * rounds / 4], ratio[rounds / 4], ratio[rounds / 2], ratio[3 * rounds / 4]);
        }
        if (k == 2) {
            double[] d = new double[rounds]; for (int i = 0; i < rounds; i++) d[i] = w[1][i] - w[0][i]; Arrays.sort(d);
            System.out.printf("paired difference (%s - %s): p25 %.1f median %.1f p75 %.1f ns per item%n", labels.get(1), labels.get(0), d[rounds / 4], d[rounds / 2], d[3 * rounds / 4]);
        }
        if (sink == 42) System.out.println();
    }
}
