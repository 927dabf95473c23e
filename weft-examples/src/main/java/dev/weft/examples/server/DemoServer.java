package dev.weft.examples.server;

import com.sun.net.httpserver.HttpServer;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The demo HTTP server: every request is a weft task in one root {@link TaskGroup}, with its
 * request id and client address in context variables, a deadline, and a structured shutdown.
 *
 * <h2>Why {@code com.sun.net.httpserver}</h2>
 * It is in the JDK (module {@code jdk.httpserver}), so the demo needs no dependency, and its
 * HTTP/1.1 parsing, keep-alive, chunking and limits are tested code that rejects malformed
 * request lines with a 400 and closes connections whose headers are too large
 * ({@link JdkHttpServerSettings}). Its one extension point is the one weft needs: an
 * {@link Executor} that receives each exchange, header parsing included, as a {@link Runnable}.
 * Here that executor spawns the exchange into the root group from the server's dispatcher thread,
 * a thread weft did not start (spawning from any thread is allowed while the group is open).
 * Raw sockets would have meant writing and hardening an HTTP parser for a demo whose subject is
 * what happens <em>around</em> the parser.
 *
 * <h2>Lifecycle</h2>
 * <ul>
 * <li>{@link #start}: binds, then a virtual thread runs the root group, whose body sleeps until
 *     the group is cancelled.
 * <li>Each request task catches whatever escapes its exchange and logs it: under structured
 *     concurrency a failing task would cancel its group, and so every other request.
 * <li>{@link #shutdown()}: refuses new requests (their connections are closed), gives the
 *     requests in flight the grace period, closes the listener and every connection
 *     ({@code HttpServer.stop(0)}), then cancels the root group: what is still running is
 *     cancelled (its sleeps, fan-outs and socket calls end at once), and the group's {@code run}
 *     returns only when every task has ended. {@link Stats#clean()} says nothing was left. (The
 *     grace is counted here rather than by {@code HttpServer.stop(delay)}, whose idea of "idle"
 *     misses an exchange between the end of its headers and the start of its handler.)
 * </ul>
 *
 * <p>With {@link Config#plain()} the same handler runs on plain virtual threads
 * ({@link PlainRuntime}, a virtual-thread-per-task executor), for the load comparison.
 */
@SuppressWarnings("try") // close() waits for the shutdown, so it may be interrupted
public final class DemoServer implements AutoCloseable {
    /**
     * How to run the server.
     *
     * @param host the address to bind
     * @param port the port; 0 picks a free one
     * @param deadline each request's deadline; {@code X-Deadline-Ms} may shorten it
     * @param grace how long requests in flight may finish at shutdown
     * @param plain run requests on plain virtual threads without weft
     * @param log receives log lines; must be thread-safe
     */
    public record Config(InetAddress host, int port, Duration deadline, Duration grace, boolean plain,
                         Consumer<String> log) {
        /**
         * Checks the values.
         *
         * @param host the address to bind
         * @param port the port
         * @param deadline the request deadline
         * @param grace the shutdown grace period
         * @param plain whether to run without weft
         * @param log the log sink
         */
        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(deadline, "deadline");
            Objects.requireNonNull(grace, "grace");
            Objects.requireNonNull(log, "log");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            if (deadline.isNegative() || grace.isNegative()) {
                throw new IllegalArgumentException("deadline and grace must not be negative");
            }
        }

        /**
         * The defaults: loopback, port 8080, deadline 2 s, grace 2 s, weft, log to stdout.
         *
         * @return the default configuration
         */
        public static Config defaults() {
            return new Config(InetAddress.getLoopbackAddress(), 8080, Duration.ofSeconds(2), Duration.ofSeconds(2),
                    false, System.out::println);
        }

        /**
         * Returns this configuration with another port.
         *
         * @param p the port
         * @return the new configuration
         */
        public Config withPort(int p) {
            return new Config(host, p, deadline, grace, plain, log);
        }

        /**
         * Returns this configuration with another deadline and grace period.
         *
         * @param d the request deadline
         * @param g the grace period
         * @return the new configuration
         */
        public Config withTimes(Duration d, Duration g) {
            return new Config(host, port, d, g, plain, log);
        }

        /**
         * Returns this configuration with another runtime choice.
         *
         * @param p true for plain virtual threads without weft
         * @return the new configuration
         */
        public Config withPlain(boolean p) {
            return new Config(host, port, deadline, grace, p, log);
        }

        /**
         * Returns this configuration with another log sink.
         *
         * @param sink the sink
         * @return the new configuration
         */
        public Config withLog(Consumer<String> sink) {
            return new Config(host, port, deadline, grace, plain, sink);
        }
    }

    /**
     * What the server did, at shutdown.
     *
     * @param answered requests answered
     * @param clientGone requests whose client left before the response
     * @param tasksStarted request tasks started
     * @param tasksEnded request tasks ended
     * @param runningAfterGrace request tasks still running when the grace period ended, which the
     *     root group's cancellation then stopped (a task reading a closed connection counts too)
     * @param groupEnded whether the root group (or the plain executor) ended
     */
    public record Stats(long answered, long clientGone, long tasksStarted, long tasksEnded, long runningAfterGrace,
                        boolean groupEnded) {
        /**
         * Returns whether nothing was left running.
         *
         * @return true if every task ended and the root group finished
         */
        public boolean clean() {
            return groupEnded && tasksStarted == tasksEnded;
        }
    }

    private final Config config;
    private final RequestRuntime runtime;
    private final RequestLog log;
    private final DemoHandler handler;
    private final HttpServer server;
    private final LongAdder tasksStarted = new LongAdder();
    private final LongAdder tasksEnded = new LongAdder();
    /** Exchanges admitted and not ended; see {@link #admit()}. */
    private final AtomicLong inFlight = new AtomicLong();
    /** Set once by {@link #shutdown()}: new exchanges are refused. */
    private volatile boolean draining;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** weft: the root group and the thread that owns it; null when plain. */
    private volatile TaskGroup root;
    private final Thread owner;
    /** plain: the executor; null with weft. */
    private final ExecutorService plainExecutor;
    private volatile Stats finalStats;

    private DemoServer(Config config) throws IOException, InterruptedException {
        this.config = config;
        this.runtime = config.plain() ? new PlainRuntime() : new WeftRuntime();
        this.log = new RequestLog(config.log(), runtime);
        this.handler = new DemoHandler(runtime, log, config.deadline());
        JdkHttpServerSettings.apply();
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 1024);
        server.createContext("/", handler);
        if (config.plain()) {
            plainExecutor = Executors.newVirtualThreadPerTaskExecutor();
            owner = null;
            server.setExecutor(command -> {
                admit();
                try {
                    plainExecutor.execute(() -> runCounted(command));
                } catch (RuntimeException e) {
                    unadmit();
                    throw e;
                }
            });
        } else {
            plainExecutor = null;
            CountDownLatch ready = new CountDownLatch(1);
            owner = Thread.ofVirtual().name("weft-demo-root").start(() -> TaskGroup.run("request", g -> {
                root = g;
                ready.countDown();
                Weft.sleep(ChronoUnit.FOREVER.getDuration()); // until shutdown cancels the group
                return null;
            }));
            if (!ready.await(10, TimeUnit.SECONDS)) {
                server.stop(0);
                throw new IllegalStateException("the root task group did not start");
            }
            server.setExecutor(command -> {
                admit();
                try {
                    root.spawn(() -> {
                        runCounted(command);
                        return null;
                    });
                } catch (RuntimeException e) { // the group has finished: only after shutdown
                    unadmit();
                    throw e;
                }
            });
        }
        server.start();
    }

    /**
     * Starts a server.
     *
     * @param config how
     * @return the running server
     * @throws IOException if the address cannot be bound
     * @throws InterruptedException if interrupted while starting
     */
    public static DemoServer start(Config config) throws IOException, InterruptedException {
        DemoServer s = new DemoServer(Objects.requireNonNull(config, "config"));
        s.log.info("listening on http://%s:%d/ (%s runtime, request deadline %d ms, shutdown grace %d ms)",
                config.host().getHostAddress(), s.port(), s.runtime.name(), config.deadline().toMillis(),
                config.grace().toMillis());
        return s;
    }

    /**
     * Counts an exchange in before its task is spawned, or refuses it while draining (the
     * dispatcher then closes the connection). Invariant: {@link #inFlight} is incremented before
     * {@link #draining} is read here, and {@link #shutdown()} sets {@code draining} before reading
     * {@code inFlight}; both are sequentially consistent, so an exchange is either refused or
     * waited for, never missed.
     */
    private void admit() {
        inFlight.incrementAndGet();
        if (draining) {
            inFlight.decrementAndGet();
            throw new RejectedExecutionException("the server is shutting down");
        }
        tasksStarted.increment();
    }

    /** Undoes {@link #admit()} for an exchange whose task could not start. */
    private void unadmit() {
        tasksEnded.increment();
        inFlight.decrementAndGet();
    }

    /** Runs one exchange, counting it; nothing escapes, so one bad request cannot cancel the others. */
    private void runCounted(Runnable exchange) {
        try {
            exchange.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            log.info("request task ended with %s", t);
        } finally {
            tasksEnded.increment();
            inFlight.decrementAndGet();
        }
    }

    /**
     * Returns the port the server listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Returns the number of request tasks running now.
     *
     * @return the exchanges admitted and not yet ended
     */
    public long inFlight() {
        return inFlight.get();
    }

    /**
     * Returns the number of request tasks started so far.
     *
     * @return the count
     */
    public long tasksStarted() {
        return tasksStarted.sum();
    }

    /**
     * Stops the server: no new connections, the grace period for requests in flight, then
     * cancellation of the rest; returns when every request task has ended (or 10 s have passed,
     * which {@link Stats#clean()} reports). Idempotent; later calls wait for the first.
     *
     * @return what the server did
     * @throws InterruptedException if interrupted while waiting
     */
    public Stats shutdown() throws InterruptedException {
        if (!stopping.compareAndSet(false, true)) {
            stopped.await();
            return finalStats;
        }
        try {
            log.info("stopping: no new requests; %d request(s) in flight get up to %d ms to finish",
                    inFlight(), config.grace().toMillis());
            draining = true;
            long until = System.nanoTime() + config.grace().toNanos();
            while (inFlight.get() > 0 && System.nanoTime() - until < 0) {
                Thread.sleep(5);
            }
            long left = inFlight.get();
            server.stop(0); // closes the listener and every connection; joins the dispatcher
            boolean ended;
            if (plainExecutor != null) {
                plainExecutor.shutdownNow();
                ended = plainExecutor.awaitTermination(10, TimeUnit.SECONDS);
            } else {
                root.cancel();
                owner.join(Duration.ofSeconds(10));
                ended = !owner.isAlive();
            }
            finalStats = new Stats(handler.answered.sum(), handler.clientGone.sum(), tasksStarted.sum(),
                    tasksEnded.sum(), left, ended);
            log.info("stopped: %d answered, %d task(s) still running after the grace were cancelled, %d left,"
                    + " root group %s",
                    finalStats.answered(), left, inFlight(), ended ? "ended" : "STILL RUNNING");
            return finalStats;
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Waits until {@link #shutdown()} has finished.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** Same as {@link #shutdown()}, for try-with-resources. */
    @Override
    public void close() throws InterruptedException {
        shutdown();
    }
}
