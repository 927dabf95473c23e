/**
 * weft: Python asyncio's model on Java virtual threads.
 *
 * <p>The whole public API is the package {@link dev.weft}; everything in
 * {@code dev.weft.internal} is an implementation detail and is not exported.
 */
module dev.weft {
    exports dev.weft;
}
