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
 * <p>DESIGN "Performance targets" checked here: 1 000 000 sleeping tasks in one group fit a
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
 * <p>Usage: {@code ScaleRun [--tasks N] [--histogram]}. Exit status 1 if the heap ran out.
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
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tasks" -> tasks = Integer.parseInt(args[++i].replace("_", ""));
                case "--histogram" -> histogram = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: ScaleRun [--tasks N] [--histogram]");
            }
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf("ScaleRun: %,d tasks in Weft.sleep(1 h) in one TaskGroup; java %s, max heap %,d MiB,"
                + " %d CPUs%n", tasks, Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
        long before = usedAfterGc(memory);

        final int n = tasks;
        final boolean hist = histogram;
        AtomicInteger sleeping = new AtomicInteger();
        AtomicLong cancelledAt = new AtomicLong();
        int[] spawned = {0};
        long start = System.nanoTime();
        try {
            TaskGroup.run("scale", g -> {
                for (int i = 0; i < n; i++) {
                    g.spawn(() -> {
                        sleeping.incrementAndGet();
                        Weft.sleep(Duration.ofHours(1));
                    });
                    spawned[0]++;
                    if ((i + 1) % 100_000 == 0) {
                        System.out.printf("  spawned %,9d  %6.2f s  heap used %,6d MiB%n", i + 1,
                                secondsSince(start), memory.getHeapMemoryUsage().getUsed() >> 20);
                    }
                }
                double spawnSeconds = secondsSince(start);
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
                System.out.printf("spawn loop: %.2f s (%,.0f ns per spawn); all %,d sleeping after %.2f s%n",
                        spawnSeconds, spawnSeconds * 1e9 / n, sleeping.get(), allSleepingSeconds);
                System.out.printf("heap used with all sleeping: %,d MiB; after full GC: %,d MiB"
                        + " (%,d bytes per task over the %,d MiB before)%n",
                        used >> 20, live >> 20, (live - before) / n, before >> 20);
                if (hist) {
                    printHistogram(30);
                }
                cancelledAt.set(System.nanoTime());
                g.cancel();
                return null;
            });
        } catch (OutOfMemoryError e) {
            System.out.printf("OUT OF MEMORY after spawning %,d tasks (%,d sleeping) in %.2f s: %s%n",
                    spawned[0], sleeping.get(), secondsSince(start), e);
            System.exit(1);
        }
        long done = System.nanoTime();
        System.out.printf("cancel: %.3f s from g.cancel() to TaskGroup.run returning (target <= 2 s)%n",
                (done - cancelledAt.get()) / 1e9);
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
