package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * weft runs without {@code jdk.jfr}: the guard says no when the module is missing or unreadable,
 * and a child JVM whose runtime lacks it (and, in one run, lacks {@code java.management} too) runs
 * tasks, failures, deadlines and a swallowed cancellation normally.
 */
class FlightGuardTest {
    /** The guard is false without the module, and false for a named module that does not read it. */
    @Test
    void guardSaysNoWithoutAReadableJdkJfr() {
        assertFalse(Flight.detect(Optional.empty(), Flight.class.getModule()));
        Module jfr = ModuleLayer.boot().findModule("jdk.jfr").orElseThrow();
        Module named = ModuleLayer.boot().findModule("java.logging").orElseThrow(); // reads java.base only
        assertFalse(Flight.detect(Optional.of(jfr), named));
        assertTrue(Flight.detect(Optional.of(jfr), Flight.class.getModule()), "the unnamed module reads everything");
    }

    private static String runWithout(String modules) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path classes = Path.of(System.getProperty("user.dir"), "target");
        Process p = new ProcessBuilder(List.of(javaBin, "--limit-modules", modules, "-ea", "-cp",
                classes.resolve("classes") + java.io.File.pathSeparator + classes.resolve("test-classes"),
                "dev.weft.NoJfrMain")).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Without jdk.jfr the events are off and everything else works. */
    @Test
    void weftRunsWithoutJdkJfr() throws Exception {
        String out = runWithout("java.base,java.management");
        assertTrue(out.contains("Flight.PRESENT=false"), out);
        for (String line : List.of("tree", "group failed as expected", "moveOnAfter empty=true", "swallowed is loud", "ok")) {
            assertTrue(out.lines().anyMatch(line::equals), line + " missing in:\n" + out);
        }
    }

    /** Without java.management either, there is no MBean and nothing fails. */
    @Test
    void weftRunsWithoutJavaManagement() throws Exception {
        String out = runWithout("java.base");
        assertTrue(out.lines().anyMatch("ok"::equals), out);
        assertFalse(out.contains("Exception"), out);
    }
}
