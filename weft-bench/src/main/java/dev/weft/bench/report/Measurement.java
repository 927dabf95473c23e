package dev.weft.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One measured figure from a result file: a JMH record or an asyncio script record (same shape).
 *
 * <p>Two kinds of record are read, by their {@code mode}:
 * <ul>
 * <li>{@code avgt} (JMH {@code -bm avgt}, and every asyncio record): the score is the mean of the
 *     measured iterations, the error the half-width of its 99.9% confidence interval, both as JMH
 *     wrote them ({@link Statistic#MEAN}).
 * <li>{@code sample} (JMH {@code -bm sample}, which times single invocations): the score is the
 *     median of every timed invocation of every fork and iteration, JMH's
 *     {@code scorePercentiles["50.0"]}; the error is half the distance between the lowest and the
 *     highest median of a single measured iteration, computed from {@code rawDataHistogram} (one
 *     histogram of invocation times per iteration, one list of those per fork). A garbage
 *     collection or a scheduler stall that lands in a few invocations moves neither; a whole
 *     iteration or fork that runs slower widens the error ({@link Statistic#MEDIAN}).
 * <li>{@code rounds} ({@code dev.weft.bench.SpawnRounds}, {@code GeneratorRounds} and {@code ChannelRounds}, which run
 *     several implementations in interleaved rounds in one JVM, each once per round): the score is the median of the
 *     per-round times and the error half their interquartile range, both as written
 *     ({@link Statistic#ROUNDS}). Such a record may carry {@code primaryMetric.sameRoundRatio}:
 *     {@code baseline} (the benchmark name of another record of the same file), optionally
 *     {@code baselineParams} (that record's parameters, when they are not this record's own: the
 *     channel rounds divide, say, Jox's {@code handOff} by {@code ArrayBlockingQueue}'s and
 *     kotlinx's {@code kotlinHandOff} by it too), {@code median} and {@code error}, the median and
 *     half the interquartile range
 *     of this implementation's time divided by the baseline's time in the same round
 *     ({@link #sameRound}). The report shows that median as the ratio to that baseline.
 * </ul>
 * Any other mode (throughput, single-shot) is refused: its score is not a time per operation
 * comparable with these.
 *
 * @param benchmark the full benchmark name, e.g. {@code dev.weft.bench.ContextBenchmark.contextVarGet}
 *                  or {@code asyncio.contextvarGet}
 * @param params    the benchmark's parameters (empty when it has none)
 * @param score     the mean or the median (see {@code statistic}), in {@code unit}
 * @param error     the half-width of the 99.9% confidence interval of the mean, half the range of
 *                  the per-iteration medians, or half the interquartile range of the per-round
 *                  times, in {@code unit} (NaN when there were too few samples or iterations to tell)
 * @param unit      {@code ns/op}, {@code us/op}, {@code ms/op} or {@code s/op}
 * @param runtime   what ran it: {@code "JDK 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)"} or
 *                  {@code "CPython 3.11.7"}
 * @param file      the result file's name, for messages
 * @param statistic what {@code score} and {@code error} are
 * @param sameRound the same-round ratio to a baseline of a {@code rounds} record, or null
 */
record Measurement(String benchmark, Map<String, String> params, double score, double error, String unit,
        String runtime, String file, Statistic statistic, SameRoundRatio sameRound) {

    /**
     * A {@code rounds} record's ratio to another implementation measured in the same rounds.
     *
     * @param baseline       the full benchmark name of the baseline's record (same file)
     * @param baselineParams the baseline record's parameters: as written, or this record's own
     *                       when none are written
     * @param median   the median over the rounds of this time divided by the baseline's time in the
     *                 same round
     * @param error    half the interquartile range of those ratios (NaN when not given)
     */
    record SameRoundRatio(String baseline, Map<String, String> baselineParams, double median, double error) {
    }

    /** What a measurement's score and error are, by the mode of the record it was read from. */
    enum Statistic {
        /** Average time ({@code avgt}): the mean, and the half-width of its 99.9% confidence interval. */
        MEAN,
        /**
         * Sample time ({@code sample}): the median of single invocations, and half the range of the
         * medians of the single measured iterations.
         */
        MEDIAN,
        /**
         * Interleaved rounds ({@code rounds}): the median of the per-round times, and half their
         * interquartile range.
         */
        ROUNDS
    }

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
                    + "': the report reads times per operation (JMH -bm avgt or -bm sample) in ns, us, ms or s per op");
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
            String benchmark = String.valueOf(r.get("benchmark"));
            String unit = String.valueOf(pm.get("scoreUnit"));
            Object mode = r.get("mode");
            if ("avgt".equals(mode)) {
                out.add(new Measurement(benchmark, Map.copyOf(params), Json.number(pm.get("score")),
                        Json.number(pm.get("scoreError")), unit, runtime, file, Statistic.MEAN, null));
            } else if ("sample".equals(mode)) {
                if (!(pm.get("scorePercentiles") instanceof Map<?, ?> percentiles) || !percentiles.containsKey("50.0")) {
                    throw new IllegalArgumentException(file + ": " + benchmark + " is a sample-mode result without"
                            + " scorePercentiles[\"50.0\"], the median the report shows: write it with JMH -rf json");
                }
                out.add(new Measurement(benchmark, Map.copyOf(params), Json.number(percentiles.get("50.0")),
                        iterationMedianSpread(pm.get("rawDataHistogram"), file, benchmark), unit, runtime, file,
                        Statistic.MEDIAN, null));
            } else if ("rounds".equals(mode)) {
                out.add(new Measurement(benchmark, Map.copyOf(params), Json.number(pm.get("score")),
                        Json.number(pm.get("scoreError")), unit, runtime, file, Statistic.ROUNDS,
                        sameRound(pm.get("sameRoundRatio"), file, benchmark, params)));
            } else {
                throw new IllegalArgumentException(file + ": " + benchmark + " was measured in mode " + mode
                        + " (" + modeName(mode) + "); the report reads times per operation only, average time,"
                        + " sample time or interleaved rounds: measure it again with -bm avgt (a mean) or -bm sample"
                        + " (a median), in the run's arguments in Catalog.RUNS");
            }
        }
        return out;
    }

    /** A rounds record's {@code sameRoundRatio}, or null when it has none; {@code params} are the record's. */
    private static SameRoundRatio sameRound(Object ratio, String file, String benchmark, Map<String, String> params) {
        if (ratio == null) {
            return null;
        }
        if (!(ratio instanceof Map<?, ?> r) || !(r.get("baseline") instanceof String baseline) || r.get("median") == null) {
            throw new IllegalArgumentException(file + ": " + benchmark + ": sameRoundRatio is not an object with a"
                    + " baseline (a benchmark name) and a median, as dev.weft.bench.Rounds writes it");
        }
        Map<String, String> baselineParams = new LinkedHashMap<>(params);
        if (r.get("baselineParams") instanceof Map<?, ?> p) {
            baselineParams.clear();
            p.forEach((k, v) -> baselineParams.put(String.valueOf(k), String.valueOf(v)));
        } else if (r.get("baselineParams") != null) {
            throw new IllegalArgumentException(file + ": " + benchmark + ": sameRoundRatio.baselineParams is not an"
                    + " object of parameters, as dev.weft.bench.Rounds writes it");
        }
        return new SameRoundRatio(baseline, Map.copyOf(baselineParams), Json.number(r.get("median")),
                r.get("error") == null ? Double.NaN : Json.number(r.get("error")));
    }

    private static String modeName(Object mode) {
        return switch (String.valueOf(mode)) {
            case "thrpt" -> "throughput, operations per time";
            case "ss" -> "single-shot time, one cold invocation per iteration";
            case "null" -> "none given";
            default -> "unknown to the report";
        };
    }

    /**
     * Half the range of the per-iteration medians of a sample-mode record's
     * {@code rawDataHistogram}: for each fork, for each measured iteration, a list of
     * {@code [time, count]} pairs. NaN when there is no histogram or fewer than two iterations.
     */
    private static double iterationMedianSpread(Object histogram, String file, String benchmark) {
        if (!(histogram instanceof List<?> forks)) {
            return Double.NaN;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int iterations = 0;
        for (Object fork : forks) {
            if (!(fork instanceof List<?> its)) {
                throw badHistogram(file, benchmark);
            }
            for (Object it : its) {
                double m = median(it, file, benchmark);
                min = Math.min(min, m);
                max = Math.max(max, m);
                iterations++;
            }
        }
        return iterations < 2 ? Double.NaN : (max - min) / 2;
    }

    /**
     * The median of one iteration's histogram, a list of {@code [time, count]} pairs: the smallest
     * time that at least half of the iteration's invocations did not exceed (the lower median when
     * the count is even).
     */
    private static double median(Object iteration, String file, String benchmark) {
        if (!(iteration instanceof List<?> pairs) || pairs.isEmpty()) {
            throw badHistogram(file, benchmark);
        }
        List<double[]> bins = new ArrayList<>();
        double total = 0;
        for (Object p : pairs) {
            if (!(p instanceof List<?> pair) || pair.size() != 2) {
                throw badHistogram(file, benchmark);
            }
            double[] bin = {Json.number(pair.get(0)), Json.number(pair.get(1))};
            bins.add(bin);
            total += bin[1];
        }
        bins.sort(Comparator.comparingDouble(b -> b[0]));
        double rank = Math.ceil(total / 2);
        double seen = 0;
        for (double[] b : bins) {
            seen += b[1];
            if (seen >= rank) {
                return b[0];
            }
        }
        throw badHistogram(file, benchmark);
    }

    private static IllegalArgumentException badHistogram(String file, String benchmark) {
        return new IllegalArgumentException(file + ": " + benchmark + ": rawDataHistogram is not a list (per fork)"
                + " of lists (per iteration) of non-empty lists of [time, count] pairs, as JMH -rf json writes it");
    }
}
