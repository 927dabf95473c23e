package dev.weft.bench.report;

import dev.weft.bench.report.Catalog.Entry;
import dev.weft.bench.report.Catalog.Family;
import dev.weft.bench.report.Catalog.Kind;
import dev.weft.bench.report.Catalog.Operation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One family's chart as a self-contained SVG: for each operation a group of horizontal bars, one
 * per implementation, each the implementation's time divided by the operation's JDK baseline, on
 * a shared logarithmic axis. A bar starts at 1× and ends at the ratio (to the left: faster than
 * the baseline, to the right: slower); the whisker is the implementation's own time plus and minus
 * its error, divided by the baseline's time: the 99.9% confidence interval of a mean, or half the
 * range of the per-iteration medians around a median ({@link Measurement}; the chart says which).
 * An implementation measured in the same interleaved rounds as its baseline is drawn by its
 * same-round ratio instead ({@link Report#ratio}): the bar ends at the median of its per-round
 * ratios to the baseline, the whisker spans that median plus and minus half their interquartile
 * range.
 * The absolute time and the ratio are written at the right of each bar. Colours follow {@link Kind}.
 *
 * <p>Layout is computed from the catalog alone; numbers are written with a fixed locale and one
 * decimal, so the same results always give the same bytes.
 */
final class SvgChart {
    private static final double WIDTH = 900;
    private static final double LABEL_RIGHT = 320;   // labels are right-aligned here
    private static final double PLOT_LEFT = 330;
    private static final double PLOT_RIGHT = 730;
    private static final double VALUE_RIGHT = 822;  // times are right-aligned here
    private static final double RATIO_RIGHT = 886;  // ratios are right-aligned here
    private static final double ROW = 20;
    private static final double BAR = 12;
    private static final double GROUP_GAP = 14;
    private static final double AXIS_Y = 124;        // tick labels; groups start below

    private final Report report;
    private final Family family;
    private double lo;
    private double hi;

    SvgChart(Report report, Family family) {
        this.report = report;
        this.family = family;
    }

    /** A bar: the ratio and its whisker ends (NaN when not measured or without an error). */
    private record Bar(Entry entry, double score, double ratio, double low, double high) {
    }

    private List<Bar> bars(Operation op) {
        List<Bar> out = new ArrayList<>();
        for (Entry e : op.entries()) {
            double[] whisker = report.ratioRange(e, op.baseline(), op.unit());
            out.add(new Bar(e, report.score(e, op.unit()), report.ratio(e, op.baseline(), op.unit()), whisker[0], whisker[1]));
        }
        return out;
    }

    String render() {
        domain();
        int rows = 0;
        for (Operation op : family.operations()) {
            rows += op.entries().size();
        }
        double groupsTop = AXIS_Y + 12;
        double height = groupsTop + family.operations().size() * (ROW + GROUP_GAP) + rows * ROW + 30;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(Fmt.px(WIDTH)).append("\" height=\"")
                .append(Fmt.px(height)).append("\" viewBox=\"0 0 ").append(Fmt.px(WIDTH)).append(' ').append(Fmt.px(height))
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        text(sb, 16, 24, "start", "font-size=\"16\" font-weight=\"bold\"",
                family.title() + ": ratio to the JDK baseline (log scale; left of 1× is faster)");
        String when = "Run: " + report.info().get("command") + ", " + report.info().get("started") + ".";
        if (report.info().quick()) {
            text(sb, 16, 44, "start", "fill=\"#c92a2a\" font-weight=\"bold\"",
                    "SMOKE RUN (--quick): proves the pipeline only; these figures are not results.");
        } else {
            text(sb, 16, 44, "start", "fill=\"#495057\"", "Measured on " + report.info().get("machine") + ".");
        }
        text(sb, 16, 62, "start", "fill=\"#495057\"", when);
        text(sb, 16, 80, "start", "fill=\"#495057\"", report.whiskerNote(family));
        legend(sb, 102);
        axisLabels(sb, AXIS_Y);
        text(sb, VALUE_RIGHT, AXIS_Y, "end", "fill=\"#495057\"", "time");
        text(sb, RATIO_RIGHT, AXIS_Y, "end", "fill=\"#495057\"", "ratio");
        double y = groupsTop;
        for (Operation op : family.operations()) {
            y += GROUP_GAP;
            text(sb, 16, y + 13, "start", "font-weight=\"bold\"",
                    op.title() + " (baseline: " + op.baseline().label() + ")");
            y += ROW;
            grid(sb, y, y + op.entries().size() * ROW);
            for (Bar b : bars(op)) {
                row(sb, y, b, op.unit());
                y += ROW;
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** The axis range: whole decades around every ratio and whisker, and 1×. */
    private void domain() {
        double min = 1;
        double max = 1;
        for (Operation op : family.operations()) {
            for (Bar b : bars(op)) {
                for (double v : new double[] {b.ratio(), b.low(), b.high()}) {
                    if (v > 0 && Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
        }
        lo = Math.pow(10, Math.floor(Math.log10(min) - 1e-9));
        hi = Math.pow(10, Math.ceil(Math.log10(max) + 1e-9));
    }

    private double x(double ratio) {
        double r = Math.max(lo, Math.min(hi, ratio));
        return PLOT_LEFT + (Math.log10(r) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * (PLOT_RIGHT - PLOT_LEFT);
    }

    private void legend(StringBuilder sb, double y) {
        Set<Kind> kinds = new LinkedHashSet<>();
        for (Kind k : Kind.values()) {
            for (Operation op : family.operations()) {
                if (op.entries().stream().anyMatch(e -> e.kind() == k)) {
                    kinds.add(k);
                }
            }
        }
        double x = 16;
        for (Kind k : kinds) {
            sb.append("<rect x=\"").append(Fmt.px(x)).append("\" y=\"").append(Fmt.px(y - 10)).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(k.colour).append("\"/>\n");
            text(sb, x + 16, y, "start", "", k.legend);
            x += 24 + 7.2 * k.legend.length();
        }
    }

    /** The tick values: 1, 2 and 5 times each power of ten in the domain. */
    private List<Double> ticks() {
        List<Double> t = new ArrayList<>();
        for (double d = lo; d <= hi * 1.0001; d *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                if (d * m <= hi * 1.0001) {
                    t.add(d * m);
                }
            }
        }
        return t;
    }

    private static boolean major(double v) {
        double l = Math.log10(v);
        return Math.abs(l - Math.rint(l)) < 1e-9;
    }

    private static boolean isOne(double v) {
        return Math.abs(v - 1) < 1e-9;
    }

    private void axisLabels(StringBuilder sb, double y) {
        boolean all = Math.round(Math.log10(hi) - Math.log10(lo)) <= 2;
        for (double v : ticks()) {
            if (major(v) || all) {
                text(sb, x(v), y, "middle", isOne(v) ? "font-weight=\"bold\"" : "fill=\"#495057\"", tick(v));
            }
        }
    }

    private void grid(StringBuilder sb, double top, double bottom) {
        for (double v : ticks()) {
            double x = x(v);
            sb.append("<line x1=\"").append(Fmt.px(x)).append("\" y1=\"").append(Fmt.px(top)).append("\" x2=\"")
                    .append(Fmt.px(x)).append("\" y2=\"").append(Fmt.px(bottom)).append("\" stroke=\"")
                    .append(isOne(v) ? "#212529" : major(v) ? "#ced4da" : "#eef0f2").append("\" stroke-width=\"")
                    .append(isOne(v) ? "1.5" : "1").append("\"/>\n");
        }
    }

    private static String tick(double v) {
        if (v >= 1) {
            return String.format(java.util.Locale.ROOT, "%.0f×", v);
        }
        String s = String.format(java.util.Locale.ROOT, "%.6f", v).replaceAll("0+$", "");
        return s + "×";
    }

    private void row(StringBuilder sb, double y, Bar b, String unit) {
        Entry e = b.entry();
        boolean weft = e.kind() == Kind.WEFT;
        text(sb, LABEL_RIGHT, y + 13, "end", weft ? "font-weight=\"bold\"" : "", e.label());
        if (Double.isNaN(b.ratio())) {
            text(sb, PLOT_LEFT + 4, y + 13, "start", "fill=\"#868e96\" font-style=\"italic\"", "not measured");
            return;
        }
        double x1 = x(1);
        double xr = x(b.ratio());
        double left = Math.min(x1, xr);
        double width = Math.max(1.5, Math.abs(xr - x1));
        sb.append("<rect x=\"").append(Fmt.px(left)).append("\" y=\"").append(Fmt.px(y + (ROW - BAR) / 2)).append("\" width=\"")
                .append(Fmt.px(width)).append("\" height=\"").append(Fmt.px(BAR)).append("\" fill=\"").append(e.kind().colour)
                .append("\"><title>").append(esc(e.label() + ": " + Fmt.num(b.score()) + " " + Fmt.unit(unit) + ", "
                        + Fmt.ratio(b.ratio()))).append("</title></rect>\n");
        if (!Double.isNaN(b.high())) {
            double cy = y + ROW / 2;
            double xl = b.low() > 0 ? x(b.low()) : x(lo);
            double xh = x(b.high());
            line(sb, xl, cy, xh, cy);
            if (b.low() > 0) {
                line(sb, xl, cy - 4, xl, cy + 4);
            }
            line(sb, xh, cy - 4, xh, cy + 4);
        }
        String bold = weft ? "font-weight=\"bold\"" : "";
        text(sb, VALUE_RIGHT, y + 13, "end", bold, Fmt.num(b.score()) + " " + Fmt.unit(unit));
        text(sb, RATIO_RIGHT, y + 13, "end", bold, Fmt.ratio(b.ratio()));
    }

    private static void line(StringBuilder sb, double x1, double y1, double x2, double y2) {
        sb.append("<line x1=\"").append(Fmt.px(x1)).append("\" y1=\"").append(Fmt.px(y1)).append("\" x2=\"").append(Fmt.px(x2))
                .append("\" y2=\"").append(Fmt.px(y2)).append("\" stroke=\"#212529\" stroke-width=\"1\"/>\n");
    }

    private static void text(StringBuilder sb, double x, double y, String anchor, String attrs, String s) {
        sb.append("<text x=\"").append(Fmt.px(x)).append("\" y=\"").append(Fmt.px(y)).append("\" text-anchor=\"").append(anchor)
                .append('"').append(attrs.isEmpty() ? "" : " " + attrs).append('>').append(esc(s)).append("</text>\n");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
