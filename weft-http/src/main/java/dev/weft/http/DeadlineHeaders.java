package dev.weft.http;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The HTTP headers that carry a request's remaining time budget, and their formats.
 *
 * <ul>
 * <li>{@value #DEFAULT_HEADER} (weft's, configurable): whole milliseconds left, e.g. {@code 250}.
 *     The client rounds down, so the budget received is never more than the one sent.
 * <li>{@value #CONNECT_TIMEOUT_MS} (Connect protocol): whole milliseconds, accepted by the server.
 * <li>{@value #GRPC_TIMEOUT} (gRPC over HTTP/2): 1 to 8 digits and a unit ({@code H M S m u n}),
 *     accepted by the server.
 * </ul>
 * When several are present the shortest wins. A value that does not parse is an error (the
 * server answers 400 with the message), and so is one header sent twice or as a list of values
 * (one of the two deadlines would be ignored); a value too large to be meant (years) is well-formed and
 * is cut to the server's maximum.
 */
public final class DeadlineHeaders {
    /** weft's header: the budget left, in whole milliseconds. */
    public static final String DEFAULT_HEADER = "X-Deadline-Ms";
    /** The Connect protocol's timeout header, in whole milliseconds. */
    public static final String CONNECT_TIMEOUT_MS = "Connect-Timeout-Ms";
    /** gRPC's timeout header: digits and a unit. */
    public static final String GRPC_TIMEOUT = "grpc-timeout";

    private static final Pattern MILLIS = Pattern.compile("[0-9]{1,40}");
    private static final Pattern GRPC = Pattern.compile("([0-9]{1,8})([HMSmun])");
    /** Longer than any request should wait; parsed values above it saturate here before clamping. */
    private static final Duration SATURATED = Duration.ofDays(365);

    private DeadlineHeaders() {
    }

    /**
     * Formats a budget for {@link #DEFAULT_HEADER}, rounded down to whole milliseconds.
     *
     * @param budget the time left; negative counts as zero
     * @return the header value
     */
    public static String formatMillis(Duration budget) {
        return Long.toString(Math.max(0, budget.toMillis()));
    }

    /**
     * Reads the shortest budget from the request headers {@code header}, {@link #CONNECT_TIMEOUT_MS}
     * and {@link #GRPC_TIMEOUT}.
     *
     * @param headers returns all values of a header (case-insensitively), or null
     * @param header the name of the milliseconds header in use, usually {@link #DEFAULT_HEADER}
     * @return the shortest budget, or empty when none of the headers is present
     * @throws IllegalArgumentException with a message naming the header, the value and the format
     */
    public static Optional<Duration> parse(Function<String, List<String>> headers, String header) {
        Duration min = null;
        List<String> names = new java.util.ArrayList<>(List.of(header));
        for (String other : List.of(CONNECT_TIMEOUT_MS, GRPC_TIMEOUT)) {
            if (!other.equalsIgnoreCase(header)) {
                names.add(other);
            }
        }
        for (String name : names) {
            List<String> values = headers.apply(name);
            if (values == null) {
                continue;
            }
            for (String raw : once(name, values)) {
                Duration d = name.equalsIgnoreCase(GRPC_TIMEOUT) ? grpc(raw) : millis(name, raw);
                if (min == null || d.compareTo(min) < 0) {
                    min = d;
                }
            }
        }
        return Optional.ofNullable(min);
    }

    /**
     * The one value of a header, refusing a header sent more than once or as a comma-separated
     * list (which HTTP treats the same): with two deadlines, from a client and a proxy that adds its
     * own, one would be silently ignored, so the sender is told instead.
     */
    private static List<String> once(String name, List<String> lines) {
        if (lines.size() <= 1 && (lines.isEmpty() || lines.getFirst() == null || lines.getFirst().indexOf(',') < 0)) {
            return lines;
        }
        List<String> values = new java.util.ArrayList<>();
        for (String line : lines) {
            for (String v : (line == null ? "" : line).split(",", -1)) {
                values.add(v.strip());
            }
        }
        boolean conflicting = values.stream().distinct().count() > 1;
        throw new IllegalArgumentException("bad " + name + " header: " + (conflicting ? "conflicting values " : "the same value ")
                + String.join(", ", values.stream().map(v -> "'" + shorten(v) + "'").toList()) + " sent "
                + values.size() + " times: send the header once, with one value, e.g. " + name + ": 250");
    }

    private static Duration millis(String name, String raw) {
        String v = raw == null ? "" : raw.strip();
        if (!MILLIS.matcher(v).matches()) {
            throw new IllegalArgumentException("bad " + name + " header '" + shorten(raw)
                    + "': expected the time left as whole milliseconds, e.g. " + name + ": 250");
        }
        if (v.length() > 12) {
            return SATURATED; // more than 30 years of milliseconds: cut to the server's maximum
        }
        Duration d = Duration.ofMillis(Long.parseLong(v));
        return d.compareTo(SATURATED) > 0 ? SATURATED : d;
    }

    private static Duration grpc(String raw) {
        String v = raw == null ? "" : raw.strip();
        var m = GRPC.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad " + GRPC_TIMEOUT + " header '" + shorten(raw)
                    + "': expected 1 to 8 digits and a unit H, M, S, m, u or n, e.g. grpc-timeout: 250m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "H" -> Duration.ofHours(n);
            case "M" -> Duration.ofMinutes(n);
            case "S" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMillis(n);
            case "u" -> Duration.ofNanos(n * 1_000);
            default -> Duration.ofNanos(n);
        };
        return d.compareTo(SATURATED) > 0 ? SATURATED : d;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
