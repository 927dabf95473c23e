package dev.weft.test;

import dev.weft.CancelScope;
import dev.weft.internal.Checkpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Cancels a block at each of its weft checkpoints in turn, and checks an invariant after every
 * run: the way to find cleanup that a cancellation can cut short (a connection never returned to
 * its pool, an element lost by a channel, a lock left held).
 *
 * <pre>{@code
 * CancellationFuzzer.of(() -> useConnection(pool))
 *         .invariant("no connection borrowed", () -> pool.borrowed() == 0)
 *         .check();
 * }</pre>
 *
 * <h2>How it runs</h2>
 * A checkpoint is every check for cancellation a weft call makes: {@code Weft.checkpoint()}, the
 * start of every weft blocking call ({@code Weft.sleep}, {@code Task.join}, a channel's send and
 * receive, a generator's {@code next}, a task group's spawn), and each re-check in a wait. The
 * fuzzer first runs the block once without cancelling it and counts its checkpoints, {@code n}
 * (on every thread, the block's tasks included). Then it runs the block {@code n} more times;
 * run {@code k} cancels the block (a {@link CancelScope} around it) at its {@code k}-th
 * checkpoint, just before that checkpoint checks, so that the cancellation is delivered there
 * (or, inside a shield, where the shield ends). After each run, however the block ended, it
 * checks the invariants. With {@link #randomRuns}, it also cancels at checkpoints drawn from a
 * seeded random sequence, for blocks with more checkpoints than {@link #maxCheckpoints} or
 * whose interleaving varies from run to run.
 *
 * <h2>JDK blocking calls</h2>
 * A JDK blocking call ({@code Thread.sleep}, a socket read, a JDBC driver's wait) is not a weft
 * checkpoint, but a cancellation reaches it all the same: weft interrupts a thread that is blocked
 * outside weft when its scope is cancelled. With {@link #inJdkBlockingCalls()} the fuzzer also
 * tries those places: for each checkpoint {@code k} it makes one more run in which it watches the
 * thread that reached checkpoint {@code k} and cancels the block when that thread next blocks in
 * a call that is not weft's (its state is waiting, timed-waiting or blocked and the first frame
 * outside the JDK is not weft's kernel; weft's own waits are checkpoints already). Later
 * checkpoints do not stop the watch, so a run lands in the first JDK blocking call at or after
 * checkpoint {@code k} even when the number of checkpoints varies a little from run to run (a
 * wait may re-check once more); several {@code k} may land in the same call. A run whose thread
 * never blocks outside weft after checkpoint {@code k} is not cancelled. Short blocking (an
 * uncontended lock) may be missed: the watcher samples the thread's state; a call that blocks
 * for a millisecond or more is found.
 *
 * <h2>A violation</h2>
 * {@link #check()} throws an {@link AssertionError} that names the invariant, the checkpoint
 * index, the seed, the thread that was at the checkpoint and its stack there (where the
 * cancellation was delivered), and how to rerun that case alone ({@link #rerun(int)}).
 *
 * <h2>Limits</h2>
 * Without {@link #inJdkBlockingCalls()}, a JDK blocking call is reached only by cancelling at a
 * weft checkpoint before it, after which weft's interrupt reaches the JDK call as it would in
 * production. Checkpoints are counted across the
 * block's threads in the order they happen; when tasks race, the {@code k}-th checkpoint may
 * differ between runs, and a rerun may land elsewhere (the report's stack says where it landed).
 * The hook is installed for the whole JVM while the fuzzer runs: do not run it in parallel with
 * other weft tests in the same JVM.
 */
public final class CancellationFuzzer {
    /** The code under test. */
    @FunctionalInterface
    public interface Block {
        /**
         * Runs the code once.
         *
         * @throws Exception anything: a cancelled run may end with any exception
         */
        void run() throws Exception;
    }

    private record Invariant(String description, BooleanSupplier holds) {
    }

    private final Block block;
    private final List<Invariant> invariants = new ArrayList<>();
    private long seed = 1;
    private int randomRuns;
    private int maxCheckpoints = 10_000;
    private boolean jdkCalls;

    private CancellationFuzzer(Block block) {
        this.block = block;
    }

    /**
     * Creates a fuzzer for {@code block}.
     *
     * @param block the code to run and cancel; it must do the same thing each time it runs
     * @return the fuzzer; add invariants, then {@link #check()}
     */
    public static CancellationFuzzer of(Block block) {
        Objects.requireNonNull(block, "block is null: pass the code to fuzz, e.g. () -> useConnection(pool)");
        return new CancellationFuzzer(block);
    }

    /**
     * Adds an invariant checked after every run.
     *
     * @param description what must hold, for the failure message (e.g. "no connection borrowed")
     * @param holds returns true when it holds
     * @return this fuzzer
     */
    public CancellationFuzzer invariant(String description, BooleanSupplier holds) {
        Objects.requireNonNull(description, "description is null: say what must hold, e.g. \"no connection borrowed\"");
        Objects.requireNonNull(holds, "holds is null: pass a check, e.g. () -> pool.borrowed() == 0");
        invariants.add(new Invariant(description, holds));
        return this;
    }

    /**
     * Sets the seed of the random runs (default 1).
     *
     * @param seed the seed
     * @return this fuzzer
     */
    public CancellationFuzzer seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Adds {@code runs} runs cancelled at checkpoints drawn at random (from the {@link #seed}).
     *
     * @param runs how many; zero or more
     * @return this fuzzer
     */
    public CancellationFuzzer randomRuns(int runs) {
        if (runs < 0) {
            throw new IllegalArgumentException("runs must be zero or more, got " + runs);
        }
        this.randomRuns = runs;
        return this;
    }

    /**
     * Also cancels the block inside the first JDK blocking call after each checkpoint (a
     * {@code Thread.sleep}, a socket read), where weft's interrupt reaches it: see the class
     * overview.
     *
     * @return this fuzzer
     */
    public CancellationFuzzer inJdkBlockingCalls() {
        this.jdkCalls = true;
        return this;
    }

    /**
     * Caps the checkpoints tried one by one (default 10 000); the random runs may go beyond.
     *
     * @param max the cap; at least 1
     * @return this fuzzer
     */
    public CancellationFuzzer maxCheckpoints(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        this.maxCheckpoints = max;
        return this;
    }

    /**
     * What one run did.
     *
     * @param checkpoint the checkpoint the run was to be cancelled at (0: not cancelled)
     * @param checkpointsReached how many checkpoints the run reached
     * @param cancelled whether the run reached that checkpoint and was cancelled there
     * @param ended what the block threw, or null
     * @param cancelledAt the thread and stack at the checkpoint where it was cancelled, or null
     * @param inJdkCall whether the run was to be cancelled in the first JDK blocking call after
     *        {@code checkpoint} rather than at it ({@link #inJdkBlockingCalls()})
     */
    public record Run(int checkpoint, int checkpointsReached, boolean cancelled, Throwable ended,
                      String cancelledAt, boolean inJdkCall) {
        /**
         * Describes the run.
         *
         * @return a one-line description
         */
        @Override
        public String toString() {
            return checkpoint == 0
                    ? "uncancelled run: " + checkpointsReached + " checkpoints" + (ended == null ? "" : ", ended with " + ended)
                    : (inJdkCall ? "cancelled in the JDK blocking call after checkpoint " : "cancelled at checkpoint ")
                            + checkpoint + (cancelled ? "" : " (never reached)")
                            + ", ended with " + (ended == null ? "no exception" : ended.toString());
        }
    }

    /**
     * What {@link #check()} did, when every run kept every invariant.
     *
     * @param checkpoints how many checkpoints the uncancelled run reached
     * @param runs how many runs were made, the uncancelled one included
     * @param seed the seed of the random runs
     * @param jdkCalls how many runs were cancelled inside a JDK blocking call
     *        ({@link #inJdkBlockingCalls()}; 0 without it)
     */
    public record Report(int checkpoints, int runs, long seed, int jdkCalls) {
        /**
         * Describes the report.
         *
         * @return a one-line description
         */
        @Override
        public String toString() {
            return runs + " runs, cancelled at each of " + checkpoints + " checkpoints"
                    + (jdkCalls == 0 ? "" : " and in " + jdkCalls + " JDK blocking calls")
                    + " (seed " + seed + "): every invariant held";
        }
    }

    /**
     * Runs the block uncancelled, then cancelled at each checkpoint and at the random ones, and
     * checks the invariants after each run.
     *
     * @return what was run
     * @throws AssertionError at the first run after which an invariant does not hold, or when
     *         the block fails without being cancelled
     */
    public Report check() {
        Run baseline = runOnce(0, false);
        if (baseline.ended() != null) {
            throw new AssertionError("cancellation fuzzing: the block fails even when nothing cancels it: "
                    + baseline.ended(), baseline.ended());
        }
        verify(baseline, "uncancelled run");
        int n = baseline.checkpointsReached();
        int runs = 1;
        int inJdk = 0;
        for (int k = 1; k <= Math.min(n, maxCheckpoints); k++) {
            verify(runOnce(k, false), null);
            runs++;
            if (jdkCalls) {
                Run r = runOnce(k, true);
                verify(r, null);
                runs++;
                inJdk += r.cancelled() ? 1 : 0;
            }
        }
        Random random = new Random(seed);
        for (int i = 0; i < randomRuns && n > 0; i++) {
            verify(runOnce(1 + random.nextInt(n), false), "random run " + i);
            runs++;
        }
        return new Report(n, runs, seed, inJdk);
    }

    /**
     * Runs the block once, cancelled at its {@code checkpoint}-th checkpoint (0: not cancelled),
     * and checks the invariants: the case a violation report names, alone.
     *
     * @param checkpoint the checkpoint index, from 1 (0 runs uncancelled)
     * @return what the run did
     * @throws AssertionError when an invariant does not hold afterwards
     */
    public Run rerun(int checkpoint) {
        if (checkpoint < 0) {
            throw new IllegalArgumentException("checkpoint must be 0 (no cancellation) or more, got " + checkpoint);
        }
        Run r = runOnce(checkpoint, false);
        verify(r, "rerun");
        return r;
    }

    /**
     * Runs the block once, cancelled in the first JDK blocking call after its
     * {@code checkpoint}-th checkpoint ({@link #inJdkBlockingCalls()}), and checks the invariants.
     *
     * @param checkpoint the checkpoint index, from 1
     * @return what the run did ({@link Run#cancelled()} is false when the thread did not block in
     *         a JDK call after that checkpoint)
     * @throws AssertionError when an invariant does not hold afterwards
     */
    public Run rerunInJdkCall(int checkpoint) {
        if (checkpoint < 1) {
            throw new IllegalArgumentException("checkpoint must be 1 or more, got " + checkpoint);
        }
        Run r = runOnce(checkpoint, true);
        verify(r, "rerun");
        return r;
    }

    private void verify(Run r, String which) {
        for (Invariant inv : invariants) {
            boolean ok;
            try {
                ok = inv.holds().getAsBoolean();
            } catch (RuntimeException | AssertionError e) {
                throw violation(inv, r, which, e);
            }
            if (!ok) {
                throw violation(inv, r, which, null);
            }
        }
    }

    private AssertionError violation(Invariant inv, Run r, String which, Throwable thrown) {
        StringBuilder b = new StringBuilder("cancellation fuzzing: invariant '").append(inv.description())
                .append("' does not hold ");
        if (r.checkpoint() == 0) {
            b.append("after a run that nothing cancelled");
        } else {
            b.append(r.inJdkCall() ? "after the block was cancelled in the JDK blocking call after checkpoint "
                    : "after the block was cancelled at checkpoint ").append(r.checkpoint());
            if (which != null) {
                b.append(" (").append(which).append(')');
            }
            b.append(", seed ").append(seed).append("; rerun this case alone with .")
                    .append(r.inJdkCall() ? "rerunInJdkCall(" : "rerun(").append(r.checkpoint()).append(')');
        }
        if (thrown != null) {
            b.append("\n  the invariant threw ").append(thrown);
        }
        b.append("\n  the block ended with ").append(r.ended() == null
                ? (r.cancelled() ? "its cancellation, absorbed by the fuzzer's scope" : "a normal return")
                : r.ended().toString());
        if (r.cancelledAt() != null) {
            b.append("\n  cancellation delivered ").append(r.cancelledAt());
        }
        AssertionError e = new AssertionError(b.toString());
        if (r.ended() != null) {
            e.addSuppressed(r.ended());
        }
        return e;
    }

    private Run runOnce(int cancelAt, boolean inJdkCall) {
        AtomicInteger count = new AtomicInteger();
        CancelScope[] scope = new CancelScope[1];
        String[] where = new String[1];
        boolean[] cancelled = new boolean[1];
        JdkCallWatcher watcher = inJdkCall ? new JdkCallWatcher() : null;
        Checkpoints.Observer observer = thread -> {
            int i = count.incrementAndGet();
            if (watcher != null) {
                watcher.checkpoint(thread, i == cancelAt);
            } else if (i == cancelAt) {
                synchronized (where) {
                    where[0] = describe(thread, i);
                    cancelled[0] = true;
                }
                scope[0].cancel();
            }
        };
        Throwable ended = null;
        try {
            CancelScope.<Void, Exception>run(s -> {
                scope[0] = s;
                if (watcher != null) {
                    watcher.start(s, cancelAt);
                }
                Checkpoints.Observer previous = Checkpoints.install(observer);
                try {
                    block.run();
                } finally {
                    Checkpoints.install(previous);
                }
                return null;
            });
        } catch (Throwable t) {
            ended = t;
        } finally {
            if (watcher != null) {
                watcher.stop();
            }
        }
        if (Thread.interrupted()) {
            ended = ended != null ? ended : new IllegalStateException("the block left the thread interrupted");
        }
        if (watcher != null) {
            return new Run(cancelAt, count.get(), watcher.where != null, ended, watcher.where, true);
        }
        synchronized (where) {
            return new Run(cancelAt, count.get(), cancelled[0], ended, where[0], false);
        }
    }

    /**
     * Watches the thread that reached the chosen checkpoint until it blocks outside weft, then
     * cancels the block's scope there.
     *
     * <p>Invariants: {@link #watched} goes from null to the thread once (at the chosen checkpoint)
     * and back to null once, by the watcher's cancel or by {@link #stop()} (a compare-and-set
     * decides); {@link #where} is written by the watcher alone, before its cancel, and read after
     * {@link #stop()} has joined it.
     */
    private static final class JdkCallWatcher {
        private final java.util.concurrent.atomic.AtomicReference<Thread> watched =
                new java.util.concurrent.atomic.AtomicReference<>();
        private volatile boolean running = true;
        private volatile String where;
        private Thread sampler;

        void start(CancelScope scope, int index) {
            sampler = Thread.ofPlatform().daemon().name("weft-fuzzer-jdk-call-watcher").start(() -> {
                while (running) {
                    Thread t = watched.get();
                    if (t != null) {
                        Thread.State st = t.getState();
                        if (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING || st == Thread.State.BLOCKED) {
                            StackTraceElement[] stack = t.getStackTrace();
                            if (blockedOutsideWeft(stack) && t.getState() == st) {
                                String at = describeBlocked(t, index, stack);
                                if (watched.compareAndSet(t, null)) {
                                    where = at;
                                    scope.cancel();
                                }
                            }
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            });
        }

        /** On the checking thread: at the chosen checkpoint, start watching it. */
        void checkpoint(Thread thread, boolean chosen) {
            if (chosen) {
                watched.set(thread);
            }
        }

        void stop() {
            running = false;
            watched.set(null);
            if (sampler != null) {
                boolean interrupted = false;
                while (true) {
                    try {
                        sampler.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Whether the first frame outside the JDK is not weft's kernel (package dev.weft itself). */
        private static boolean blockedOutsideWeft(StackTraceElement[] stack) {
            for (StackTraceElement f : stack) {
                String c = f.getClassName();
                if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")) {
                    continue;
                }
                int dot = c.lastIndexOf('.');
                return !(dot > 0 && c.substring(0, dot).equals("dev.weft"));
            }
            return false;
        }

        private static String describeBlocked(Thread t, int index, StackTraceElement[] stack) {
            StringBuilder b = new StringBuilder("in a JDK blocking call at or after checkpoint ").append(index)
                    .append(" on thread '").append(t.getName()).append("':");
            int shown = 0;
            for (StackTraceElement f : stack) {
                String c = f.getClassName();
                if (c.equals(CancellationFuzzer.class.getName()) || c.startsWith(CancellationFuzzer.class.getName() + "$")) {
                    break; // the fuzzer's own frames below the block
                }
                b.append("\n      at ").append(f);
                if (++shown == 12) {
                    b.append("\n      ...");
                    break;
                }
            }
            return b.toString();
        }
    }

    /** The stack of {@code thread} at its checkpoint, from the first frame that is not weft's checking machinery. */
    private static String describe(Thread thread, int index) {
        StackTraceElement[] frames = new Throwable().getStackTrace();
        StringBuilder b = new StringBuilder("at checkpoint ").append(index).append(" on thread '")
                .append(thread.getName()).append("':");
        int shown = 0;
        boolean started = false;
        for (StackTraceElement f : frames) {
            String c = f.getClassName();
            boolean fuzzer = c.equals(CancellationFuzzer.class.getName()) || c.startsWith(CancellationFuzzer.class.getName() + "$");
            if (!started) {
                if (fuzzer || c.equals("dev.weft.internal.Checkpoints")
                        || (c.equals("dev.weft.ThreadRecord") && f.getMethodName().equals("checkpoint"))) {
                    continue;
                }
                started = true;
            } else if (fuzzer) {
                break; // the fuzzer's own frames below the block
            }
            b.append("\n      at ").append(f);
            if (++shown == 12) {
                b.append("\n      ...");
                break;
            }
        }
        return b.toString();
    }
}
