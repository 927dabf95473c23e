package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.internal.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written JSON writer escapes every string so that a strict parser reads it back unchanged. */
class TaskTreeJsonTest {
    private static String roundTrip(String s) {
        return (String) StrictJson.parse(Json.string(new StringBuilder(), s).toString());
    }

    /** Quotes, backslashes, every control character, line separators and surrogates survive a round trip. */
    @Test
    void everyAwkwardCharacterSurvivesARoundTrip() {
        StringBuilder all = new StringBuilder("quote \" backslash \\ slash / tab \t newline \n ");
        for (char c = 0; c < 0x20; c++) {
            all.append(c);
        }
        all.append(" \u2028\u2029 emoji \uD83D\uDE00 lone high \uD800 x lone low \uDC00 end \u007f é");
        String s = all.toString();
        assertEquals(s, roundTrip(s));
        String written = Json.string(new StringBuilder(), s).toString();
        assertTrue(written.contains("\\u2028") && written.contains("\\ud800") && written.contains("\\udc00"), written);
        assertTrue(written.contains("\uD83D\uDE00"), "a valid pair is written as is: " + written);
        assertEquals("null", Json.string(new StringBuilder(), null).toString());
        assertEquals("", roundTrip(""));
    }

    /** Names of tasks, groups and threads with awkward characters still make a tree that parses. */
    @Test
    void awkwardNamesMakeParsableJson() throws Exception {
        String name = "we\"ird\\name\n\u0001";
        TaskGroup.run(name, g -> {
            java.util.concurrent.CountDownLatch in = new java.util.concurrent.CountDownLatch(1);
            g.spawn(name + "-task", () -> {
                in.countDown();
                Weft.sleep(TestSupport.FOREVER);
                return null;
            });
            TestSupport.await(in, "the task to start");
            TaskTree tree = Weft.taskTree();
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) StrictJson.parse(tree.toJson());
            assertTrue(tree.toJson().contains(Json.string(new StringBuilder(), name).toString()));
            assertFalse(((List<?>) json.get("roots")).isEmpty());
            assertTrue(tree.nodes().anyMatch(n -> n.name().equals(name + "-task")));
            g.cancel();
            return null;
        });
    }

    /** The strict parser used here rejects what is not JSON (so the tests above can fail). */
    @Test
    void strictParserRejectsNearMisses() {
        for (String bad : List.of("{\"a\":1,}", "[1,]", "\"\u0001\"", "\"\\x\"", "01", "{\"a\":1}x", "{'a':1}",
                "{\"a\":1,\"a\":2}", "[1 2]", "tru", "1.", "-", "\"\\u12\"")) {
            assertThrows(IllegalArgumentException.class, () -> StrictJson.parse(bad), bad);
        }
        assertEquals(Map.of("a", List.of(1.0, true, false), "b", "\n"), StrictJson.parse(" {\"a\":[1,true,false],\"b\":\"\\n\"} "));
    }
}
