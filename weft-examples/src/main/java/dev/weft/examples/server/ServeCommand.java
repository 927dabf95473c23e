package dev.weft.examples.server;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./run serve}: runs the demo server until Ctrl-C or SIGTERM, then stops it gracefully;
 * a second signal during the grace period forces the exit.
 *
 * <h2>Signals</h2>
 * A JVM shutdown hook cannot see a second signal: once the JVM's shutdown has begun, a second
 * SIGINT or SIGTERM only calls {@code System.exit} again, which waits behind the first one, so
 * it was silently ignored. So {@code serve} installs its own handlers for {@code INT} and
 * {@code TERM} through {@code sun.misc.Signal} (module {@code jdk.unsupported}, reached by
 * reflection so that the build stays free of its warnings):
 * <ol>
 * <li>first signal: says so, and stops the server on a thread of its own (new requests 503,
 *     grace period, cut, exit 0 if nothing was left running, else 1);
 * <li>second signal: says so, and {@linkplain DemoServer#force() ends the grace period now}: the
 *     requests still computing are cut with a 503; the process exits with 128 + the signal's
 *     number (130 for Ctrl-C, 143 for SIGTERM), within {@link #FORCE_WAIT} even if something hangs;
 * <li>a third signal halts at once.
 * </ol>
 * Where {@code sun.misc.Signal} is missing, a shutdown hook stops the server as before (and a
 * second signal is not seen). The shutdown hook stays installed in any case, for the other ways a
 * JVM ends (SIGHUP, {@code System.exit}); it does nothing if the signal path already stopped the
 * server.
 */
public final class ServeCommand {
    /** After a second signal, the longest the process waits for the cut requests' answers. */
    static final Duration FORCE_WAIT = Duration.ofSeconds(2);

    private final DemoServer server;
    private final PrintStream out;
    private final String name;
    private final AtomicInteger signals = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch exited = new CountDownLatch(1);
    private volatile int exitCode;
    private volatile int forcedBy;

    private ServeCommand(DemoServer server, PrintStream out, String name) {
        this.server = server;
        this.out = out;
        this.name = name;
    }

    /**
     * Starts the server and serves until a signal stops it.
     *
     * @param config how to run the server
     * @param out where the log and the messages go
     * @return the process's exit code: 0 after a clean stop, 1 if a task did not end, 128 + the
     *     signal's number after a forced exit
     * @throws IOException if the address cannot be bound
     * @throws InterruptedException if interrupted while serving
     */
    public static int run(DemoServer.Config config, PrintStream out) throws IOException, InterruptedException {
        DemoServer server = DemoServer.start(config);
        String name = "weft demo server (" + (config.plain() ? "plain" : "weft") + " runtime)";
        ServeCommand cmd = new ServeCommand(server, out, name);
        boolean signalsHandled = installSignalHandlers(cmd::onSignal);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("weft-demo-shutdown").unstarted(() -> {
            if (cmd.stopping.compareAndSet(false, true)) {
                cmd.stop(); // SIGHUP, or signals without sun.misc.Signal
                // The JVM would exit with 128 + the signal's number; a clean stop is a success.
                Runtime.getRuntime().halt(cmd.exitCode);
            }
        }));
        out.printf("%s: http://%s:%d/ lists the endpoints; Ctrl-C stops it%s.%n", name,
                config.host().getHostAddress(), server.port(),
                signalsHandled ? " (a second Ctrl-C forces the exit)" : "");
        out.flush();
        cmd.exited.await();
        return cmd.exitCode;
    }

    /** Runs on the JVM's signal thread: must not block. */
    private void onSignal(String signal, int number) {
        int n = signals.incrementAndGet();
        if (n == 1) {
            out.printf("%s: SIG%s received: stopping gracefully (a second Ctrl-C or SIGTERM forces the exit)%n",
                    name, signal);
            out.flush();
            if (stopping.compareAndSet(false, true)) {
                Thread.ofPlatform().name("weft-demo-stop").start(this::stop);
            }
        } else if (n == 2) {
            forcedBy = number;
            out.printf("%s: second signal (SIG%s) during the grace period: forcing the exit; requests still"
                    + " running are cut now (503)%n", name, signal);
            out.flush();
            server.force();
            Thread.ofPlatform().daemon().name("weft-demo-force").start(() -> {
                try {
                    if (!exited.await(FORCE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        out.printf("%s: still not stopped %d ms after the second signal: halting%n", name,
                                FORCE_WAIT.toMillis());
                        out.flush();
                        Runtime.getRuntime().halt(128 + number);
                    }
                } catch (InterruptedException e) {
                    Runtime.getRuntime().halt(128 + number);
                }
            });
        } else {
            out.printf("%s: SIG%s again: halting now%n", name, signal);
            out.flush();
            Runtime.getRuntime().halt(128 + number);
        }
    }

    /** Stops the server, prints the summary and sets the exit code. */
    private void stop() {
        try {
            DemoServer.Stats s = server.shutdown();
            int forced = forcedBy;
            out.printf("%s stopped: %d answered, %d task(s) still running after the grace, %d cut with a 503, %s%s.%n",
                    name, s.answered(), s.runningAfterGrace(), s.cutByShutdown(),
                    s.clean() ? "nothing left running" : "SOME TASKS DID NOT END",
                    forced != 0 ? "; exit forced by a second signal" : "");
            out.flush();
            exitCode = forced != 0 ? 128 + forced : s.clean() ? 0 : 1;
        } catch (InterruptedException e) {
            exitCode = 1;
        } finally {
            exited.countDown();
        }
    }

    /**
     * Installs {@code handler} for SIGINT and SIGTERM through {@code sun.misc.Signal}.
     *
     * @return false if that API is missing (the JVM's own handling stays)
     */
    static boolean installSignalHandlers(SignalHandler handler) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Constructor<?> make = signal.getConstructor(String.class);
            Method handle = signal.getMethod("handle", signal, handlerType);
            Method getName = signal.getMethod("getName");
            Method getNumber = signal.getMethod("getNumber");
            Object proxy = Proxy.newProxyInstance(ServeCommand.class.getClassLoader(), new Class<?>[] {handlerType},
                    (self, m, args) -> switch (m.getName()) {
                        case "handle" -> {
                            handler.on((String) getName.invoke(args[0]), (Integer) getNumber.invoke(args[0]));
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> "ServeCommand signal handler";
                    });
            for (String s : new String[] {"INT", "TERM"}) {
                handle.invoke(null, make.newInstance(s), proxy);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Receives a signal's name ({@code "INT"}) and number. */
    @FunctionalInterface
    interface SignalHandler {
        /**
         * Handles a signal.
         *
         * @param name the signal's name without {@code SIG}
         * @param number its number
         */
        void on(String name, int number);
    }
}
