import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
/**
 * The builds of a paired run: each weft jar in a class loader of its own, with its own copy of a
 * loop class (compiled into -Dab.loops), so that the JIT compiles each build's code apart; the
 * JDK peers get a loader of their own too, so that no peer shares its loop with a build.
 */
final class Builds {
    /** The shape of most loops: {@code static long loop(int n)}. */
    static final MethodType LOOP = MethodType.methodType(long.class, int.class);

    private Builds() {
    }

    /** Loads the loop class {@code loop} beside the weft classes of {@code jar}. */
    static Class<?> load(String jar, String loop) throws Exception {
        URLClassLoader l = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL(),
                Path.of(System.getProperty("ab.loops")).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        return Class.forName(loop, true, l);
    }

    /** A public static method of a loop class. */
    static MethodHandle handle(Class<?> c, String name, MethodType type) throws ReflectiveOperationException {
        return MethodHandles.publicLookup().findStatic(c, name, type);
    }

    /** The jar's file name, to label its figures. */
    static String label(String jar) {
        return Path.of(jar).getFileName().toString();
    }
}
