import java.lang.invoke.*;
import java.util.*;
/**
 * Generator per item, weft builds interleaved in one JVM with the lock-step floor (GenLoop) run
 * first in every round; see PeerRounds. -Dab.trace=true prints every round's times, which shows
 * the machine's hand-off state moving under both alike.
 */
public class DualGen {
    public static void main(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int n = 20_000;
        List<String> names = new ArrayList<>();
        List<MethodHandle> weft = new ArrayList<>();
        MethodHandle floor = null;
        for (int i = 1; i < a.length; i++) {
            Class<?> c = Builds.load(a[i], "GenLoop");
            weft.add(Builds.handle(c, "weft", Builds.LOOP));
            if (floor == null) { // the floor in a loader of its own: its loop is profiled apart from any build's
                floor = Builds.handle(Builds.load(a[i], "GenLoop"), "floor", Builds.LOOP);
            }
            names.add(Builds.label(a[i]));
        }
        System.out.printf("%d rounds of %d items, ns per item%n", rounds, n);
        PeerRounds.run(rounds, n, 200, "lock-step floor", floor, weft, names);
    }
}
