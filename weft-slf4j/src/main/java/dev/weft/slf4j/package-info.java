/**
 * The SLF4J MDC follows weft's contexts: {@link dev.weft.slf4j.MdcBridge}, found by
 * {@link java.util.ServiceLoader}; putting weft-slf4j on the class path is the whole setup.
 */
package dev.weft.slf4j;
