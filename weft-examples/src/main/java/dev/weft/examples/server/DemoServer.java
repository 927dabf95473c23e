package dev.weft.examples.server;

import com.sun.net.httpserver.HttpServer;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import dev.weft.http.WeftHttpFilter;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The demo HTTP server: every request is a weft task in one root {@link TaskGroup}, with its
 * request id and client address in context variables, a deadline, admission limits, cancellation
 * when its client disconnects, and a structured shutdown.
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
 * what happens <em>around</em> the parser. What it lacks, a disconnect callback, is made up for
 * by {@link DisconnectWatch}.
 *
 * <h2>Lifecycle</h2>
 * <ul>
 * <li>{@link #start}: binds, then a virtual thread runs the root group, whose body sleeps until
 *     the group is cancelled; a second task in the group runs the {@link DisconnectWatch}.
 * <li>Each request task catches whatever escapes its exchange and logs it: under structured
 *     concurrency a failing task would cancel its group, and so every other request.
 * <li>{@link #shutdown()}: new requests get {@code 503} with {@code Connection: close}; the
 *     requests in flight get the grace period; at its end (or at once after {@link #force()}),
 *     the requests still computing are cancelled, each through its own cancel scope, and answer
 *     {@code 503} with {@code Connection: close}; after a short wait for those answers
 *     ({@link #CUT_WAIT}), the listener and every connection are closed
 *     ({@code HttpServer.stop(0)}), then the root group is cancelled: whatever is still running
 *     (an exchange still reading its headers, the watch) ends at once, and the group's
 *     {@code run} returns only when every task has ended. {@link Stats#clean()} says nothing
 *     was left. (The grace is counted here rather than by {@code HttpServer.stop(delay)}, whose
 *     idea of "idle" misses an exchange between the end of its headers and its handler.)
 * </ul>
 *
 * <p>With {@link Config#plain()} the same handler runs on plain virtual threads
 * ({@link PlainRuntime}, a virtual-thread-per-task executor), for the load comparison; there a
 * request is cancelled by interrupting its thread.
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
     * @param maxInFlight how many requests may compute at once; the next get 503
     * @param maxSubtasks how many fan-out sub-tasks may exist at once, over all requests; a fan-out
     *     that would pass it gets 503
     */
    public record Config(InetAddress host, int port, Duration deadline, Duration grace, boolean plain,
                         Consumer<String> log, int maxInFlight, int maxSubtasks) {
        /**
         * Checks the values.
         *
         * @param host the address to bind
         * @param port the port
         * @param deadline the request deadline
         * @param grace the shutdown grace period
         * @param plain whether to run without weft
         * @param log the log sink
         * @param maxInFlight the request limit
         * @param maxSubtasks the fan-out sub-task budget
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
            if (maxInFlight < 1 || maxSubtasks < 1) {
                throw new IllegalArgumentException("maxInFlight and maxSubtasks must be at least 1, got "
                        + maxInFlight + " and " + maxSubtasks);
            }
        }

        /**
         * A configuration with the default limits ({@value Admission#DEFAULT_MAX_REQUESTS} requests,
         * {@value Admission#DEFAULT_MAX_SUBTASKS} fan-out sub-tasks).
         *
         * @param host the address to bind
         * @param port the port
         * @param deadline the request deadline
         * @param grace the shutdown grace period
         * @param plain whether to run without weft
         * @param log the log sink
         */
        public Config(InetAddress host, int port, Duration deadline, Duration grace, boolean plain,
                      Consumer<String> log) {
            this(host, port, deadline, grace, plain, log, Admission.DEFAULT_MAX_REQUESTS,
                    Admission.DEFAULT_MAX_SUBTASKS);
        }

        /**
         * The defaults: loopback, port 8080, deadline 2 s, grace 2 s, weft, log to stdout, the
         * default limits.
         *
         * @return the default configuration
         */
        public static Config defaults() {
            return new Config(InetAddress.getLoopbackAddress(), 8080, Duration.ofSeconds(2), Duration.ofSeconds(2),
                    false, System.out::println);
        }

        /**
         * Returns this configuration with another address to bind.
         *
         * @param h the address
         * @return the new configuration
         */
        public Config withHost(InetAddress h) {
            return new Config(h, port, deadline, grace, plain, log, maxInFlight, maxSubtasks);
        }

        /**
         * Returns this configuration with another port.
         *
         * @param p the port
         * @return the new configuration
         */
        public Config withPort(int p) {
            return new Config(host, p, deadline, grace, plain, log, maxInFlight, maxSubtasks);
        }

        /**
         * Returns this configuration with another deadline and grace period.
         *
         * @param d the request deadline
         * @param g the grace period
         * @return the new configuration
         */
        public Config withTimes(Duration d, Duration g) {
            return new Config(host, port, d, g, plain, log, maxInFlight, maxSubtasks);
        }

        /**
         * Returns this configuration with another runtime choice.
         *
         * @param p true for plain virtual threads without weft
         * @return the new configuration
         */
        public Config withPlain(boolean p) {
            return new Config(host, port, deadline, grace, p, log, maxInFlight, maxSubtasks);
        }

        /**
         * Returns this configuration with another log sink.
         *
         * @param sink the sink
         * @return the new configuration
         */
        public Config withLog(Consumer<String> sink) {
            return new Config(host, port, deadline, grace, plain, sink, maxInFlight, maxSubtasks);
        }

        /**
         * Returns this configuration with other admission limits.
         *
         * @param requests the request limit
         * @param subtasks the fan-out sub-task budget
         * @return the new configuration
         */
        public Config withLimits(int requests, int subtasks) {
            return new Config(host, port, deadline, grace, plain, log, requests, subtasks);
        }
    }

    /**
     * What the server did, at shutdown.
     *
     * @param answered requests answered
     * @param clientGone requests whose client left before the response (cancelled, or found gone
     *     when the response was sent)
     * @param tasksStarted request tasks started
     * @param tasksEnded request tasks ended
     * @param runningAfterGrace request tasks still running when the grace period ended, which the
     *     shutdown then cut (a task reading a closed connection counts too)
     * @param groupEnded whether the root group (or the plain executor) ended
     * @param cutByShutdown requests cancelled at the end of the grace and answered 503
     * @param refusedBusy requests refused with 503 by the admission limits
     */
    public record Stats(long answered, long clientGone, long tasksStarted, long tasksEnded, long runningAfterGrace,
                        boolean groupEnded, long cutByShutdown, long refusedBusy) {
        /**
         * Returns whether nothing was left running.
         *
         * @return true if every task ended and the root group finished
         */
        public boolean clean() {
            return groupEnded && tasksStarted == tasksEnded;
        }
    }

    /** How long the shutdown waits for the answers of the requests it cut, before it closes every connection. */
    static final Duration CUT_WAIT = Duration.ofSeconds(1);

    private final Config config;
    private final RequestRuntime runtime;
    private final RequestLog log;
    private final Admission admission;
    private final DemoHandler handler;
    private final HttpServer server;
    private final boolean watchingDisconnects;
    private final DisconnectWatch watch;
    private final LongAdder tasksStarted = new LongAdder();
    private final LongAdder tasksEnded = new LongAdder();
    /** Exchanges admitted and not ended; see {@link #admit()}. */
    private final AtomicLong inFlight = new AtomicLong();
    /** Set once by {@link #shutdown()}: new exchanges are answered 503. */
    private volatile boolean draining;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Counted down by {@link #force()}: the grace period ends at once. */
    private final CountDownLatch forced = new CountDownLatch(1);
    /** weft: the root group and the thread that owns it; null when plain. */
    private volatile TaskGroup root;
    private final Thread owner;
    /** plain: the executor; null with weft. */
    private final ExecutorService plainExecutor;
    private volatile Stats finalStats;

    /** The filter's maximum: the server's deadline, within what the filter accepts (1 ms to a day). */
    private static Duration filterMax(Duration deadline) {
        Duration day = Duration.ofDays(1);
        return deadline.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1)
                : deadline.compareTo(day) > 0 ? day : deadline;
    }

    private DemoServer(Config config) throws IOException, InterruptedException {
        this.config = config;
        this.runtime = config.plain() ? new PlainRuntime() : new WeftRuntime();
        this.log = new RequestLog(config.log(), runtime);
        this.admission = new Admission(config.maxInFlight(), config.maxSubtasks());
        BooleanSupplier isDraining = () -> draining;
        this.handler = new DemoHandler(runtime, log, config.deadline(), admission, isDraining);
        JdkHttpServerSettings.apply();
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 1024);
        var context = server.createContext("/", handler);
        if (!config.plain()) {
            // weft-http's filter: the deadline headers (400 for a bad one), the deadline scope the
            // exchange runs in, the W3C trace context, and a cancel when a read or write finds the
            // client gone. The plain runtime, the baseline without weft, reads the same headers
            // through RequestDeadline and keeps its deadline by hand.
            context.getFilters().add(WeftHttpFilter.builder().maxDeadline(filterMax(config.deadline())).build());
        }
        this.watchingDisconnects = DisconnectWatch.available();
        this.watch = new DisconnectWatch(admission, server.getAddress().getPort(), log, h -> { });
        if (config.plain()) {
            plainExecutor = Executors.newVirtualThreadPerTaskExecutor();
            owner = null;
            if (watchingDisconnects) {
                plainExecutor.execute(watch::run); // ended by shutdownNow's interrupt
            }
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
                if (watchingDisconnects) {
                    g.spawn("disconnect-watch", () -> {
                        watch.run(); // ends when the group is cancelled; never fails
                        return null;
                    });
                }
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
        s.log.info("listening on http://%s:%d/ (%s runtime, request deadline %d ms, shutdown grace %d ms,"
                        + " at most %d requests and %d fan-out sub-tasks in flight, client disconnects %s)",
                config.host().getHostAddress(), s.port(), s.runtime.name(), config.deadline().toMillis(),
                config.grace().toMillis(), config.maxInFlight(), config.maxSubtasks(),
                s.watchingDisconnects ? "cancel their requests"
                        : "NOT detected (needs Linux's /proc/net/tcp): requests run to their deadline");
        return s;
    }

    /**
     * Counts an exchange in before its task is spawned. While draining, exchanges are still
     * spawned, so that their request gets a 503 rather than a closed connection; once the
     * server has stopped, {@code root.spawn} (or the executor) refuses them and the dispatcher
     * closes the connection.
     */
    private void admit() {
        inFlight.incrementAndGet();
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

    /** Whether {@link #shutdown()} has begun: new requests get 503. */
    boolean isDraining() {
        return draining;
    }

    /** How many times the disconnect watch has read the socket table, for tests. */
    long disconnectScans() {
        return watch.scans();
    }

    /** The admission limits and counts, for tests. */
    Admission admission() {
        return admission;
    }

    /**
     * Returns whether the server cancels the requests of clients that disconnect (Linux only).
     *
     * @return true if the disconnect watch runs
     */
    public boolean watchesDisconnects() {
        return watchingDisconnects;
    }

    /**
     * Returns what the server has done so far (the counts of {@link Stats}; {@code groupEnded}
     * false until the shutdown has ended).
     *
     * @return a snapshot
     */
    public Stats stats() {
        Stats f = finalStats;
        return f != null ? f : new Stats(handler.answered.sum(), handler.clientGone.sum(), tasksStarted.sum(),
                tasksEnded.sum(), 0, false, handler.cutByShutdown.sum(), handler.refusedBusy.sum());
    }

    /**
     * Ends the grace period now, whether the shutdown has started or starts later: the requests
     * still computing are cut (503, {@code Connection: close}) without waiting. For a second
     * Ctrl-C.
     */
    public void force() {
        forced.countDown();
    }

    /**
     * Stops the server: new requests get 503, then the grace period for requests in flight, then
     * cancellation of the rest (answered 503 with {@code Connection: close}); returns when every
     * request task has ended (or 10 s have passed, which {@link Stats#clean()} reports).
     * Idempotent; later calls wait for the first.
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
            log.info("stopping: new requests get 503; %d request(s) in flight get up to %d ms to finish",
                    inFlight(), config.grace().toMillis());
            draining = true;
            long until = System.nanoTime() + config.grace().toNanos();
            while (inFlight.get() > 0 && System.nanoTime() - until < 0) {
                if (forced.await(5, TimeUnit.MILLISECONDS)) {
                    log.info("grace period ended early: forced");
                    break;
                }
            }
            long left = inFlight.get();
            int cut = admission.cancelAll(RequestHandle.Reason.SHUTDOWN);
            if (cut > 0) {
                log.info("cutting %d request(s) still running after the grace: they answer 503, Connection: close",
                        cut);
                long answersBy = System.nanoTime() + CUT_WAIT.toNanos();
                while (admission.requestsInFlight() > 0 || handler.handling() > 0) {
                    if (System.nanoTime() - answersBy > 0) {
                        break;
                    }
                    Thread.sleep(2);
                }
            }
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
                    tasksEnded.sum(), left, ended, handler.cutByShutdown.sum(), handler.refusedBusy.sum());
            log.info("stopped: %d answered, %d task(s) still running after the grace (%d cut with a 503), %d left,"
                    + " root group %s",
                    finalStats.answered(), left, finalStats.cutByShutdown(), inFlight(),
                    ended ? "ended" : "STILL RUNNING");
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
