package dev.weft.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What {@code compare.sh} recorded about a comparison: {@code run.properties} in the result
 * directory. Keys: {@code command}, {@code mode} ({@code full} or {@code quick}), {@code started},
 * {@code finished} (UTC), {@code machine}, {@code kotlinx}, {@code python}, and
 * {@code args.<run id>} (the arguments each run was given).
 */
record RunInfo(Properties props) {

    /** Reads {@code run.properties} from {@code dir}; fails with the fix if it is absent. */
    static RunInfo load(Path dir) {
        Path f = dir.resolve("run.properties");
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(f + " is missing: the result directory must be written by"
                    + " weft-bench/compare.sh, which records the command, date and machine there");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
        return new RunInfo(p);
    }

    /** The value of {@code key}, or "unknown". */
    String get(String key) {
        return props.getProperty(key, "unknown");
    }

    /** Whether this was a {@code --quick} smoke run. */
    boolean quick() {
        return "quick".equals(props.getProperty("mode"));
    }
}
