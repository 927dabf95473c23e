package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bridges story, on its own. */
class BridgesStoryTest {
    /** Every log line and span of one request carries its request id and trace id; nothing is left behind. */
    @Test
    void logLinesAndSpansCarryTheRequestAndTraceIds() throws Exception {
        for (int i = 0; i < 5; i++) {
            Story.Result r = new BridgesStory().run();
            assertTrue(r.passed(), String.join("\n", r.evidence()));
        }
    }
}
