package dev.weft.http;

import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context position: the trace, the current span in it, and the trace flags, as the
 * {@code traceparent} header carries them ({@code 00-<trace-id>-<span-id>-<flags>}).
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId 16 lower-case hex digits, not all zero: the span of the code running now
 * @param flags the trace flags byte; bit 0 is "sampled"
 * @param traceState the {@code tracestate} header received with it, passed on as is, or null
 */
public record TraceContext(String traceId, String spanId, int flags, String traceState) {
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern HEADER = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if an id is malformed or all zero, or flags is not a byte
     */
    public TraceContext {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        if (!TRACE_ID.matcher(traceId).matches() || traceId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("trace id must be 32 lower-case hex digits, not all zero: '" + traceId + "'");
        }
        if (!SPAN_ID.matcher(spanId).matches() || spanId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("span id must be 16 lower-case hex digits, not all zero: '" + spanId + "'");
        }
        if (flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("flags must be a byte, got " + flags);
        }
    }

    /**
     * Starts a new trace: random trace and span ids, sampled.
     *
     * @return a root position
     */
    public static TraceContext newTrace() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new TraceContext(hexId(r, 16), hexId(r, 8), 1, null);
    }

    /**
     * Returns a new span in the same trace, a child of this one.
     *
     * @return the same trace id, flags and state, with a fresh span id
     */
    public TraceContext newChild() {
        return new TraceContext(traceId, hexId(ThreadLocalRandom.current(), 8), flags, traceState);
    }

    /**
     * Parses a {@code traceparent} header as W3C Trace Context level 1 says: version {@code 00}
     * exactly, a later version by its first four fields; version {@code ff}, malformed text and
     * all-zero ids are rejected.
     *
     * @param traceparent the header value, or null
     * @param tracestate the {@code tracestate} header value, or null
     * @return the position, or empty if the header is absent or invalid (start a new trace then)
     */
    public static Optional<TraceContext> parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Optional.empty();
        }
        String h = traceparent.strip();
        var m = HEADER.matcher(h);
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)) {
            return Optional.empty();
        }
        try {
            String state = tracestate == null || tracestate.isBlank() || tracestate.length() > 512 ? null : tracestate.strip();
            return Optional.of(new TraceContext(m.group(2), m.group(3), Integer.parseInt(m.group(4), 16), state));
        } catch (IllegalArgumentException allZero) {
            return Optional.empty();
        }
    }

    /**
     * Returns the {@code traceparent} header value.
     *
     * @return {@code 00-<trace-id>-<span-id>-<flags>}
     */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + "-" + HEX.toHexDigits((byte) flags);
    }

    private static String hexId(ThreadLocalRandom r, int bytes) {
        byte[] b = new byte[bytes];
        do {
            r.nextBytes(b);
        } while (allZero(b));
        return HEX.formatHex(b);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
