package dev.weft.examples.mesh;

import dev.weft.examples.mesh.MeshProtocol.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Draws one order's run as an SVG timeline: one lane per process, handlers and workers as bars. */
final class MeshTimeline {
    private static final int LEFT = 150;
    private static final int WIDTH = 760;
    private static final int LANE = 70;

    private MeshTimeline() {
    }

    private record Bar(int lane, int row, long from, long to, String label, String colour) {
    }

    static String svg(List<Event> gateway, List<Event> stock, List<Event> pricing, String trace, long sent,
            long answered, long gatewayDeadline) {
        List<Bar> bars = new ArrayList<>();
        String[] names = {"gateway", "stock (gRPC)", "pricing (HTTP)"};
        List<List<Event>> lanes = List.of(gateway, stock, pricing);
        long end = answered;
        for (int lane = 0; lane < 3; lane++) {
            int row = 0;
            for (Event req : lanes.get(lane)) {
                if (!req.event().equals("request") || !req.get("trace").equals(trace)) {
                    continue;
                }
                String what = req.get("what");
                Event fin = lanes.get(lane).stream().filter(e -> e.event().equals("handler-end")
                        && e.get("trace").equals(trace) && e.get("what").equals(what) && e.micros() >= req.micros())
                        .findFirst().orElse(null);
                long to = fin == null ? req.micros() : fin.micros();
                end = Math.max(end, to);
                String outcome = fin == null ? "?" : fin.get("outcome");
                bars.add(new Bar(lane, row++, req.micros(), to, what + " (budget " + ms(req.getLong("budget_us")) + ", "
                        + outcome + ")", outcome.equals("ok") ? "#7fbf7f" : "#e8a33d"));
            }
        }
        Event work = pricing.stream().filter(e -> e.event().equals("work-start") && e.micros() > sent).findFirst().orElse(null);
        if (work != null) {
            int row = 1;
            for (Event c : pricing) {
                if (c.event().equals("worker-cancelled") && c.micros() > sent) {
                    bars.add(new Bar(2, ++row, work.micros(), c.micros(), "worker " + c.get("worker") + " (5 s of work), cancelled",
                            "#d9534f"));
                    end = Math.max(end, c.micros());
                }
            }
        }
        long span = Math.max(1, end + 40_000 - sent);
        StringBuilder b = new StringBuilder();
        int height = 60 + 3 * LANE + 90;
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", LEFT + WIDTH + 20, height));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">One order,"
                + " budget %s, trace %s…, across three JVMs</text>%n", ms(MeshDemo.BUDGET.toNanos() / 1000), trace.substring(0, 8)));
        for (int lane = 0; lane < 3; lane++) {
            int y = 40 + lane * LANE;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n", 10,
                    y + LANE, LEFT + WIDTH, y + LANE));
            b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y + 22, names[lane]));
        }
        for (Bar bar : bars) {
            int y = 40 + bar.lane() * LANE + 6 + bar.row() * 15;
            double x1 = x(bar.from(), sent, span);
            double x2 = Math.max(x1 + 2, x(bar.to(), sent, span));
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>%n",
                    x1, y, x2 - x1, bar.colour()));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s</text>%n", x1 + 3, y + 10,
                    esc(bar.label())));
        }
        double dx = x(gatewayDeadline, sent, span);
        double ax = x(answered, sent, span);
        int bottom = 40 + 3 * LANE;
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"35\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\""
                + " stroke-dasharray=\"4 3\"/>%n", dx, dx, bottom));
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#c00\" text-anchor=\"end\">gateway deadline</text>%n", dx - 3, bottom + 14));
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"35\" x2=\"%.1f\" y2=\"%d\" stroke=\"#06c\"/>%n", ax, ax, bottom));
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#06c\" text-anchor=\"end\">504 at the driver</text>%n", ax - 3, bottom + 28));
        for (long t = 0; t <= span; t += 100_000) {
            double x = x(sent + t, sent, span);
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#666\">%d ms</text>%n", x,
                    bottom + 48, t / 1000));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"10\" fill=\"#666\">green: answered;"
                + " orange: ended by the deadline; red: pricing's workers (5 s each) cancelled. Generated by ./run mesh"
                + " --svg.</text>%n", bottom + 70));
        b.append("</svg>\n");
        return b.toString();
    }

    private static double x(long micros, long sent, long span) {
        return LEFT + (double) (micros - sent) * WIDTH / span;
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.0f ms", micros / 1000.0);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
