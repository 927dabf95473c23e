package dev.weft.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Parsing the deadline headers: formats, the shortest wins, clear errors, saturation. */
class DeadlineHeadersTest {
    static Optional<Duration> parse(Map<String, String> h) {
        TreeMap<String, List<String>> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.forEach((k, v) -> m.put(k, List.of(v)));
        return DeadlineHeaders.parse(m::get, DeadlineHeaders.DEFAULT_HEADER);
    }

    /** Each of the three headers is read in its own format. */
    @Test
    void readsEachFormat() {
        assertEquals(Optional.of(Duration.ofMillis(250)), parse(Map.of("x-deadline-ms", "250")));
        assertEquals(Optional.of(Duration.ofMillis(90)), parse(Map.of("Connect-Timeout-Ms", "90")));
        assertEquals(Optional.of(Duration.ofSeconds(3)), parse(Map.of("grpc-timeout", "3S")));
        assertEquals(Optional.of(Duration.ofNanos(7000)), parse(Map.of("grpc-timeout", "7u")));
        assertEquals(Optional.empty(), parse(Map.of()));
    }

    /** With several headers the shortest budget wins. */
    @Test
    void shortestWins() {
        assertEquals(Optional.of(Duration.ofMillis(40)),
                parse(Map.of("X-Deadline-Ms", "500", "Connect-Timeout-Ms", "900", "grpc-timeout", "40m")));
    }

    /** Malformed values are errors whose message names the header and the expected format. */
    @Test
    void malformedValuesAreClearErrors() {
        for (var bad : List.of(Map.of("X-Deadline-Ms", "-5"), Map.of("X-Deadline-Ms", "1.5"),
                Map.of("X-Deadline-Ms", "soon"), Map.of("X-Deadline-Ms", ""), Map.of("Connect-Timeout-Ms", "0x10"),
                Map.of("grpc-timeout", "100"), Map.of("grpc-timeout", "123456789S"), Map.of("grpc-timeout", "5s"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad), bad.toString());
            String name = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("e.g."), e.getMessage());
        }
    }

    /** One header sent twice, or as a list, is refused with a message naming it, even with the same value twice. */
    @Test
    void repeatedHeaderIsAnError() {
        for (List<String> lines : List.of(List.of("100", "50"), List.of("50", "50"), List.of("100, 50"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DeadlineHeaders.parse(n -> n.equalsIgnoreCase("X-Deadline-Ms") ? lines : null, "X-Deadline-Ms"),
                    lines.toString());
            assertTrue(e.getMessage().startsWith("bad X-Deadline-Ms header: ") && e.getMessage().contains("send the header once"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> DeadlineHeaders.parse(n -> n.equals("grpc-timeout") ? List.of("1S", "2S") : null, "X-Deadline-Ms"));
    }

    /** Absurdly large but well-formed values saturate (the server then clamps them), never overflow. */
    @Test
    void absurdValuesSaturate() {
        Duration d = parse(Map.of("X-Deadline-Ms", "99999999999999999999999999")).orElseThrow();
        assertEquals(Duration.ofDays(365), d);
        assertEquals(Duration.ofDays(365), parse(Map.of("grpc-timeout", "99999999H")).orElseThrow());
        assertFalse(d.isNegative());
    }

    /** The client rounds down, so what is sent is never more than what is left. */
    @Test
    void formatRoundsDown() {
        assertEquals("249", DeadlineHeaders.formatMillis(Duration.ofNanos(249_999_999)));
        assertEquals("0", DeadlineHeaders.formatMillis(Duration.ofMillis(-3)));
    }
}
