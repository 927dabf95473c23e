package dev.weft.bench.report;

import java.util.Locale;

/** Number formatting shared by the tables and the charts; fixed locale, so output is reproducible. */
final class Fmt {
    private Fmt() {
    }

    /** A measured time with three significant digits or so: 0.714, 2.03, 23.5, 234, 1234. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        String f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, f, v);
    }

    /** A ratio: 0.0042×, 0.039×, 0.39×, 1.46×, 12.3×, 245× (two digits or more below 0.1). */
    static String ratio(double r) {
        if (Double.isNaN(r)) {
            return "—";
        }
        String f = r >= 100 ? "%.0f×" : r >= 10 ? "%.1f×" : r >= 0.1 ? "%.2f×" : r >= 0.01 ? "%.3f×" : "%.4f×";
        return String.format(Locale.ROOT, f, r);
    }

    /** A coordinate for SVG: one decimal. */
    static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** The unit as shown: ns or µs. */
    static String unit(String unit) {
        return unit.equals("us") ? "µs" : unit;
    }
}
