package dev.weft.http;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * W3C Baggage: the {@code baggage} header's {@code key=value} list, as an immutable ordered map.
 * Values are percent-decoded; entry properties ({@code ;prop}) are dropped.
 *
 * @param entries the entries, in header order
 */
public record Baggage(Map<String, String> entries) {
    /** W3C Baggage limits: at most 64 entries and 8192 bytes in a header. */
    public static final int MAX_ENTRIES = 64;
    /** The longest header this class parses or writes. */
    public static final int MAX_LENGTH = 8192;
    private static final Pattern KEY = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    /** The empty baggage. */
    public static final Baggage EMPTY = new Baggage(Map.of());

    /**
     * Copies and checks the entries.
     *
     * @throws IllegalArgumentException if a key is not an HTTP token or there are too many entries
     */
    public Baggage {
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("at most " + MAX_ENTRIES + " baggage entries, got " + entries.size());
        }
        for (var e : entries.entrySet()) {
            if (!KEY.matcher(e.getKey()).matches() || e.getValue() == null) {
                throw new IllegalArgumentException("bad baggage entry '" + e.getKey() + "': keys are HTTP tokens,"
                        + " values are not null");
            }
        }
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /**
     * Parses a {@code baggage} header. A header that is too long, has too many entries, or has a
     * malformed entry is dropped whole, so that half a context never travels on.
     *
     * @param header the header value, or null
     * @return the baggage, or empty
     */
    public static Optional<Baggage> parse(String header) {
        if (header == null || header.isBlank() || header.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String member : header.split(",")) {
            String kv = member.split(";", 2)[0].strip();
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            String k = kv.substring(0, eq).strip();
            String v = kv.substring(eq + 1).strip();
            if (!KEY.matcher(k).matches() || m.size() >= MAX_ENTRIES) {
                return Optional.empty();
            }
            try {
                m.put(k, URLDecoder.decode(v.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException badEscape) {
                return Optional.empty();
            }
        }
        return Optional.of(new Baggage(m));
    }

    /**
     * Returns the {@code baggage} header value, values percent-encoded.
     *
     * @return the header, or null if there is no entry or it would exceed {@link #MAX_LENGTH}
     */
    public String header() {
        if (entries.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (var e : entries.entrySet()) {
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(e.getKey()).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return b.length() > MAX_LENGTH ? null : b.toString();
    }
}
