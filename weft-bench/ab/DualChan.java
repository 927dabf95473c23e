import java.lang.invoke.*;
import java.util.*;
/**
 * Channel hand-off per item, weft builds interleaved in one JVM with the JDK peer (SynchronousQueue
 * for capacity 0, ArrayBlockingQueue otherwise) run first in every round: -Dab.pairs (1),
 * -Dab.capacity (0); see PeerRounds.
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
            weft.add(MethodHandles.insertArguments(Builds.handle(c, "weft", mt), 1, pairs, capacity));
            if (jdk == null) { // the peer in a loader of its own: its loop is profiled apart from any build's
                jdk = MethodHandles.insertArguments(Builds.handle(Builds.load(a[i], "ChanLoop"), "jdk", mt), 1, pairs, capacity);
            }
            names.add(Builds.label(a[i]));
        }
        System.out.printf("%d rounds of %d items, %d producer(s) / %d consumer(s), ns per item%n", rounds, n, pairs, pairs);
        PeerRounds.run(rounds, n, 100, capacity == 0 ? "SynchronousQueue" : "ArrayBlockingQueue(" + capacity + ")",
                jdk, weft, names);
    }
}
