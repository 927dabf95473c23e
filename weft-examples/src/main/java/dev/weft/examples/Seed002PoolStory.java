package dev.weft.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.Deadline;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Story 002 of {@code docs/stories.md}: a task cancelled while its {@code finally} releases a database connection leaks the
 * connection, unless the release is shielded from the cancellation.
 *
 * <p>Real parts: a HikariCP pool of {@value #POOL_SIZE} connections over an embedded in-memory
 * H2 database. A release is slow on purpose, as a release over a network is: it runs a
 * {@code SELECT} and sleeps {@value #RELEASE_MILLIS} ms before {@code close()}, so cancellations
 * land in it. The same workload runs twice:
 * <ul>
 * <li><b>naive</b>: {@code finally { release(conn); }}. A cancellation that lands during the
 *     release interrupts its sleep, {@code close()} is skipped, the connection is never returned.
 * <li><b>weft</b>: {@code finally { CancelScope.shield(() -> { release(conn); return null; }); }}.
 *     The cancellation is held back until the release has ended, then delivered.
 * </ul>
 * The evidence is HikariCP's own count of borrowed connections ({@code getActiveConnections()})
 * after each run, beside the count of connections borrowed and closed.
 */
public final class Seed002PoolStory implements Story {
    static final int POOL_SIZE = 4;
    static final long RELEASE_MILLIS = 4;
    private static final int WORKERS = 8;
    private static final int JOBS_PER_WORKER = 25;
    private static final AtomicInteger POOLS = new AtomicInteger();

    @Override
    public String number() {
        return "002";
    }

    @Override
    public String title() {
        return "Cancelled while releasing a pooled connection";
    }

    @Override
    public String python() {
        return "a task cancelled while its finally awaits release_db_connection(conn) stops in the middle of it:"
                + " the connection is never returned, and a web server with timeouts slowly drains its pool.";
    }

    @Override
    public String weft() {
        return "the release runs in CancelScope.shield(...): the cancellation waits until the release has ended,"
                + " then stops the task. Same workload, same real pool (HikariCP over in-memory H2), both ways.";
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();

        Single naiveOne = cancelExactlyDuringRelease(false);
        Single weftOne = cancelExactlyDuringRelease(true);
        ev.line("one task, cancelled while its release is in progress:");
        ev.check(naiveOne.active == 1, "naive: task %s, connection %s, pool active afterwards = %d (leaked)",
                naiveOne.state, naiveOne.closed ? "closed" : "never closed", naiveOne.active);
        ev.check(weftOne.active == 0 && weftOne.closed && weftOne.state == Task.State.CANCELLED,
                "weft:  task %s, connection %s, pool active afterwards = %d (release ran to its end, %d ms)",
                weftOne.state, weftOne.closed ? "closed" : "never closed", weftOne.active, weftOne.millis);

        Storm naive = storm(false);
        Storm shielded = storm(true);
        ev.line("%d jobs on %d workers, each job cancelled by a random deadline of 0-20 ms:",
                WORKERS * JOBS_PER_WORKER, WORKERS);
        ev.line("naive: %s", naive);
        ev.line("weft:  %s", shielded);
        ev.check(shielded.active == 0 && shielded.borrowed == shielded.closed,
                "weft returns every connection: %d borrowed, %d closed, pool active after the run = %d of %d",
                shielded.borrowed, shielded.closed, shielded.active, POOL_SIZE);
        ev.line("naive leaves %d of %d connections borrowed for ever (%d borrowed, %d closed)",
                naive.active, POOL_SIZE, naive.borrowed, naive.closed);
        return ev.result();
    }

    /** The outcome of one task cancelled during its release. */
    private record Single(Task.State state, boolean closed, int active, long millis) {
    }

    /**
     * Runs one task whose release blocks long enough to be hit for sure, and cancels the task once
     * the release has started.
     */
    private static Single cancelExactlyDuringRelease(boolean shielded) throws Exception {
        try (HikariDataSource pool = newPool(shielded ? "weft-one" : "naive-one")) {
            CountDownLatch releasing = new CountDownLatch(1);
            AtomicInteger closed = new AtomicInteger();
            long slowRelease = 200;
            long[] releaseMillis = new long[1];
            Task<?> task = TaskGroup.run("story002-one", g -> {
                Task<Void> t = g.spawn(() -> {
                    Connection c = pool.getConnection();
                    try {
                        query(c);
                    } finally {
                        CallableRelease release = () -> {
                            long start = System.nanoTime();
                            releasing.countDown();
                            release(c, slowRelease, closed);
                            releaseMillis[0] = Evidence.millisSince(start);
                        };
                        if (shielded) {
                            CancelScope.shield(() -> {
                                release.run();
                                return null;
                            });
                        } else {
                            release.run();
                        }
                    }
                });
                if (!releasing.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the task never reached its release");
                }
                t.cancel();
                return t;
            });
            return new Single(task.state(), closed.get() == 1, activeAfter(pool), releaseMillis[0]);
        }
    }

    @FunctionalInterface
    private interface CallableRelease {
        void run() throws Exception;
    }

    /** What one storm run did. */
    private record Storm(int jobs, int borrowed, int closed, int cancelled, int cancelledDuringRelease,
                         int active, long millis) {
        @Override
        public String toString() {
            return String.format("%d borrowed, %d closed, %d jobs cancelled (%d of them during the release);"
                    + " pool active after = %d of %d; %d ms", borrowed, closed, cancelled, cancelledDuringRelease,
                    active, POOL_SIZE, millis);
        }
    }

    /** Counters shared by a storm's workers. */
    private static final class Tally {
        final AtomicInteger borrowed = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();
        final AtomicInteger cancelledDuringRelease = new AtomicInteger();
    }

    /**
     * Runs {@link #WORKERS} workers, each doing {@link #JOBS_PER_WORKER} jobs one after another;
     * every job borrows a connection, queries, holds it a little and releases it, under a cancel
     * scope whose deadline is random.
     */
    private static Storm storm(boolean shielded) throws Exception {
        long start = System.nanoTime();
        Tally t = new Tally();
        try (HikariDataSource pool = newPool(shielded ? "weft" : "naive")) {
            TaskGroup.run("story002-" + (shielded ? "weft" : "naive"), g -> {
                for (int w = 0; w < WORKERS; w++) {
                    g.spawn(() -> {
                        for (int j = 0; j < JOBS_PER_WORKER; j++) {
                            job(pool, shielded, t);
                        }
                    });
                }
                return null;
            });
            return new Storm(WORKERS * JOBS_PER_WORKER, t.borrowed.get(), t.closed.get(), t.cancelled.get(),
                    t.cancelledDuringRelease.get(), activeAfter(pool), Evidence.millisSince(start));
        }
    }

    private static void job(HikariDataSource pool, boolean shielded, Tally t) throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        CancelScope.run(scope -> {
            scope.setDeadline(Deadline.after(Duration.ofMillis(rnd.nextInt(21))));
            try {
                Connection c = pool.getConnection();
                t.borrowed.incrementAndGet();
                try {
                    query(c);
                    Thread.sleep(rnd.nextInt(9));
                } finally {
                    boolean cancelledBefore = scope.isCancelled();
                    try {
                        if (shielded) {
                            CancelScope.shield(() -> {
                                release(c, RELEASE_MILLIS, t.closed);
                                return null;
                            });
                        } else {
                            release(c, RELEASE_MILLIS, t.closed);
                        }
                    } finally {
                        if (!cancelledBefore && scope.isCancelled()) {
                            t.cancelledDuringRelease.incrementAndGet();
                        }
                    }
                }
            } catch (CancelledException | InterruptedException | SQLException e) {
                if (scope.isCancelled()) {
                    t.cancelled.incrementAndGet();
                }
                throw e;
            }
            return null;
        });
    }

    /**
     * One job as the cancellation fuzzer drives it (Seed002FuzzTest): borrow, query, hold,
     * release, where the release's wait is a weft call ({@code Weft.sleep}), as a weft-aware
     * network client's would be, so that the fuzzer's checkpoints fall inside it.
     */
    static void fuzzedJob(HikariDataSource pool, boolean shielded, AtomicInteger closed) throws Exception {
        borrowHoldRelease(pool, shielded, c -> weftRelease(c, closed));
    }

    /**
     * The same job with the story's own release, whose wait is a JDK call ({@code Thread.sleep}),
     * as a driver's network round trip would be: the fuzzer reaches it with
     * {@code inJdkBlockingCalls()} (Seed002FuzzTest).
     */
    static void jdkJob(HikariDataSource pool, boolean shielded, AtomicInteger closed) throws Exception {
        borrowHoldRelease(pool, shielded, c -> release(c, RELEASE_MILLIS, closed));
    }

    /** How a fuzzed job gives its connection back. */
    @FunctionalInterface
    private interface Release {
        void release(Connection c) throws Exception;
    }

    private static void borrowHoldRelease(HikariDataSource pool, boolean shielded, Release release) throws Exception {
        Connection c = pool.getConnection();
        try {
            query(c);
            Weft.sleep(Duration.ofMillis(1));
        } finally {
            if (shielded) {
                CancelScope.shield(() -> {
                    release.release(c);
                    return null;
                });
            } else {
                release.release(c);
            }
        }
    }

    /** A slow release whose wait is a weft call: a round trip to the database, a wait, then close. */
    private static void weftRelease(Connection c, AtomicInteger closed) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
        Weft.sleep(Duration.ofMillis(RELEASE_MILLIS));
        c.close();
        closed.incrementAndGet();
    }

    /** A query while the connection is borrowed. */
    private static void query(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT SUM(total) FROM orders")) {
            rs.next();
        }
    }

    /** A slow release, as over a network: a round trip to the database, a wait, then close. */
    private static void release(Connection c, long waitMillis, AtomicInteger closed)
            throws SQLException, InterruptedException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
        Thread.sleep(waitMillis);
        c.close();
        closed.incrementAndGet();
    }

    static HikariDataSource newPool(String name) throws SQLException {
        HikariConfig cfg = new HikariConfig();
        String pool = "story002-" + name + "-" + POOLS.incrementAndGet();
        cfg.setJdbcUrl("jdbc:h2:mem:" + pool);
        cfg.setPoolName(pool);
        cfg.setMaximumPoolSize(POOL_SIZE);
        cfg.setMinimumIdle(POOL_SIZE);
        cfg.setConnectionTimeout(250); // HikariCP's minimum: a starved job fails fast instead of in 30 s
        HikariDataSource ds = new HikariDataSource(cfg);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders(id INT PRIMARY KEY, total INT)");
            s.execute("INSERT INTO orders SELECT X, X * 10 FROM SYSTEM_RANGE(1, 100)");
        }
        return ds;
    }

    /** HikariCP's count of borrowed connections, once the pool has settled (bounded wait). */
    private static int activeAfter(HikariDataSource ds) throws InterruptedException {
        var bean = ds.getHikariPoolMXBean();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        int active = bean.getActiveConnections();
        while (active > 0 && System.nanoTime() < until) {
            Thread.sleep(10);
            active = bean.getActiveConnections();
        }
        return active;
    }
}
