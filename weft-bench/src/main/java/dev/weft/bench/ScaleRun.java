package dev.weft.bench;

import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;

/**
 * Scale check, not a JMH benchmark: {@code tasks} (default 1 000 000) tasks sleeping in
 * {@code Weft.sleep(1 h)} in one {@link TaskGroup}, then {@code g.cancel()}.
 *
 * <p>Performance targets ({@code docs/benchmarks.md}, "Targets at a glance") checked here: 1 000 000 sleeping tasks in one group fit a
 * 2 GiB heap (run it with {@code -Xmx2g}: {@code weft-bench/scale.sh}), and cancelling all of
 * them takes at most 2 s, measured from {@code g.cancel()} to {@link TaskGroup#run} returning.
 *
 * <p>Prints: the time to spawn all tasks (the body's spawn loop, on a platform thread), the time
 * until all report that they are about to sleep, heap used then (as is, and after a full GC: the
 * live set, which includes the parked virtual threads' stacks), the cancel time, and with
 * {@code --histogram} the top of a live-object class histogram taken while the tasks sleep (the
 * same as {@code jcmd <pid> GC.class_histogram}, via the DiagnosticCommand MBean), to show what
 * each task costs.
 *
 * <p>With {@code --raw}, the same with raw virtual threads instead of weft: each sleeps in
 * {@code Thread.sleep(1 h)}; "cancel" is {@code interrupt()} on each, then {@code join()} on each.
 * The two modes run in separate JVMs, so run the script twice to compare. Both print the GC
 * count and time of each phase, since a live set near the heap limit makes the collector, not
 * the cancellation, the cost.
 *
 * <p>With {@code --raw --state threadlocal} each raw thread first sets one {@link ThreadLocal}
 * (to a value shared by all), and with {@code --raw --state scopedvalue} it sleeps inside one
 * {@link ScopedValue} binding: what keeping any per-thread state costs a sleeping virtual thread,
 * the floor under weft's per-thread record. {@code --state scopedvalue-get} also reads the value
 * once before sleeping, as any code that finds its per-thread state through a binding does: the
 * first read fills the thread's scoped-value cache (a 16-entry array, kept with the thread while
 * it is unmounted), so this, not {@code scopedvalue}, is what a record found by a binding costs.
 *
 * <p>Usage: {@code ScaleRun [--tasks N] [--histogram] [--warmup R] [--raw [--state none|threadlocal|scopedvalue|scopedvalue-get]]}.
 * Exit status 1 if the heap ran out.
 *
 * <p>Bytes per sleeping task: most of a parked virtual thread's heap is its stack chunk, whose
 * size depends on whether the frames were interpreted or compiled when the thread parked. A
 * fresh JVM parks the first tasks in interpreted frames (a weft task: about 1.7 KB of stack, against
 * about 0.8 KB compiled), so compare weft and {@code --raw} with compiled frames. Two ways:
 * {@code --warmup R} first parks and cancels R rounds of the same tasks, so the JIT compiles them
 * with profiles, inlining as a long-running program's JIT does:
 * {@code java -Xmx2g -cp weft-bench/target/benchmarks.jar dev.weft.bench.ScaleRun --tasks 20000
 * --warmup 5 --histogram [--raw]}. {@code -Xcomp} compiles every method before its first run,
 * without profiles, and then inlines only small methods, so weft's deeper call path (the record,
 * the task, the sleep, the wait) keeps more frames than a warmed-up JIT leaves:
 * {@code java -Xcomp -Xmx2g -cp weft-bench/target/benchmarks.jar dev.weft.bench.ScaleRun
 * --tasks 20000 --histogram [--raw]}. The warmed-up figure of weft varies between runs (2026-12-03,
 * {@code --warmup 20}, six runs: 1 199 to 1 499 B per task, four of them 1 199 to 1 285; its
 * stack chunk 402 to 696 B): it depends on which of weft's methods the JIT has recompiled when
 * the measured tasks park, after the warm-up's cancellations sent some back to the interpreter.
 * Raw threads vary less (665 to 701 B). Run it a few times and quote the range. The {@code FillerElement} arrays in the histogram are the
 * collector's padding and vary between runs by some 10 B per task; leave them out of a
 * comparison.
 */
public final class ScaleRun {
    private ScaleRun() {
    }

    /**
     * Runs the scale check.
     *
     * @param args {@code --tasks N}, {@code --histogram}
     * @throws Exception if the MBean call fails
     */
    public static void main(String[] args) throws Exception {
        int tasks = 1_000_000;
        boolean histogram = false;
        boolean raw = false;
        String state = "none";
        int warmup = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tasks" -> tasks = Integer.parseInt(args[++i].replace("_", ""));
                case "--histogram" -> histogram = true;
                case "--raw" -> raw = true;
                case "--state" -> state = args[++i];
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: ScaleRun"
                        + " [--tasks N] [--histogram] [--warmup R] [--raw [--state none|threadlocal|scopedvalue|scopedvalue-get]]");
            }
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf("ScaleRun: %,d %s; java %s, max heap %,d MiB, %d CPUs%n", tasks,
                raw ? "raw virtual threads in Thread.sleep(1 h), per-thread state: " + state
                        : "tasks in Weft.sleep(1 h) in one TaskGroup",
                Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
        if (raw) {
            runRaw(tasks, histogram, memory, state, warmup);
            return;
        }

        final int n = tasks;
        final boolean hist = histogram;
        AtomicInteger sleeping = new AtomicInteger();
        TaskGroup.Action body = () -> {
            sleeping.incrementAndGet();
            Weft.sleep(Duration.ofHours(1));
        };
        for (int w = 0; w < warmup; w++) {
            TaskGroup.run("warmup", g -> {
                for (int i = 0; i < n; i++) {
                    g.spawn(body);
                }
                awaitSleeping(sleeping, n);
                g.cancel();
                return null;
            });
            sleeping.set(0);
        }
        if (warmup > 0) {
            awaitJitQuiet();
        }
        long before = usedAfterGc(memory);
        AtomicLong cancelledAt = new AtomicLong();
        AtomicLong cancelReturnedAt = new AtomicLong();
        int[] spawned = {0};
        long[] gcStart = gcTotals();
        long[] gcAtCancel = new long[2];
        long start = System.nanoTime();
        try {
            TaskGroup.run("scale", g -> {
                for (int i = 0; i < n; i++) {
                    g.spawn(body);
                    spawned[0]++;
                    if ((i + 1) % 100_000 == 0) {
                        System.out.printf("  spawned %,9d  %6.2f s  heap used %,6d MiB%n", i + 1,
                                secondsSince(start), memory.getHeapMemoryUsage().getUsed() >> 20);
                    }
                }
                double spawnSeconds = secondsSince(start);
                String spawnGc = gcSince(gcStart);
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                while (sleeping.get() < n) {
                    if (System.nanoTime() - giveUp > 0) {
                        System.out.printf("only %,d of %,d tasks started within 300 s%n", sleeping.get(), n);
                        break;
                    }
                    Thread.sleep(10);
                }
                double allSleepingSeconds = secondsSince(start);
                long used = memory.getHeapMemoryUsage().getUsed();
                long live = usedAfterGc(memory);
                System.out.printf("spawn loop: %.2f s (%,.0f ns per spawn; %s); all %,d sleeping after %.2f s%n",
                        spawnSeconds, spawnSeconds * 1e9 / n, spawnGc, sleeping.get(), allSleepingSeconds);
                System.out.printf("heap used with all sleeping: %,d MiB; after full GC: %,d MiB"
                        + " (%,d bytes per task over the %,d MiB before)%n",
                        used >> 20, live >> 20, (live - before) / n, before >> 20);
                if (hist) {
                    printHistogram(30);
                }
                long[] gc = gcTotals();
                gcAtCancel[0] = gc[0];
                gcAtCancel[1] = gc[1];
                cancelledAt.set(System.nanoTime());
                g.cancel();
                cancelReturnedAt.set(System.nanoTime());
                return null;
            });
        } catch (OutOfMemoryError e) {
            System.out.printf("OUT OF MEMORY after spawning %,d tasks (%,d sleeping) in %.2f s: %s%n",
                    spawned[0], sleeping.get(), secondsSince(start), e);
            System.exit(1);
        }
        long done = System.nanoTime();
        System.out.printf("cancel: %.3f s from g.cancel() to TaskGroup.run returning (target <= 2 s; %s);"
                + " g.cancel() itself returned after %.3f s%n", (done - cancelledAt.get()) / 1e9,
                gcSince(gcAtCancel), (cancelReturnedAt.get() - cancelledAt.get()) / 1e9);
    }

    /** The same scale check with raw virtual threads, interrupted and joined one by one. */
    private static final ThreadLocal<Object> STATE_LOCAL = new ThreadLocal<>();
    private static final ScopedValue<Object> STATE_SCOPED = ScopedValue.newInstance();
    private static final Object STATE = new Object();

    private static void runRaw(int n, boolean histogram, MemoryMXBean memory, String state, int warmup)
            throws Exception {
        AtomicInteger sleeping = new AtomicInteger();
        Runnable sleep = () -> {
            sleeping.incrementAndGet();
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException expected) {
                // the "cancel"
            }
        };
        Runnable sleeper = switch (state) {
            case "none" -> sleep;
            case "threadlocal" -> () -> {
                STATE_LOCAL.set(STATE);
                sleep.run();
            };
            case "scopedvalue" -> () -> ScopedValue.where(STATE_SCOPED, STATE).run(sleep);
            case "scopedvalue-get" -> () -> ScopedValue.where(STATE_SCOPED, STATE).run(() -> {
                // The same frames as "scopedvalue" (one lambda inside the binding), plus one read.
                if (STATE_SCOPED.get() != STATE) {
                    throw new AssertionError("the binding is not visible");
                }
                sleeping.incrementAndGet();
                try {
                    Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException expected) {
                    // the "cancel"
                }
            });
            default -> throw new IllegalArgumentException("unknown --state " + state
                    + "; use none, threadlocal, scopedvalue or scopedvalue-get");
        };
        for (int w = 0; w < warmup; w++) {
            Thread[] warm = new Thread[n];
            for (int i = 0; i < n; i++) {
                warm[i] = Thread.ofVirtual().start(sleeper);
            }
            awaitSleeping(sleeping, n);
            for (Thread t : warm) {
                t.interrupt();
            }
            for (Thread t : warm) {
                t.join();
            }
            sleeping.set(0);
        }
        if (warmup > 0) {
            awaitJitQuiet();
        }
        long before = usedAfterGc(memory);
        Thread[] threads = new Thread[n];
        long[] gcStart = gcTotals();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            threads[i] = Thread.ofVirtual().start(sleeper);
            if ((i + 1) % 100_000 == 0) {
                System.out.printf("  started %,9d  %6.2f s  heap used %,6d MiB%n", i + 1, secondsSince(start),
                        memory.getHeapMemoryUsage().getUsed() >> 20);
            }
        }
        double startSeconds = secondsSince(start);
        String startGc = gcSince(gcStart);
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (sleeping.get() < n && System.nanoTime() - giveUp < 0) {
            Thread.sleep(10);
        }
        System.out.printf("start loop: %.2f s (%,.0f ns per start; %s); all %,d sleeping after %.2f s%n",
                startSeconds, startSeconds * 1e9 / n, startGc, sleeping.get(), secondsSince(start));
        long used = memory.getHeapMemoryUsage().getUsed();
        long live = usedAfterGc(memory);
        System.out.printf("heap used with all sleeping: %,d MiB; after full GC: %,d MiB"
                + " (%,d bytes per thread over the %,d MiB before)%n", used >> 20, live >> 20,
                (live - before) / n, before >> 20);
        if (histogram) {
            printHistogram(30);
        }
        long[] gcAtCancel = gcTotals();
        long t0 = System.nanoTime();
        for (Thread t : threads) {
            t.interrupt();
        }
        double interruptSeconds = secondsSince(t0);
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("cancel: %.3f s from the first interrupt() to the last join() returning (%s);"
                + " the interrupt loop took %.3f s%n", secondsSince(t0), gcSince(gcAtCancel), interruptSeconds);
    }

    /** Waits (at most 300 s) until {@code n} tasks or threads have counted themselves in as sleeping. */
    private static void awaitSleeping(AtomicInteger sleeping, int n) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (sleeping.get() < n && System.nanoTime() - giveUp < 0) {
            Thread.sleep(10);
        }
    }

    /**
     * Waits (at most 60 s) until the JIT has compiled nothing for a second, so the measured tasks
     * park in the code the warm-up rounds made hot, not in code still waiting to be recompiled.
     */
    private static void awaitJitQuiet() throws InterruptedException {
        var jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            Thread.sleep(5_000);
            return;
        }
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long last = -1;
        while (System.nanoTime() - giveUp < 0) {
            long now = jit.getTotalCompilationTime();
            if (now == last) {
                return;
            }
            last = now;
            Thread.sleep(1_000);
        }
    }

    /** Total collections and collection milliseconds of all collectors so far. */
    private static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static String gcSince(long[] start) {
        long[] now = gcTotals();
        return String.format("GC: %d collections, %.2f s", now[0] - start[0], (now[1] - start[1]) / 1e3);
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Prints the first {@code lines} lines of a live-object class histogram of this JVM. */
    private static void printHistogram(int lines) throws Exception {
        Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        String[] rows = out.toString().split("\n");
        System.out.println("class histogram (live objects), top " + lines + " lines:");
        for (int i = 0; i < Math.min(lines, rows.length); i++) {
            System.out.println("  " + rows[i]);
        }
    }
}
