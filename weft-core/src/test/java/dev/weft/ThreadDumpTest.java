package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Tasks are named virtual threads that thread dumps show (what jcmd Thread.dump_to_file -format=json writes). */
class ThreadDumpTest {
    /** A running task appears in a JSON thread dump under its name, default "<group>-<index>" or the given one. */
    @Test
    void runningTasksAppearInJsonThreadDumpByName() throws Exception {
        Path dump = Files.createTempDirectory("weft-dump").resolve("threads.json");
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        TaskGroup.run("orders", g -> {
            g.spawn(() -> { started.countDown(); release.await(); return null; });
            g.spawn("fetch-prices", () -> { started.countDown(); release.await(); return null; });
            started.await();
            try {
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()),
                        "Thread.dump_to_file", "-format=json", dump.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "jcmd finished");
                assertEquals(0, p.exitValue(), out);
            } finally {
                release.countDown();
            }
            return null;
        });
        String json = Files.readString(dump);
        assertTrue(json.contains("\"orders-0\""), "default task name in the dump");
        assertTrue(json.contains("\"fetch-prices\""), "given task name in the dump");
        assertTrue(json.contains("dev.weft.Task.run"), "the task's stack is in the dump");
    }
}
