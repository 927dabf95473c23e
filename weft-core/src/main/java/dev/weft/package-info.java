/**
 * weft's public API: context variables ({@link dev.weft.ContextVar}, {@link dev.weft.Context}),
 * structured concurrency ({@link dev.weft.TaskGroup}, {@link dev.weft.CancelScope}),
 * deadlines ({@link dev.weft.Timeout}), generators and channels.
 */
package dev.weft;
