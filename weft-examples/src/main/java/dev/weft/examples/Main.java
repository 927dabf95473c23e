package dev.weft.examples;

import dev.weft.examples.server.DemoServer;
import dev.weft.examples.server.RequestLog;
import dev.weft.examples.server.ServeCommand;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The launcher behind {@code ./run}: {@code tour} (the default) runs the stories of {@code docs/stories.md},
 * {@code serve} starts the demo server until Ctrl-C or SIGTERM ({@link ServeCommand}), {@code tasks PID}
 * prints another JVM's weft task tree ({@link TasksCommand}), {@code mesh} runs
 * the multi-process demo.
 */
public final class Main {
    static final String USAGE = """
            usage: ./run [tour | serve [options] | tasks [--json] PID | mesh [--svg FILE] | --help]

              tour                 run the stories (docs/stories.md) and print what each shows (the default)
              serve                start the demo HTTP server until Ctrl-C / SIGTERM
                --port N           port to listen on (default 8080; 0 picks a free one)
                --host ADDR        address to bind (default 127.0.0.1)
                --deadline-ms D    each request's deadline (default 2000); X-Deadline-Ms may shorten it
                --grace-ms G       at shutdown, the time requests in flight get before they are
                                   cut with a 503 (default 2000); a second Ctrl-C ends it at once
                --max-in-flight N  requests computed at once; the next get 503 + Retry-After (default 256)
                --max-subtasks N   fan-out sub-tasks in flight over all requests; a fan-out that would
                                   pass it gets 503 + Retry-After (default 10000)
                --plain            run requests on plain virtual threads without weft (load comparison)
                --quiet            no per-request log lines
              tasks PID            print the weft task tree of the running JVM PID (e.g. a ./run serve):
                                   its groups, tasks, scopes and deadlines, and where each task waits
                --json             the same tree as JSON
              mesh                 a gateway and two backends, each its own JVM, over gRPC and HTTP:
                                   one order's deadline, cancellation and trace across them
                --svg FILE         also draw the run as an SVG timeline
            """;

    private Main() {
    }

    /**
     * Runs the launcher and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs the launcher without exiting.
     *
     * @param args the command line
     * @param out standard output
     * @param err standard error
     * @return the exit code: 0 on success, 1 if a story failed or the server did not stop cleanly,
     *     2 for a bad command line
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        String command = rest.isEmpty() ? "tour" : rest.pop();
        try {
            return switch (command) {
                case "tour" -> {
                    if (!rest.isEmpty()) {
                        throw new IllegalArgumentException("tour takes no options, got " + rest);
                    }
                    yield new Tour(out, colours()).run();
                }
                case "serve" -> serve(rest, out);
                case "tasks" -> TasksCommand.run(rest, out, err);
                case "mesh" -> mesh(rest, out);
                case "--help", "-h", "help" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new IllegalArgumentException("unknown command '" + command + "'");
            };
        } catch (IllegalArgumentException e) {
            err.println("run: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("run: cannot start the server: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Colours only on a terminal, and never with NO_COLOR set. */
    private static boolean colours() {
        Console c = System.console();
        return c != null && c.isTerminal() && System.getenv("NO_COLOR") == null;
    }

    /** Parses serve's options into a configuration. */
    static DemoServer.Config serveConfig(Deque<String> rest, PrintStream out) {
        DemoServer.Config c = DemoServer.Config.defaults().withLog(out::println);
        while (!rest.isEmpty()) {
            String opt = rest.pop();
            switch (opt) {
                case "--port" -> c = c.withPort(intValue(opt, rest, 0, 65535));
                case "--host" -> c = c.withHost(host(value(opt, rest)));
                case "--deadline-ms" -> c = c.withTimes(Duration.ofMillis(intValue(opt, rest, 0, 3_600_000)),
                        c.grace());
                case "--grace-ms" -> c = c.withTimes(c.deadline(), Duration.ofMillis(intValue(opt, rest, 0, 3_600_000)));
                case "--max-in-flight" -> c = c.withLimits(intValue(opt, rest, 1, 1_000_000), c.maxSubtasks());
                case "--max-subtasks" -> c = c.withLimits(c.maxInFlight(), intValue(opt, rest, 1, 100_000_000));
                case "--plain" -> c = c.withPlain(true);
                case "--quiet" -> c = c.withLog(RequestLog.DISCARD);
                default -> throw new IllegalArgumentException("unknown option '" + opt + "' for serve");
            }
        }
        return c;
    }

    private static int serve(Deque<String> rest, PrintStream out) throws IOException, InterruptedException {
        return ServeCommand.run(serveConfig(rest, out), out);
    }

    private static int mesh(Deque<String> rest, PrintStream out) {
        java.nio.file.Path svg = null;
        while (!rest.isEmpty()) {
            String opt = rest.pop();
            if (!opt.equals("--svg")) {
                throw new IllegalArgumentException("unknown option '" + opt + "' for mesh");
            }
            svg = java.nio.file.Path.of(value(opt, rest));
        }
        try {
            return new dev.weft.examples.mesh.MeshDemo(out).run(svg);
        } catch (Exception e) {
            out.println("mesh: " + e);
            return 1;
        }
    }

    private static String value(String opt, Deque<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return rest.pop();
    }

    private static int intValue(String opt, Deque<String> rest, int min, int max) {
        String v = value(opt, rest);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs a whole number from " + min + " to " + max + ", got '"
                    + v + "'");
        }
    }

    private static InetAddress host(String name) {
        try {
            return InetAddress.getByName(name);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + name + "'");
        }
    }
}
