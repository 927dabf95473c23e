package dev.weft.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asyncio_bench.py} runs and writes what the report reads. Skipped (not failed) when no
 * Python 3.11 or newer is on the PATH: the comparison itself then refuses to start, saying so.
 */
class AsyncioScriptTest {
    /** A quick run of two measurements gives JMH-shaped records with positive scores in the right units. */
    @Test
    void quickRunWritesJmhShapedResults(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(pythonAtLeast311(), "python3 3.11+ is not on the PATH");
        Path out = dir.resolve("asyncio.json");
        Process p = new ProcessBuilder("python3", "asyncio_bench.py", "--quick", "--only", "contextvarGet,taskGroup",
                "--out", out.toString()).redirectErrorStream(true).start();
        String console = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "asyncio_bench.py did not finish in 120 s");
        assertEquals(0, p.exitValue(), console);
        List<Measurement> ms = Measurement.parse(Files.readString(out), "asyncio.json");
        assertEquals(List.of("asyncio.contextvarGet", "asyncio.contextvarGet", "asyncio.taskGroup"),
                ms.stream().map(Measurement::benchmark).toList());
        assertEquals(List.of("1", "100"), ms.subList(0, 2).stream().map(m -> m.params().get("vars")).toList());
        assertEquals("1000", ms.get(2).params().get("tasks"));
        assertEquals(List.of("ns/op", "ns/op", "us/op"), ms.stream().map(Measurement::unit).toList());
        for (Measurement m : ms) {
            assertTrue(m.score() > 0 && Double.isFinite(m.score()), m.toString());
            assertTrue(m.runtime().startsWith("CPython 3."), m.runtime());
        }
    }

    /** --skip leaves out what it names (the asyncio run skips the generator, which a run of its own measures). */
    @Test
    void skipLeavesOutTheNamedBenchmarks(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(pythonAtLeast311(), "python3 3.11+ is not on the PATH");
        Path out = dir.resolve("asyncio.json");
        Process p = new ProcessBuilder("python3", "asyncio_bench.py", "--quick", "--only", "timeout,asyncGenerator",
                "--skip", "timeout", "--out", out.toString()).redirectErrorStream(true).start();
        String console = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "asyncio_bench.py did not finish in 120 s");
        assertEquals(0, p.exitValue(), console);
        List<Measurement> ms = Measurement.parse(Files.readString(out), "asyncio.json");
        assertEquals(List.of("asyncio.asyncGenerator"), ms.stream().map(Measurement::benchmark).toList());
        assertEquals("ns/op", ms.getFirst().unit());
        assertTrue(ms.getFirst().score() > 0 && ms.getFirst().params().isEmpty(), ms.toString());
    }

    /** An unknown benchmark name is refused with the list of known ones. */
    @Test
    void unknownNameIsRefused() throws Exception {
        Assumptions.assumeTrue(pythonAtLeast311(), "python3 3.11+ is not on the PATH");
        Process p = new ProcessBuilder("python3", "asyncio_bench.py", "--only", "nope").redirectErrorStream(true).start();
        String console = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), console);
        assertTrue(console.contains("unknown benchmark(s) ['nope']") && console.contains("taskGroup"), console);
    }

    static boolean pythonAtLeast311() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; sys.exit(sys.version_info < (3, 11))")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
