/**
 * Tools for testing weft code: {@link dev.weft.test.VirtualTime}, {@link dev.weft.test.CancellationFuzzer},
 * {@link dev.weft.test.Leaks} and {@link dev.weft.test.EventTrail}. See {@code docs/testing-weft-code.md}.
 */
package dev.weft.test;
