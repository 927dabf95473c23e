package dev.weft.slf4j;

import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.util.Map;
import org.slf4j.spi.MDCAdapter;

/** Logback's O(1) MDC snapshot; loaded only when Logback is the backend (it is optional). */
final class LogbackSnapshots {
    private LogbackSnapshots() {
    }

    /** Logback's cached, unmodifiable copy of the MDC (rebuilt by Logback only after a change). */
    static Map<String, String> of(MDCAdapter a) {
        return ((LogbackMDCAdapter) a).getPropertyMap();
    }
}
