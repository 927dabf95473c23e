package dev.weft;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public method and constructor of the exported package, called with {@code null} for one
 * reference parameter at a time, fails with a {@link NullPointerException} whose message names
 * the parameter and says what to pass instead ({@code "body is null: pass the code to run..."}),
 * unless the parameter is documented as accepting null ({@link #NULLABLE}).
 *
 * <p>The walk is by reflection over the compiled classes, so a method added later is checked
 * without touching this test; a public type whose instance methods the test cannot reach yet
 * fails the test with the instruction to add it to {@link #instances}.
 */
class NullArgumentMessagesTest {
    /**
     * Parameters documented as accepting null, as {@code Type.member(ParamTypes)#parameter}:
     * values of context variables and of a resumed suspension ({@code null} is a legal value), optional names and contexts of
     * {@code spawn}, the explicit cause of a group, the parts of a split, an exception's message.
     */
    private static final Set<String> NULLABLE = Set.of(
            "ContextVar.of(String,Object)#defaultValue",
            "ContextVar.get(Object)#fallback",
            "ContextVar.set(Object)#value",
            "ContextVar.Builder.defaultValue(Object)#value",
            "TaskGroup.spawn(String,Callable,Context)#name",
            "TaskGroup.spawn(String,Callable,Context)#context",
            "ExceptionGroup.<init>(String,List,Throwable)#cause",
            "ExceptionGroup.Split.<init>(ExceptionGroup,ExceptionGroup)#matched",
            "ExceptionGroup.Split.<init>(ExceptionGroup,ExceptionGroup)#rest",
            "ChannelClosedException.<init>(String)#message",
            "Suspension.resume(Object)#value");

    private static final ExecutorService POOL = Executors.newSingleThreadExecutor();
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor();

    /** How to reach an instance of a public type, in the state where its methods may be called. */
    @FunctionalInterface
    private interface Instance {
        void with(Consumer<Object> use) throws Exception;
    }

    private static final Map<Class<?>, Instance> instances = Map.ofEntries(
            Map.entry(TaskGroup.class, use -> TaskGroup.run("nulls", g -> {
                use.accept(g);
                return null;
            })),
            Map.entry(CancelScope.class, use -> CancelScope.run(s -> {
                use.accept(s);
                return null;
            })),
            Map.entry(Task.class, use -> TaskGroup.run(g -> {
                Task<Integer> t = g.spawn(() -> 1);
                t.join();
                use.accept(t);
                return null;
            })),
            Map.entry(Context.class, use -> use.accept(Context.empty())),
            Map.entry(ContextVar.class, use -> use.accept(ContextVar.of("nulls"))),
            Map.entry(ContextVar.Builder.class, use -> use.accept(ContextVar.builder("nulls"))),
            Map.entry(Token.class, use -> {
                try (Token<String> t = ContextVar.<String>of("nulls").set("v")) {
                    use.accept(t);
                }
            }),
            Map.entry(Deadline.class, use -> use.accept(Deadline.after(Duration.ofSeconds(1)))),
            Map.entry(Channel.class, use -> use.accept(Channel.bounded(4))),
            Map.entry(Generator.class, use -> {
                try (Generator<String> g = Generator.of(out -> out.yield("v"))) {
                    use.accept(g);
                }
            }),
            Map.entry(Suspension.class, use -> use.accept(Suspension.create())),
            Map.entry(ExceptionGroup.class, use -> use.accept(
                    new ExceptionGroup("nulls", List.of(new IllegalStateException("member"))))));

    /** The walk finds the API's entry points (a sanity check that it walks something). */
    @Test
    void walkReachesTheWholeApi() throws Exception {
        List<String> names = publicTypes().stream().map(NullArgumentMessagesTest::name).toList();
        for (String expected : List.of("TaskGroup", "CancelScope", "Timeout", "Generator", "Channel",
                "ContextVar", "ContextVar.Builder", "Context", "ContextExecutors", "ExceptionGroup", "Weft")) {
            assertTrue(names.contains(expected), () -> expected + " not found among " + names);
        }
        assertTrue(Parameter.class.isInstance(TaskGroup.class.getMethod("run", TaskGroup.Body.class).getParameters()[0])
                && TaskGroup.class.getMethod("run", TaskGroup.Body.class).getParameters()[0].isNamePresent(),
                "weft-core must be compiled with -parameters (see weft-core/pom.xml)");
    }

    /** A null argument fails with a message that names the parameter and the fix. */
    @Test
    void everyNullArgumentFailsWithAMessageNamingTheParameterAndTheFix() throws Exception {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Class<?> type : publicTypes()) {
            List<Executable> statics = new ArrayList<>();
            List<Method> instanceMethods = new ArrayList<>();
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (Modifier.isPublic(c.getModifiers()) && !Modifier.isAbstract(type.getModifiers())) {
                    statics.add(c);
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                // An interface's instance methods, abstract or default, are callbacks that users
                // implement (bodies, SPI hooks) and weft calls: not entry points to check.
                boolean callback = type.isInterface() && !Modifier.isStatic(m.getModifiers());
                if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || m.isBridge() || callback
                        || Modifier.isAbstract(m.getModifiers()) || exempt(type, m) || !hasReferenceParameter(m)) {
                    continue;
                }
                if (Modifier.isStatic(m.getModifiers())) {
                    statics.add(m);
                } else {
                    instanceMethods.add(m);
                }
            }
            for (Executable e : statics) {
                checked += check(null, e, problems);
            }
            if (!instanceMethods.isEmpty()) {
                Instance instance = instances.get(type);
                if (instance == null && type.getName().equals("dev.weft.Suspension")) {
                    // Suspension.create(), reached by name: the type is newer than parts of this test
                    instance = use -> use.accept(type.getMethod("create").invoke(null));
                }
                if (instance == null && type == ContextFuture.class) {
                    // its instance methods are CompletableFuture's stage methods, which keep the
                    // JDK's null behaviour; its static factories are checked above
                    continue;
                }
                if (instance == null) {
                    problems.add(name(type) + " has public methods with reference parameters "
                            + instanceMethods.stream().map(Method::getName).toList()
                            + " but no entry in NullArgumentMessagesTest.instances: add one");
                    continue;
                }
                int[] count = {0};
                instance.with(target -> {
                    for (Method m : instanceMethods) {
                        count[0] += check(target, m, problems);
                    }
                });
                checked += count[0];
            }
        }
        assertTrue(checked > 40, "only " + checked + " null arguments were checked");
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + checked + " null arguments fail without a clear message:\n  "
                    + String.join("\n  ", problems));
        }
    }

    /** The three calls the issue named, by hand, so the messages read as intended. */
    @Test
    void messagesForTheCommonMistakesReadWell() {
        NullPointerException spawn = TaskGroup.run(g -> org.junit.jupiter.api.Assertions.assertThrows(
                NullPointerException.class, () -> g.spawn((java.util.concurrent.Callable<Object>) null)));
        assertTrue(spawn.getMessage().startsWith("body is null: "), spawn.getMessage());
        NullPointerException run = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
                () -> TaskGroup.run(null));
        assertTrue(run.getMessage().startsWith("body is null: "), run.getMessage());
        NullPointerException shield = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
                () -> CancelScope.shield(null));
        assertTrue(shield.getMessage().startsWith("body is null: "), shield.getMessage());
    }

    /** Calls {@code e} once per reference parameter, with null there; returns how many calls were made. */
    private static int check(Object target, Executable e, List<String> problems) {
        Parameter[] params = e.getParameters();
        int calls = 0;
        for (int i = 0; i < params.length; i++) {
            if (params[i].getType().isPrimitive()) {
                continue;
            }
            String key = key(e) + "#" + params[i].getName();
            if (NULLABLE.contains(key)) {
                continue;
            }
            calls++;
            Object[] args = new Object[params.length];
            for (int j = 0; j < params.length; j++) {
                args[j] = j == i ? null : sample(params[j].getType());
            }
            Throwable thrown = invoke(target, e, args);
            String expectedStart = params[i].getName() + " is null: ";
            if (!(thrown instanceof NullPointerException npe)) {
                problems.add(key + ": expected NullPointerException, got " + thrown);
            } else if (npe.getMessage() == null || !npe.getMessage().startsWith(expectedStart)
                    || npe.getMessage().length() < expectedStart.length() + 10) {
                problems.add(key + ": message \"" + npe.getMessage() + "\" should read \"" + expectedStart
                        + "<what to pass instead>\"");
            }
        }
        return calls;
    }

    /** Invokes, bounded in time (a method that accepted null must not hang the test), and returns what it threw. */
    private static Throwable invoke(Object target, Executable e, Object[] args) {
        try {
            Timeout.failAfter(Duration.ofSeconds(5), () -> {
                if (e instanceof Method m) {
                    Object r = m.invoke(target, args);
                    if (r instanceof AutoCloseable c) {
                        c.close();
                    }
                } else {
                    ((Constructor<?>) e).newInstance(args);
                }
                return null;
            });
            return null;
        } catch (InvocationTargetException ite) {
            return ite.getCause();
        } catch (Throwable t) {
            return t;
        }
    }

    /** A valid, harmless value of {@code type}, for the parameters that are not under test. */
    private static Object sample(Class<?> type) {
        if (type == String.class || type == Object.class) {
            return "x";
        } else if (type == Duration.class) {
            return Duration.ofSeconds(1);
        } else if (type == Deadline.class) {
            return Deadline.after(Duration.ofSeconds(1));
        } else if (type == Context.class) {
            return Context.empty();
        } else if (type == ContextVar.class) {
            return ContextVar.of("sample");
        } else if (type == Class.class) {
            return IOException.class;
        } else if (type == List.class || type == Collection.class) {
            return List.of(new IllegalStateException("sample"));
        } else if (type == ScheduledExecutorService.class) {
            return SCHEDULER;
        } else if (ExecutorService.class.isAssignableFrom(type) || type == java.util.concurrent.Executor.class) {
            return POOL;
        } else if (Throwable.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers())) {
            return type == ExceptionGroup.class
                    ? new ExceptionGroup("sample", List.of(new IllegalStateException("sample")))
                    : new IllegalStateException("sample");
        } else if (type.isInterface()) {
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
                if (m.getName().equals("toString") && m.getParameterCount() == 0) {
                    return "sample " + type.getSimpleName();
                }
                Class<?> r = m.getReturnType();
                return r == boolean.class ? Boolean.FALSE : r == int.class ? 0 : r == long.class ? 0L : null;
            });
        }
        throw new AssertionError("NullArgumentMessagesTest has no sample value of " + type.getName() + ": add one");
    }

    private static boolean hasReferenceParameter(Executable e) {
        return Arrays.stream(e.getParameterTypes()).anyMatch(t -> !t.isPrimitive());
    }

    /**
     * Methods whose contract accepts null or that the compiler generates: {@code equals(Object)}
     * (null is unequal), and an enum's {@code valueOf(String)}.
     */
    private static boolean exempt(Class<?> type, Method m) {
        if (m.getName().equals("equals") && m.getParameterCount() == 1) {
            return true;
        }
        return type.isEnum() && m.getName().equals("valueOf");
    }

    private static String key(Executable e) {
        String member = e instanceof Constructor<?> ? "<init>" : e.getName();
        return name(e.getDeclaringClass()) + "." + member + "("
                + String.join(",", Arrays.stream(e.getParameterTypes()).map(Class::getSimpleName).toList()) + ")";
    }

    private static String name(Class<?> type) {
        return type.getEnclosingClass() == null ? type.getSimpleName() : name(type.getEnclosingClass()) + "." + type.getSimpleName();
    }

    /**
     * The public types (top-level and nested, all enclosing types public) of the packages that
     * weft-core's module descriptor exports.
     */
    private static List<Class<?>> publicTypes() throws IOException, URISyntaxException {
        Path root = Path.of(TaskGroup.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> classNames = new TreeSet<>();
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(root.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        for (ModuleDescriptor.Exports export : module.exports()) {
            if (export.isQualified()) {
                continue;
            }
            String pkg = export.source();
            try (Stream<Path> files = Files.list(root.resolve(pkg.replace('.', '/')))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                        .forEach(n -> classNames.add(pkg + "." + n.substring(0, n.length() - ".class".length())));
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String n : classNames) {
            Class<?> c;
            try {
                c = Class.forName(n, false, TaskGroup.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            if (isPublicApi(c)) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing(Class::getName));
        return out;
    }

    private static boolean isPublicApi(Class<?> c) {
        for (Class<?> x = c; x != null; x = x.getEnclosingClass()) {
            if (!Modifier.isPublic(x.getModifiers()) || x.isAnonymousClass() || x.isLocalClass()) {
                return false;
            }
        }
        return true;
    }
}
