package dev.weft.bench.report;

import dev.weft.bench.report.Catalog.Entry;
import dev.weft.bench.report.Catalog.Family;
import dev.weft.bench.report.Catalog.Kind;
import dev.weft.bench.report.Catalog.Operation;
import dev.weft.bench.report.Catalog.Run;
import dev.weft.bench.report.Measurement.Statistic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one comparison's results into the generated parts of {@code docs/benchmarks.md} and
 * one SVG chart per family. Output depends only on the inputs (no clock, fixed locale), so the
 * committed document and charts can be checked against the committed results.
 *
 * <p>The document keeps its hand-written prose; only the text between
 * {@code <!-- generated:NAME -->} and {@code <!-- /generated:NAME -->} is replaced, for the
 * names in {@link #blocks()}.
 */
final class Report {
    /** Where the document links the charts from (relative to {@code docs/}). */
    static final String CHART_DIR = "bench";
    /** Where the document links the raw results from (relative to {@code docs/}). */
    static final String RESULTS_LINK = "../weft-bench/results/comparison/";

    private final List<Measurement> measurements;
    private final RunInfo info;

    Report(List<Measurement> measurements, RunInfo info) {
        this.measurements = measurements;
        this.info = info;
    }

    RunInfo info() {
        return info;
    }

    /** The result of {@code e}, if it was measured; fails if two results match it. */
    Optional<Measurement> find(Entry e) {
        Measurement found = null;
        for (Measurement m : measurements) {
            if (e.matches(m)) {
                if (found != null) {
                    throw new IllegalStateException("two results for " + e.fullName() + " " + e.params() + ", in "
                            + found.file() + " and " + m.file() + ": remove one (a run was repeated into the same"
                            + " directory under another name)");
                }
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** {@code e}'s score in {@code unit}, or NaN. */
    double score(Entry e, String unit) {
        return find(e).map(m -> m.score(unit)).orElse(Double.NaN);
    }

    /** {@code e}'s error in {@code unit}, or NaN. */
    double error(Entry e, String unit) {
        return find(e).map(m -> m.error(unit)).orElse(Double.NaN);
    }

    /**
     * {@code e}'s ratio to {@code base}: the median of its same-round ratios when its result was
     * measured in the same rounds as {@code base}'s (a {@code rounds} record whose
     * {@link Measurement.SameRoundRatio} names {@code base}'s result, in the same file, by its name
     * and parameters); otherwise its time divided by {@code base}'s. NaN when either is not measured.
     */
    double ratio(Entry e, Entry base, String unit) {
        return sameRound(e, base).map(Measurement.SameRoundRatio::median)
                .orElseGet(() -> score(e, unit) / score(base, unit));
    }

    /**
     * The ends of {@code e}'s whisker on a ratio scale to {@code base}: the same-round ratio's
     * median plus and minus its error (half the interquartile range of the ratios) when there is
     * one (see {@link #ratio}), otherwise {@code e}'s time plus and minus its error, divided by
     * {@code base}'s time. NaN ends when there is no error.
     */
    double[] ratioRange(Entry e, Entry base, String unit) {
        Optional<Measurement.SameRoundRatio> r = sameRound(e, base);
        if (r.isPresent()) {
            return new double[] {r.get().median() - r.get().error(), r.get().median() + r.get().error()};
        }
        double s = score(e, unit);
        double err = error(e, unit);
        double b = score(base, unit);
        return new double[] {(s - err) / b, (s + err) / b};
    }

    /** Whether {@code e}'s figure against {@code base} is a same-round ratio (see {@link #ratio}). */
    boolean sameRoundRatio(Entry e, Entry base) {
        return sameRound(e, base).isPresent();
    }

    private Optional<Measurement.SameRoundRatio> sameRound(Entry e, Entry base) {
        Optional<Measurement> m = find(e);
        Optional<Measurement> b = find(base);
        if (m.isEmpty() || b.isEmpty() || m.get().sameRound() == null) {
            return Optional.empty();
        }
        Measurement.SameRoundRatio r = m.get().sameRound();
        boolean same = r.baseline().equals(b.get().benchmark()) && m.get().file().equals(b.get().file())
                && r.baselineParams().equals(b.get().params());
        return same ? Optional.of(r) : Optional.empty();
    }

    // ---- document blocks -------------------------------------------------------------------

    /** The generated blocks by name: {@code run}, {@code summary}, and one per family id. */
    Map<String, String> blocks() {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("run", runBlock());
        b.put("summary", summaryBlock());
        for (Family f : Catalog.FAMILIES) {
            b.put(f.id(), familyBlock(f));
        }
        return b;
    }

    private String runBlock() {
        StringBuilder sb = new StringBuilder();
        if (info.quick()) {
            sb.append("> **Smoke run (`--quick`): these figures prove the pipeline, they are not results.**\n"
                    + "> Taken with one short fork per benchmark on a machine shared with other builds; do not\n"
                    + "> quote them. `weft-bench/compare.sh` on a quiet machine replaces them.\n\n");
        }
        Set<String> jdks = new LinkedHashSet<>();
        Set<String> pythons = new LinkedHashSet<>();
        for (Measurement m : measurements) {
            (m.benchmark().startsWith("asyncio.") ? pythons : jdks).add(m.runtime());
        }
        sb.append("- **Command:** `").append(info.get("command")).append("`\n");
        sb.append("- **Date:** ").append(info.get("started")).append(" to ").append(info.get("finished")).append('\n');
        sb.append("- **JDK:** ").append(jdks.isEmpty() ? "unknown" : String.join("; ", jdks))
                .append("; JMH 1.37; kotlinx-coroutines ").append(info.get("kotlinx")).append('\n');
        sb.append("- **asyncio:** ").append(pythons.isEmpty() ? "unknown" : String.join("; ", pythons))
                .append(", in the same sitting (`weft-bench/asyncio_bench.py`)\n");
        sb.append("- **Machine:** ").append(info.get("machine")).append('\n');
        sb.append("- **Runs** (arguments given to `weft-bench/bench.sh`, which `compare.sh` follows with"
                + " `-foe true -rf json -rff <id>.json`; to `java --enable-preview -cp weft-bench/target/benchmarks.jar`"
                + " (JVM options, a main class and its options); or to the script; the last two followed with `--out <id>.json`):\n");
        for (Run r : Catalog.RUNS) {
            String args = info.get("args." + r.id());
            sb.append("  - `").append(r.id()).append("`: ").append(args.isEmpty() ? "no arguments" : "`" + args + "`").append('\n');
        }
        sb.append("- **Raw results:** [`weft-bench/results/comparison/`](").append(RESULTS_LINK).append(")\n");
        return sb.toString();
    }

    private String summaryBlock() {
        StringBuilder sb = new StringBuilder();
        sb.append("| operation | floor on this machine | weft | weft ÷ floor | fastest other peer | asyncio | asyncio ÷ weft |\n");
        sb.append("|---|---|---:|---:|---|---:|---:|\n");
        for (Family f : Catalog.FAMILIES) {
            for (Operation op : f.operations()) {
                String u = op.unit();
                Entry weft = op.weft().getFirst();
                double floor = score(op.floor(), u);
                double w = score(weft, u);
                Entry best = null;
                for (Entry e : op.entries()) {
                    if (e.kind() != Kind.WEFT && e.kind() != Kind.FLOOR && e != op.baseline() && !e.otherModel()
                            && !Double.isNaN(score(e, u)) && (best == null || score(e, u) < score(best, u))) {
                        best = e;
                    }
                }
                if (op.baseline() != op.floor() && (best == null || score(op.baseline(), u) < score(best, u))) {
                    best = op.baseline();
                }
                Entry asyncio = asyncio(op);
                double a = asyncio == null ? Double.NaN : score(asyncio, u);
                sb.append("| ").append(op.title())
                        .append(" | ").append(op.floor().label()).append(' ').append(time(floor, u))
                        .append(" | ").append(time(w, u))
                        .append(" | **").append(Fmt.ratio(ratio(weft, op.floor(), u))).append("**")
                        .append(" | ").append(best == null ? "—" : best.label() + " " + time(score(best, u), u))
                        .append(" | ").append(Double.isNaN(a) ? "—" : time(a, u))
                        .append(" | ").append(Fmt.ratio(a / w))
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    private static Entry asyncio(Operation op) {
        return op.entries().stream().filter(e -> e.kind() == Kind.ASYNCIO).findFirst().orElse(null);
    }

    private String familyBlock(Family f) {
        StringBuilder sb = new StringBuilder();
        sb.append("![").append(f.title()).append(": each implementation's ratio to the JDK baseline, log scale](")
                .append(CHART_DIR).append('/').append(f.id()).append(".svg)\n\n");
        sb.append(f.note()).append(' ').append(statisticNote(f)).append('\n');
        for (Operation op : f.operations()) {
            String u = Fmt.unit(op.unit());
            sb.append("\n**").append(op.title()).append("**: ").append(floorLine(op)).append("\n\n");
            sb.append("| implementation | ").append(u).append(" | × ").append(op.baseline().label()).append(" |\n");
            sb.append("|---|---:|---:|\n");
            for (Entry e : op.entries()) {
                double s = score(e, op.unit());
                double err = error(e, op.unit());
                String name = e.kind() == Kind.WEFT ? "**" + e.label() + "**" : e.label();
                if (e == op.floor()) {
                    name += " (floor)";
                } else if (e == op.baseline()) {
                    name += " (baseline)";
                }
                sb.append("| ").append(name).append(" | ")
                        .append(Double.isNaN(s) ? "not measured" : Fmt.num(s) + (Double.isNaN(err) ? "" : " ± " + Fmt.num(err)))
                        .append(" | ").append(Fmt.ratio(ratio(e, op.baseline(), op.unit()))).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The labels of {@code f}'s measured entries whose figure is {@code s}, in drawing order. */
    private List<String> labels(Family f, Statistic s) {
        List<String> out = new ArrayList<>();
        for (Operation op : f.operations()) {
            for (Entry e : op.entries()) {
                if (find(e).map(Measurement::statistic).orElse(null) == s && !out.contains(e.label())) {
                    out.add(e.label());
                }
            }
        }
        return out;
    }

    /** The labels of {@code f}'s entries whose ratio to their baseline is a same-round ratio. */
    private List<String> sameRoundLabels(Family f) {
        List<String> out = new ArrayList<>();
        for (Operation op : f.operations()) {
            for (Entry e : op.entries()) {
                if (sameRoundRatio(e, op.baseline()) && !out.contains(e.label())) {
                    out.add(e.label());
                }
            }
        }
        return out;
    }

    /** The baselines of {@code f}'s operations that some entry has a same-round ratio to. */
    private List<String> sameRoundBaselines(Family f) {
        List<String> out = new ArrayList<>();
        for (Operation op : f.operations()) {
            if (op.entries().stream().anyMatch(e -> sameRoundRatio(e, op.baseline())) && !out.contains(op.baseline().label())) {
                out.add(op.baseline().label());
            }
        }
        return out;
    }

    /** A family's entries by what their figure is: medians of rounds, medians of single operations, means. */
    private record Kinds(List<String> rounds, List<String> medians, List<String> means) {
        boolean allMeans() {
            return rounds.isEmpty() && medians.isEmpty();
        }
    }

    private Kinds kinds(Family f) {
        return new Kinds(labels(f, Statistic.ROUNDS), labels(f, Statistic.MEDIAN), labels(f, Statistic.MEAN));
    }

    /**
     * What the family's figures and errors are: "Error: half-width of the 99.9% confidence
     * interval." when all are means (average-time results); when some are medians of interleaved
     * rounds or of single operations (rounds or sample-mode results), that they are, what their
     * error is, whether the ratios are same-round ratios, and which entries are means instead.
     */
    String statisticNote(Family f) {
        Kinds k = kinds(f);
        if (k.allMeans()) {
            return "Error: half-width of the 99.9% confidence interval.";
        }
        List<String> rounds = k.rounds(), medians = k.medians(), means = k.means();
        boolean sameRound = !sameRoundLabels(f).isEmpty();
        StringBuilder sb = new StringBuilder();
        if (!rounds.isEmpty()) {
            sb.append("Times are medians over interleaved rounds (one JVM runs each implementation once per round,"
                    + " in an order that changes from round to round, round after round for a fixed time), so that"
                    + " a stretch in which the machine runs slower falls on every implementation alike, and a garbage"
                    + " collection or a scheduler stall in a few rounds moves no median; error: half the interquartile"
                    + " range of the per-round times.");
            if (sameRound) {
                sb.append(" Ratios are medians of the per-round ratios to ").append(String.join(", ", sameRoundBaselines(f)))
                        .append(" in the same round, not quotients of the medians.");
            }
        }
        if (!medians.isEmpty()) {
            String what = "medians of single operations (JMH sample mode: every operation timed, all forks and"
                    + " iterations pooled), which the few operations slowed by a garbage collection or a scheduler stall"
                    + " do not move; error: half the range of the medians of the single measured iterations.";
            sb.append(rounds.isEmpty() ? "Times are " + what
                    : " " + String.join(", ", medians) + (medians.size() == 1 ? " is " : " are ") + what);
        }
        if (!means.isEmpty()) {
            sb.append(' ').append(String.join(", ", means)).append(means.size() == 1 ? " is a mean" : " are means")
                    .append(", error: half-width of the 99.9% confidence interval")
                    .append(sameRound ? (means.size() == 1 ? "; its ratio is its mean" : "; their ratios are their means")
                            + " divided by the baseline's median." : ".");
        }
        return sb.toString();
    }

    /**
     * The chart's line on what its times and whiskers are (see {@link #statisticNote}); short
     * enough for the chart's width.
     */
    String whiskerNote(Family f) {
        Kinds k = kinds(f);
        if (k.allMeans()) {
            return "Whiskers: 99.9% confidence interval of each time, divided by the baseline's mean.";
        }
        List<String> rounds = k.rounds(), means = k.means();
        String others = means.isEmpty() ? "" : " (" + String.join(", ", means) + ": mean, 99.9% CI)";
        if (!rounds.isEmpty() && !sameRoundLabels(f).isEmpty()) {
            return "Medians over interleaved rounds; bar: median of same-round ratios, whisker: ± half their IQR"
                    + others + ".";
        }
        if (!rounds.isEmpty()) {
            return "Medians over interleaved rounds; whiskers: ± half the interquartile range of the rounds" + others + ".";
        }
        return "Medians of single operations; whiskers: ± half the range of the iterations' medians" + others + ".";
    }

    /** "floor X a ns; weft Y b ns = r× the floor (+d ns); asyncio c ns: weft n× faster." */
    String floorLine(Operation op) {
        String u = op.unit();
        double floor = score(op.floor(), u);
        List<String> parts = new ArrayList<>();
        parts.add("floor `" + op.floor().label() + "` " + time(floor, u));
        for (Entry w : op.weft()) {
            double s = score(w, u);
            double d = s - floor;
            parts.add(Double.isNaN(d) ? w.label() + " " + time(s, u)
                    : w.label() + " " + time(s, u) + ", **" + Fmt.ratio(ratio(w, op.floor(), u)) + " the floor** ("
                            + (d >= 0 ? "+" : "−") + time(Math.abs(d), u) + ")");
        }
        Entry a = asyncio(op);
        if (a != null) {
            double as = score(a, u);
            double r = as / score(op.weft().getFirst(), u);
            parts.add(a.label() + " " + time(as, u) + (Double.isNaN(r) ? ""
                    : ": weft is " + (r >= 1 ? Fmt.ratio(r) + " faster" : Fmt.ratio(1 / r) + " slower")));
        }
        return String.join("; ", parts) + ".";
    }

    /** "2.03 ns", or "not measured". */
    private static String time(double v, String unit) {
        return Double.isNaN(v) ? "not measured" : Fmt.num(v) + " " + Fmt.unit(unit);
    }

    // ---- charts ----------------------------------------------------------------------------

    /** One SVG per family, by family id. */
    Map<String, String> charts() {
        Map<String, String> c = new LinkedHashMap<>();
        for (Family f : Catalog.FAMILIES) {
            c.put(f.id(), new SvgChart(this, f).render());
        }
        return c;
    }

    // ---- applying blocks to the document ---------------------------------------------------

    static String open(String name) {
        return "<!-- generated:" + name + " -->";
    }

    static String close(String name) {
        return "<!-- /generated:" + name + " -->";
    }

    /**
     * {@code doc} with the text between each block's markers replaced by the block. Fails, naming
     * the block, if a marker pair is missing or out of order.
     */
    static String apply(String doc, Map<String, String> blocks) {
        String out = doc;
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            String open = open(b.getKey());
            String close = close(b.getKey());
            int i = out.indexOf(open);
            int j = out.indexOf(close);
            if (i < 0 || j < i || out.indexOf(open, i + 1) >= 0) {
                throw new IllegalArgumentException("the document needs exactly one '" + open + "' followed by '" + close
                        + "' (on lines of their own) where the generated " + b.getKey() + " section goes");
            }
            out = out.substring(0, i + open.length()) + "\n" + b.getValue() + out.substring(j);
        }
        return out;
    }
}
