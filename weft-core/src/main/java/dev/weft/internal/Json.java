package dev.weft.internal;

/**
 * A minimal JSON writer for weft's debugging snapshots: weft-core has no dependencies, and the
 * task tree is its only JSON. It appends to a {@link StringBuilder}; the caller writes the
 * structure (braces, commas), this class writes values. Strings are escaped as RFC 8259 asks:
 * the quote, the backslash and every control character below U+0020, plus U+2028 and U+2029
 * (legal JSON, but they end a line in JavaScript), and lone surrogates (not valid UTF-16, so
 * written as {@code \\uXXXX} escapes rather than as malformed characters).
 */
public final class Json {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /**
     * Appends {@code s} as a JSON string, or {@code null} when {@code s} is null.
     *
     * @param out where to append
     * @param s the string
     * @return {@code out}
     */
    public static StringBuilder string(StringBuilder out, String s) {
        if (s == null) {
            return out.append("null");
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    boolean lone = Character.isHighSurrogate(c)
                            ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                            : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || lone) {
                        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /**
     * Appends {@code "name":} with the name escaped.
     *
     * @param out where to append
     * @param name the member's name
     * @return {@code out}
     */
    public static StringBuilder name(StringBuilder out, String name) {
        return string(out, name).append(':');
    }
}
