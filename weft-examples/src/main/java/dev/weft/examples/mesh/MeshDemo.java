package dev.weft.examples.mesh;

import dev.weft.http.DeadlineHeaders;
import dev.weft.http.TraceContext;
import dev.weft.examples.mesh.MeshProtocol.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code ./run mesh}: starts a gateway and two backends, each its own JVM on loopback, sends one
 * order with a 400 ms budget through them, and checks the evidence in their logs: the budget seen
 * at each hop only shrinks, the slow backend's work is cancelled soon after the gateway's deadline,
 * one trace id runs through all three, and nothing is left running when they stop. Exit code 0 if
 * all of it holds.
 *
 * <pre>
 *   driver ──HTTP──▶ gateway ──gRPC──▶ stock ──HTTP──▶ pricing /price   (slow: 2 workers × 5 s)
 *                       └─────────────HTTP────────────▶ pricing /stock   (15 ms)
 * </pre>
 */
public final class MeshDemo {
    /** The budget the driver gives the order. */
    static final Duration BUDGET = Duration.ofMillis(400);
    /** How soon after the gateway's deadline the slow backend's work must have been cancelled. */
    static final long CANCEL_BOUND_MS = 250;
    /** How soon after the budget the driver must have its answer. */
    static final long ANSWER_BOUND_MS = 600;

    private final PrintStream out;
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> evidence = new ArrayList<>();
    private boolean passed = true;

    /**
     * Creates the demo, printing to {@code out}.
     *
     * @param out where the evidence goes
     */
    public MeshDemo(PrintStream out) {
        this.out = out;
    }

    /** One child JVM and the lines it printed. */
    private static final class Node {
        final String name;
        final Process process;
        final List<Event> events = new CopyOnWriteArrayList<>();
        final LinkedBlockingQueue<Event> ready = new LinkedBlockingQueue<>();
        final List<String> other = new CopyOnWriteArrayList<>();
        final Thread reader;

        Node(String name, Process process) {
            this.name = name;
            this.process = process;
            this.reader = Thread.ofPlatform().daemon().name("mesh-read-" + name).start(this::read);
            Thread.ofPlatform().daemon().name("mesh-err-" + name).start(() -> drain(process.errorReader(StandardCharsets.UTF_8)));
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    Event e = Event.parse(line);
                    if (e == null) {
                        other.add(line);
                        continue;
                    }
                    events.add(e);
                    if (e.event().equals("ready")) {
                        ready.add(e);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }

        private void drain(BufferedReader r) {
            try (r) {
                for (String line; (line = r.readLine()) != null;) {
                    if (!line.startsWith("WARNING:")) {
                        other.add("stderr: " + line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }

        int awaitPort() throws InterruptedException {
            Event e = ready.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new IllegalStateException(name + " did not start within 30 s; its output: " + other);
            }
            return Integer.parseInt(e.get("port"));
        }

        List<Event> find(Predicate<Event> p) {
            return events.stream().filter(p).toList();
        }
    }

    /**
     * Runs the demo.
     *
     * @param svg where to write the SVG timeline, or null
     * @return 0 if every check held, 1 otherwise
     * @throws Exception if the processes cannot be started
     */
    public int run(Path svg) throws Exception {
        long t0 = System.nanoTime();
        out.println("━━ mesh  a deadline, a cancellation and a trace across three processes");
        out.println("""
                setup:    driver ──HTTP──▶ gateway ──gRPC──▶ stock ──HTTP──▶ pricing /price (slow: 2 workers × 5 s)
                                              └───────────HTTP────────────▶ pricing /stock (15 ms)
                          each service its own JVM on loopback; gRPC over Netty with weft-grpc's
                          interceptors, HTTP on the JDK's client and server with weft-http.""");
        out.flush();
        try {
            Node pricing = start("pricing");
            int pricingPort = pricing.awaitPort();
            Node stock = start("stock", Integer.toString(pricingPort));
            int stockPort = stock.awaitPort();
            Node gateway = start("gateway", Integer.toString(stockPort), Integer.toString(pricingPort));
            int gatewayPort = gateway.awaitPort();
            out.printf("started:  pricing pid %d, stock pid %d, gateway pid %d (%d ms)%n", pricing.process.pid(),
                    stock.process.pid(), gateway.process.pid(), (System.nanoTime() - t0) / 1_000_000);
            out.flush();
            scenario(URI.create("http://127.0.0.1:" + gatewayPort + "/order"), gateway, stock, pricing, svg);
        } finally {
            stopAll();
        }
        long total = (System.nanoTime() - t0) / 1_000_000;
        check(total < 60_000, "the whole run took %d ms (bound 60 000)", total);
        out.println("evidence:");
        for (String l : evidence) {
            out.println("          " + l);
        }
        out.println((passed ? "PASS" : "FAIL") + "  mesh in " + String.format("%.1f", total / 1000.0) + " s");
        out.flush();
        return passed ? 0 : 1;
    }

    private Node start(String role, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small, quick-starting JVMs: three of them share the machine with the driver.
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                MeshNode.class.getName(), role));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        Node n = new Node(role, p);
        nodes.add(n);
        return n;
    }

    private void scenario(URI order, Node gateway, Node stock, Node pricing, Path svg) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            // Warm-up: load classes and open connections on every path, with a generous budget, so
            // that the 400 ms below is spent on the work, not on a cold JVM.
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = client.send(request(order.resolve("/order?warm"), Duration.ofSeconds(20),
                        TraceContext.newTrace()), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("warm-up order failed: " + r.statusCode() + " " + r.body());
                }
            }
            TraceContext trace = TraceContext.newTrace();
            long sentMicros = MeshProtocol.nowMicros();
            long s0 = System.nanoTime();
            HttpResponse<String> r = client.send(request(order, BUDGET, trace), HttpResponse.BodyHandlers.ofString());
            long answeredMs = (System.nanoTime() - s0) / 1_000_000;
            long answeredMicros = MeshProtocol.nowMicros();
            out.printf("order:    budget %d ms, trace %s → %d %s in %d ms%n", BUDGET.toMillis(), trace.traceId(),
                    r.statusCode(), r.body().strip(), answeredMs);
            out.flush();

            String id = trace.traceId();
            Predicate<Event> mine = e -> e.get("trace").equals(id);
            // The backends log their cancellation shortly after the answer; wait for it, bounded.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() - until < 0 && (pricing.find(e -> e.event().equals("work-end")).size() < 1
                    || gateway.find(mine.and(e -> e.event().equals("handler-end"))).isEmpty()
                    || stock.find(mine.and(e -> e.event().equals("handler-end"))).isEmpty()
                    || pricing.find(mine.and(e -> e.event().equals("handler-end") && e.get("what").equals("price"))).isEmpty())) {
                Thread.sleep(20);
            }
            Optional<Event> g = first(gateway, mine.and(e -> e.event().equals("request")));
            Optional<Event> s = first(stock, mine.and(e -> e.event().equals("request")));
            Optional<Event> p = first(pricing, mine.and(e -> e.event().equals("request") && e.get("what").equals("price")));
            Optional<Event> ps = first(pricing, mine.and(e -> e.event().equals("request") && e.get("what").equals("stock")));

            check(r.statusCode() == 504, "the gateway answered %d (expected 504: the budget cannot cover the slow"
                    + " backend) after %d ms (bound %d)", r.statusCode(), answeredMs, BUDGET.toMillis() + ANSWER_BOUND_MS);
            check(answeredMs <= BUDGET.toMillis() + ANSWER_BOUND_MS, "answered within the budget + %d ms", ANSWER_BOUND_MS);

            long sent = BUDGET.toNanos() / 1_000;
            long gb = g.map(e -> e.getLong("budget_us")).orElse(-1L);
            long sb = s.map(e -> e.getLong("budget_us")).orElse(-1L);
            long pb = p.map(e -> e.getLong("budget_us")).orElse(-1L);
            long psb = ps.map(e -> e.getLong("budget_us")).orElse(-1L);
            check(0 < pb && pb <= sb && sb <= gb && gb <= sent && 0 < psb && psb <= gb,
                    "budget seen at each hop only shrinks: driver %s → gateway %s → stock (gRPC) %s → pricing /price"
                    + " (HTTP) %s ms; gateway → pricing /stock (HTTP) %s ms", ms(sent), ms(gb), ms(sb), ms(pb), ms(psb));

            long gatewayDeadline = g.map(e -> e.getLong("deadline_us")).orElse(Long.MAX_VALUE);
            List<Event> cancelled = pricing.find(e -> e.event().equals("worker-cancelled") && e.micros() > sentMicros);
            Optional<Event> workEnd = first(pricing, e -> e.event().equals("work-end") && e.micros() > sentMicros);
            long lastCancel = cancelled.stream().mapToLong(Event::micros).max().orElse(Long.MAX_VALUE);
            long lateMs = lastCancel == Long.MAX_VALUE ? Long.MAX_VALUE : (lastCancel - gatewayDeadline) / 1_000;
            check(cancelled.size() == 2 && workEnd.isPresent() && lateMs <= CANCEL_BOUND_MS,
                    "pricing's slow work cancelled: %d of 2 workers, the last %s ms after the gateway's deadline"
                    + " (pricing's own log; bound %d ms), instead of running 5 s", cancelled.size(),
                    lateMs == Long.MAX_VALUE ? "never" : Long.toString(lateMs), CANCEL_BOUND_MS);
            List<String> ends = new ArrayList<>();
            for (Node n : List.of(gateway, stock, pricing)) {
                n.find(mine.and(e -> e.event().equals("handler-end")))
                        .forEach(e -> ends.add(n.name + " " + e.get("what") + ": " + e.get("outcome")));
            }
            check(ends.size() == 4 && ends.stream().filter(x -> x.endsWith(": ok")).count() == 1,
                    "every handler on the order's path ended: %s", String.join(", ", ends));

            Map<String, String> traces = new LinkedHashMap<>();
            traces.put("gateway", g.map(e -> e.get("trace")).orElse("none"));
            traces.put("stock", s.map(e -> e.get("trace")).orElse("none"));
            traces.put("pricing", p.map(e -> e.get("trace")).orElse("none"));
            check(traces.values().stream().allMatch(id::equals), "one trace id across the three processes: %s = %s",
                    id, traces);
            if (svg != null) {
                Files.writeString(svg, MeshTimeline.svg(gateway.events, stock.events, pricing.events, id, sentMicros,
                        answeredMicros, gatewayDeadline));
                out.println("timeline: written to " + svg);
            }
        }
    }

    private static Optional<Event> first(Node n, Predicate<Event> p) {
        return n.find(p).stream().findFirst();
    }

    private static String ms(long micros) {
        return micros < 0 ? "?" : String.format("%.1f", micros / 1000.0);
    }

    private static HttpRequest request(URI uri, Duration budget, TraceContext trace) {
        return HttpRequest.newBuilder(uri)
                .header(DeadlineHeaders.DEFAULT_HEADER, DeadlineHeaders.formatMillis(budget))
                .header("traceparent", trace.traceparent())
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private void check(boolean holds, String format, Object... args) {
        evidence.add((holds ? "ok      " : "FAILED  ") + String.format(format, args));
        passed &= holds;
    }

    /** Closes every node's stdin, waits for it to exit, and checks that it stopped clean. */
    private void stopAll() throws InterruptedException {
        for (Node n : nodes) {
            try {
                n.process.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        List<String> report = new ArrayList<>();
        boolean clean = true;
        for (Node n : nodes) {
            boolean exited = n.process.waitFor(15, TimeUnit.SECONDS);
            if (!exited) {
                n.process.destroyForcibly();
                n.process.waitFor(5, TimeUnit.SECONDS);
            }
            n.reader.join(5_000);
            Optional<Event> stopped = first(n, e -> e.event().equals("stopped"));
            boolean ok = exited && n.process.exitValue() == 0 && stopped.map(e -> e.get("clean").equals("true")).orElse(false);
            clean &= ok;
            report.add(n.name + (ok ? " clean" : " NOT CLEAN (exit " + (exited ? n.process.exitValue() : "none")
                    + ", " + stopped.map(Event::fields).orElse(Map.of()) + ", output " + n.other + ")")
                    + stopped.map(e -> " (handlers " + e.get("active_handlers") + ", workers " + e.get("live_workers") + ")").orElse(""));
        }
        boolean none = nodes.stream().noneMatch(n -> n.process.isAlive())
                && ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive);
        if (!nodes.isEmpty()) {
            check(clean && none, "nothing left running: every process stopped and exited 0 with no handler or"
                    + " worker alive: %s; child processes alive: %s", String.join(", ", report), none ? "none" : "SOME");
        }
    }
}
