/**
 * weft: Python asyncio's model on Java virtual threads.
 *
 * <p>The public API is the package {@link dev.weft}; {@link dev.weft.spi} is the small
 * service-provider interface for tools built on weft: bridges to other libraries' thread-bound
 * state (MDC, tracing, Micrometer's context propagation) and the {@link dev.weft.spi.Clock} that
 * test kits replace. {@link dev.weft.Weft#taskTree()} shows what is running, also as the
 * {@code dev.weft:type=TaskTree} platform MBean; with {@code jdk.jfr} present, weft emits JDK
 * Flight Recorder events named {@code dev.weft.*}. Everything in {@code dev.weft.internal} is an
 * implementation detail, exported only to weft's test kit ({@code dev.weft.test}).
 *
 * @uses dev.weft.spi.ContextBridge
 * @uses dev.weft.spi.TaskObserver
 */
@SuppressWarnings("module") // dev.weft.test is built after this module
module dev.weft {
    exports dev.weft;
    exports dev.weft.spi;
    // The test kit (weft-test) drives the virtual clock's engine and the checkpoint hook, which
    // weft-core's own tests use too; nobody else sees them.
    exports dev.weft.internal to dev.weft.test;

    // The TaskTree platform MBean (see dev.weft.Weft#taskTree). A plain requires, not static: a
    // module-path application would otherwise not resolve java.management, and the MBean that
    // "./run tasks PID" reads would silently be missing; the module is in every standard runtime
    // and costs nothing until the MBean is registered, lazily, once per JVM.
    requires java.management;
    // JFR events (dev.weft.internal.FlightEvents): optional; the kernel checks that jdk.jfr is
    // present and readable before it loads them, so weft runs without it.
    requires static jdk.jfr;

    uses dev.weft.spi.ContextBridge;
    uses dev.weft.spi.TaskObserver;
}
