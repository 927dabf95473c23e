package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's quick start, verbatim, so that the snippet users copy compiles and does what it says. */
class ReadmeQuickStartTest {
    // --- README snippet begins ---
    static final ContextVar<String> REQUEST = ContextVar.of("request", "-");

    String handle(String id) {
        try (Token<String> t = REQUEST.set(id)) {                  // reset on every path
            return Timeout.failAfter(Duration.ofSeconds(2), () ->  // one budget for the whole block
                TaskGroup.run(g -> {
                    Task<String> user = g.spawn(() -> lookup("user"));  // sees REQUEST = id
                    Task<String> cart = g.spawn(() -> lookup("cart"));  // a failure cancels the other
                    return user.join() + "+" + cart.join();
                }));
        }
    }

    String lookup(String what) {
        Weft.sleep(Duration.ofMillis(10));                         // cancellable
        return what + "@" + REQUEST.get();
    }
    // --- README snippet ends ---

    /** The quick start returns what the README says and leaves the caller's context as it was. */
    @Test
    void quickStartReturnsWhatReadmeSays() {
        assertEquals("user@r-1+cart@r-1", handle("r-1"));
        assertEquals("-", REQUEST.get());
    }

    /** The README's snippet is the one in this test (so the two cannot drift apart). */
    @Test
    void readmeSnippetMatchesThisTest() throws Exception {
        var readme = java.nio.file.Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
        String text = java.nio.file.Files.readString(readme);
        String block = text.substring(text.indexOf("```java") + 7, text.indexOf("```", text.indexOf("```java") + 7));
        var src = java.nio.file.Path.of(System.getProperty("user.dir"), "src/test/java/dev/weft/ReadmeQuickStartTest.java");
        String me = java.nio.file.Files.readString(src);
        String mine = me.substring(me.indexOf("// --- README snippet begins ---") + 33, me.indexOf("    // --- README snippet ends ---"));
        assertEquals(normalize(block), normalize(mine));
    }

    private static String normalize(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
