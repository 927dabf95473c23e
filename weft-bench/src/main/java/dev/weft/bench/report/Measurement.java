package dev.weft.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One measured figure from a result file: a JMH record or an asyncio script record (same shape).
 *
 * @param benchmark the full benchmark name, e.g. {@code dev.weft.bench.ContextBenchmark.contextVarGet}
 *                  or {@code asyncio.contextvarGet}
 * @param params    the benchmark's parameters (empty when it has none)
 * @param score     the mean, in {@code unit}
 * @param error     the half-width of the 99.9% confidence interval, in {@code unit} (NaN when
 *                  there were too few samples to tell)
 * @param unit      {@code ns/op}, {@code us/op}, {@code ms/op} or {@code s/op}
 * @param runtime   what ran it: {@code "JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)"} or
 *                  {@code "CPython 3.11.7"}
 * @param file      the result file's name, for messages
 */
record Measurement(String benchmark, Map<String, String> params, double score, double error, String unit,
        String runtime, String file) {

    /** This score converted to {@code target} (a time unit per operation). */
    double score(String target) {
        return score * factor(unit, target);
    }

    /** This error converted to {@code target}. */
    double error(String target) {
        return error * factor(unit, target);
    }

    private static double factor(String from, String to) {
        return nanos(from) / nanos(to);
    }

    private static double nanos(String unit) {
        return switch (unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> throw new IllegalArgumentException("unknown time unit '" + unit
                    + "': the report reads average-time results (JMH -bm avgt) in ns, us, ms or s per op");
        };
    }

    /**
     * Every measurement in the {@code *.json} files of {@code dir}, files in name order, records
     * in file order.
     */
    static List<Measurement> loadAll(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the result directory " + dir, e);
        }
        List<Measurement> all = new ArrayList<>();
        for (Path f : files) {
            try {
                all.addAll(parse(Files.readString(f), f.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
        }
        return all;
    }

    /** The records of one result file's text. */
    static List<Measurement> parse(String json, String file) {
        Object doc;
        try {
            doc = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (!(doc instanceof List<?> records)) {
            throw new IllegalArgumentException(file + ": expected a JSON array of results (JMH -rf json)");
        }
        List<Measurement> out = new ArrayList<>();
        for (Object o : records) {
            if (!(o instanceof Map<?, ?> r) || !(r.get("primaryMetric") instanceof Map<?, ?> pm)) {
                throw new IllegalArgumentException(file + ": a result without a primaryMetric: " + o);
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (r.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            String runtime = r.get("runtime") instanceof String s ? s
                    : "JDK " + r.get("jdkVersion") + " (" + r.get("vmName") + " " + r.get("vmVersion") + ")";
            out.add(new Measurement(String.valueOf(r.get("benchmark")), Map.copyOf(params),
                    Json.number(pm.get("score")), Json.number(pm.get("scoreError")),
                    String.valueOf(pm.get("scoreUnit")), runtime, file));
        }
        return out;
    }
}
