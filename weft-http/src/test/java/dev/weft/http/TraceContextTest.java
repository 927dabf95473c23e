package dev.weft.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** W3C traceparent and baggage parsing and formatting. */
class TraceContextTest {
    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /** A valid traceparent round-trips; a child keeps the trace and changes the span. */
    @Test
    void parsesAndFormatsTraceparent() {
        TraceContext t = TraceContext.parse(VALID, "rojo=00f067aa0ba902b7").orElseThrow();
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", t.traceId());
        assertEquals(1, t.flags());
        assertEquals(VALID, t.traceparent());
        TraceContext c = t.newChild();
        assertEquals(t.traceId(), c.traceId());
        assertNotEquals(t.spanId(), c.spanId());
        assertEquals("rojo=00f067aa0ba902b7", c.traceState());
    }

    /** Invalid traceparents are ignored (a new trace starts), as W3C Trace Context requires. */
    @Test
    void rejectsInvalidTraceparent() {
        for (String bad : new String[] {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                VALID + "-extra"}) {
            assertEquals(Optional.empty(), TraceContext.parse(bad, null), bad);
        }
        assertTrue(TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", null).isPresent(),
                "a later version is read by its first fields");
    }

    /** Baggage round-trips with percent-encoding; a malformed header is dropped whole. */
    @Test
    void baggageRoundTrips() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("user", "ada lovelace");
        m.put("tier", "gold,1;x=y");
        Baggage b = new Baggage(m);
        assertEquals(b, Baggage.parse(b.header()).orElseThrow());
        assertEquals("v", Baggage.parse("k=v;prop=1").orElseThrow().entries().get("k"));
        assertEquals(Optional.empty(), Baggage.parse("novalue"));
        assertEquals(Optional.empty(), Baggage.parse("k=%zz"));
        assertEquals(Optional.empty(), Baggage.parse("a b=c"));
    }
}
