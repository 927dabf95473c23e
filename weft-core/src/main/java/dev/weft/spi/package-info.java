/**
 * weft's service-provider interface for bridges to other libraries' thread-bound state: a
 * {@link dev.weft.spi.ContextBridge} carries an MDC, a tracing context or a security context
 * wherever weft carries its {@link dev.weft.Context}; a {@link dev.weft.spi.TaskObserver} is told
 * when tasks start and end; {@link dev.weft.spi.ContextAttachment} lets foreign code make a
 * context current without entering it. Bridges are found with {@link java.util.ServiceLoader}
 * or registered with {@link dev.weft.spi.Bridges}.
 */
package dev.weft.spi;
