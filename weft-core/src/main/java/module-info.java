/**
 * weft: Python asyncio's model on Java virtual threads.
 *
 * <p>The public API is the package {@link dev.weft}; {@link dev.weft.spi} is the small
 * service-provider interface for tools built on weft: bridges to other libraries' thread-bound
 * state (MDC, tracing, Micrometer's context propagation) and the {@link dev.weft.spi.Clock} that
 * test kits replace. Everything in {@code dev.weft.internal} is an
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

    uses dev.weft.spi.ContextBridge;
    uses dev.weft.spi.TaskObserver;
}
