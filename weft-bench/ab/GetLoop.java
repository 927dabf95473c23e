import dev.weft.ContextVar;
import dev.weft.Token;
/** ContextVar.get and set+reset loops beside their ThreadLocal twins. Loaded once per weft jar: its JIT code is specialized to that jar's classes. */
public class GetLoop {
    static final ContextVar<Integer> V = ContextVar.of("v", 0);
    static final ThreadLocal<Integer> TL = new ThreadLocal<>();
    static volatile int fence;
    static Object token;
    /** How many variables of each kind are set (-Dab.vars, default 1); the loops use the first. */
    static final int VARS = Integer.getInteger("ab.vars", 1);
    static final java.util.List<Object> KEEP = new java.util.ArrayList<>();
    public static void setUp() {
        token = V.set(42);
        TL.set(42);
        for (int i = 1; i < VARS; i++) { // as ContextBenchmark's vars=100: the others set too
            ContextVar<Integer> v = ContextVar.of("v" + i);
            ThreadLocal<Integer> t = new ThreadLocal<>();
            KEEP.add(v.set(i));
            t.set(i);
            KEEP.add(t);
        }
    }
    public static long getLoop(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += fence; // a volatile read: the get below cannot be hoisted out of the loop
            s += V.get();
        }
        return s;
    }
    /** A set and its token's close, as ContextBenchmark.contextVarSetReset. */
    public static long setLoop(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += fence;
            V.set(i & 1).close();
        }
        return s;
    }
    /** ThreadLocal get, set, set back, as ContextBenchmark.threadLocalSetRestore. */
    public static long tlSetLoop(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += fence;
            Integer old = TL.get();
            TL.set(i & 1);
            TL.set(old);
        }
        return s;
    }
    public static long tlLoop(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += fence;
            s += TL.get();
        }
        return s;
    }
}
