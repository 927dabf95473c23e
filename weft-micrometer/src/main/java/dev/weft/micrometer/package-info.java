/**
 * Micrometer's context propagation and weft, both ways: {@link dev.weft.micrometer.MicrometerBridge}
 * carries every registered {@code ThreadLocalAccessor} along weft's contexts, and
 * {@link dev.weft.micrometer.WeftContextAccessor} makes weft's context one of those accessors.
 * Both are services: the jar on the class path is the whole setup.
 */
package dev.weft.micrometer;
