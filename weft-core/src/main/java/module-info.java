/**
 * weft: Python asyncio's model on Java virtual threads.
 *
 * <p>The public API is the package {@link dev.weft}; {@link dev.weft.spi} is the small
 * service-provider interface for tools built on weft: bridges to other libraries' thread-bound
 * state (MDC, tracing, Micrometer's context propagation) and the {@link dev.weft.spi.Clock} that
 * test kits replace. Everything in {@code dev.weft.internal} is an
 * implementation detail and is not exported.
 *
 * @uses dev.weft.spi.ContextBridge
 * @uses dev.weft.spi.TaskObserver
 */
module dev.weft {
    exports dev.weft;
    exports dev.weft.spi;

    uses dev.weft.spi.ContextBridge;
    uses dev.weft.spi.TaskObserver;
}
