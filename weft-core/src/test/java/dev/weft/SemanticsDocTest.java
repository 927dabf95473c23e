package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/semantics.md} names, for each behaviour, the test that checks it. A test that is
 * renamed or moved must take the page with it: every {@code `SomeTest#method`} the page names
 * (and every {@code `#method`} after it, which means the same class) is a method of that test
 * class, and every {@code `SomeTest`} is a test class of weft-core.
 */
class SemanticsDocTest {
    /** A reference in backticks: a test class, a method of it, or a method of the class before. */
    private static final Pattern REFERENCE = Pattern.compile("`(\\w+Test)?(?:#(\\w+))?`");

    @Test
    void everyTestThePageNamesExists() throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        String page = Files.readString(module.getParent().resolve("docs/semantics.md"));
        Map<String, String> sources = testSources(module.resolve("src/test/java"));
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String bullet : page.split("\n- ")) {
            String cls = null;
            Matcher m = REFERENCE.matcher(bullet);
            while (m.find()) {
                if (m.group(1) == null && m.group(2) == null) {
                    continue;
                }
                if (m.group(1) != null) {
                    cls = m.group(1);
                    if (!sources.containsKey(cls)) {
                        missing.add(cls);
                        continue;
                    }
                }
                if (m.group(2) != null) {
                    checked++;
                    String source = cls == null ? null : sources.get(cls);
                    if (source == null || !Pattern.compile("\\b" + m.group(2) + "\\s*\\(").matcher(source).find()) {
                        missing.add(cls + "#" + m.group(2));
                    }
                }
            }
        }
        assertTrue(checked > 200, "the page names tests as `Class#method` (found " + checked + ")");
        assertEquals(List.of(), missing, "docs/semantics.md names tests that do not exist: rename them there too");
    }

    /** The test classes of weft-core by simple name, with their source. */
    private static Map<String, String> testSources(Path root) throws IOException {
        Map<String, String> sources = new HashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith("Test.java")).toList()) {
                String name = f.getFileName().toString();
                sources.put(name.substring(0, name.length() - ".java".length()), Files.readString(f));
            }
        }
        return sources;
    }
}
