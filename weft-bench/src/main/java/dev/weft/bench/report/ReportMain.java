package dev.weft.bench.report;

import dev.weft.bench.report.Catalog.Run;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison's command line, used by {@code weft-bench/compare.sh}; needs only the JDK:
 *
 * <pre>
 * ReportMain plan [--quick]
 *     one line per run: id, tool (jmh, java or python), then its arguments, separated by tabs
 * ReportMain generate --results DIR --doc FILE --charts DIR
 *     rewrites the generated sections of FILE and writes DIR/&lt;family&gt;.svg from DIR's results
 * ReportMain check --results DIR --doc FILE --charts DIR
 *     exits with 1 and names the files that generate would change
 * </pre>
 */
public final class ReportMain {
    private ReportMain() {
    }

    /**
     * Runs one command (see the class comment).
     *
     * @param args the command and its options
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length == 0) {
            err.println("usage: ReportMain plan [--quick] | generate|check --results DIR --doc FILE --charts DIR");
            return 2;
        }
        switch (args[0]) {
            case "plan" -> {
                boolean quick = args.length > 1 && args[1].equals("--quick");
                for (Run r : Catalog.RUNS) {
                    out.println(r.id() + "\t" + r.tool() + (quick ? tabbed(r.quickArgs()) : tabbed(r.fullArgs())));
                }
                return 0;
            }
            case "generate", "check" -> {
                Map<String, String> opts = options(args);
                Path results = Path.of(opts.get("--results"));
                Path doc = Path.of(opts.get("--doc"));
                Path charts = Path.of(opts.get("--charts"));
                Map<Path, String> files = render(results, doc, charts);
                List<Path> changed = new ArrayList<>();
                for (Map.Entry<Path, String> f : files.entrySet()) {
                    String now = Files.exists(f.getKey()) ? Files.readString(f.getKey(), StandardCharsets.UTF_8) : null;
                    if (!f.getValue().equals(now)) {
                        changed.add(f.getKey());
                    }
                }
                if (args[0].equals("check")) {
                    if (changed.isEmpty()) {
                        out.println("the document and charts match " + results);
                        return 0;
                    }
                    err.println("out of date with " + results + " (run ReportMain generate): " + changed);
                    return 1;
                }
                Files.createDirectories(charts);
                for (Path p : changed) {
                    Files.writeString(p, files.get(p), StandardCharsets.UTF_8);
                    out.println("wrote " + p);
                }
                return 0;
            }
            default -> {
                err.println("unknown command '" + args[0] + "': use plan, generate or check");
                return 2;
            }
        }
    }

    /** The regenerated document and charts, by path, from the results in {@code results}. */
    static Map<Path, String> render(Path results, Path doc, Path charts) throws IOException {
        Report report = new Report(Measurement.loadAll(results), RunInfo.load(results));
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(doc, Report.apply(Files.readString(doc, StandardCharsets.UTF_8), report.blocks()));
        report.charts().forEach((id, svg) -> files.put(charts.resolve(id + ".svg"), svg));
        return files;
    }

    private static String tabbed(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            sb.append('\t').append(a);
        }
        return sb.toString();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            m.put(args[i], args[i + 1]);
        }
        for (String k : List.of("--results", "--doc", "--charts")) {
            if (!m.containsKey(k)) {
                throw new IllegalArgumentException(args[0] + " needs " + k + " (usage: " + args[0]
                        + " --results DIR --doc FILE --charts DIR)");
            }
        }
        return m;
    }
}
