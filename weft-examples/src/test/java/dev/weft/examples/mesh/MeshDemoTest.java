package dev.weft.examples.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./run mesh} end to end: three JVMs, every check of the evidence holds, nothing left running. */
class MeshDemoTest {
    /** The demo passes, says so for each check, draws its timeline, and leaves no process behind. */
    @Test
    void meshDemoPassesAndLeavesNothingRunning(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path svg = dir.resolve("mesh.svg");
        int code = new MeshDemo(new PrintStream(buf, true, StandardCharsets.UTF_8)).run(svg);
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, code, out);
        assertFalse(out.contains("FAILED"), out);
        for (String claim : new String[] {"only shrinks", "slow work cancelled", "one trace id", "nothing left running"}) {
            assertTrue(out.contains("ok      " + claim) || out.contains(claim), claim + " missing:\n" + out);
        }
        assertTrue(Files.readString(svg).contains("gateway deadline"));
        assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive), "no child process alive");
    }
}
