package dev.weft.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code docs/benchmarks.md} and {@code docs/bench/*.svg} are exactly what the
 * committed results in {@code weft-bench/results/comparison} give. After a comparison,
 * {@code weft-bench/compare.sh} regenerates both; {@code compare.sh --report} does it from the
 * results alone.
 */
class CommittedReportTest {
    /** Regenerating from the committed JSON reproduces the committed document and charts byte for byte. */
    @Test
    void committedDocumentAndChartsMatchTheCommittedResults() throws Exception {
        // surefire runs in weft-bench/
        Map<Path, String> files = ReportMain.render(Path.of("results/comparison"), Path.of("../docs/benchmarks.md"),
                Path.of("../docs/bench"));
        for (Map.Entry<Path, String> f : files.entrySet()) {
            assertEquals(f.getValue(), Files.readString(f.getKey(), StandardCharsets.UTF_8),
                    f.getKey() + " is out of date with weft-bench/results/comparison: run weft-bench/compare.sh --report");
        }
    }
}
