package dev.weft;

import static dev.weft.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Snapshots taken while groups open and end, tasks spawn, fail, are cancelled and complete,
 * deadlines pass and generators step never throw, always render as text and as parsable JSON,
 * never leave a thread behind, and never hold up the spawners (they finish their fixed work).
 */
class TaskTreeHammerTest {
    private static final int ROUNDS = 300;

    private static void churn(int round) {
        try {
            TaskGroup.run("hammer-" + round, g -> {
                for (int i = 0; i < 8; i++) {
                    int k = i;
                    g.spawn(() -> switch (k % 4) {
                        case 0 -> TaskGroup.run(h -> {
                            h.spawn(() -> Weft.sleep(Duration.ofMillis(1)));
                            return null;
                        });
                        case 1 -> Timeout.moveOnAfter(Duration.ofNanos(200_000), () -> {
                            Weft.sleep(Duration.ofMillis(5));
                            return null;
                        });
                        case 2 -> {
                            try (Generator<Integer> gen = Generator.of(out -> {
                                out.yield(1);
                                out.yield(2);
                            })) {
                                int sum = 0;
                                for (int v : gen) {
                                    sum += v;
                                }
                                yield sum;
                            }
                        }
                        default -> CancelScope.run(s -> {
                            s.cancel();
                            Weft.checkpoint();
                            return null;
                        });
                    });
                }
                if (round % 10 == 0) {
                    g.spawn(() -> {
                        throw new IllegalStateException("a failure cancels the rest");
                    });
                }
                if (round % 7 == 0) {
                    g.cancel();
                }
                return null;
            });
        } catch (ExceptionGroup expected) {
            assertEquals("a failure cancels the rest", expected.exceptions().getFirst().getMessage());
        }
    }

    /** Snapshots under churn never throw, always parse, and leave no thread behind. */
    @Test
    void snapshotsDuringChurnNeverThrowNorLeak() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        java.util.Queue<Throwable> uncaught = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            hammer(before);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of(), List.copyOf(uncaught), "no thread may die of an exception (the kernel's included)");
    }

    private static void hammer(Set<Thread> before) throws Exception {
        List<Background> spawners = new ArrayList<>();
        for (TestSupport.ThreadKind kind : List.of(TestSupport.ThreadKind.PLATFORM, TestSupport.ThreadKind.VIRTUAL, TestSupport.ThreadKind.PLATFORM)) {
            spawners.add(Background.start(kind, "hammer-spawner-" + spawners.size(), () -> {
                for (int r = 0; r < ROUNDS; r++) {
                    churn(r);
                }
            }));
        }
        int snapshots = 0;
        long tasksSeen = 0;
        Background watcher = Background.start(TestSupport.ThreadKind.VIRTUAL, "hammer-watch", () -> {
            for (Background b : spawners) {
                b.join(BODY_BOUND);
            }
        });
        while (watcher.thread().isAlive() || snapshots < 50) { // a spawner's failure ends the watcher too
            TaskTree t = Weft.taskTree();
            String text = t.toText();
            assertTrue(text.startsWith("weft task tree at "));
            StrictJson.parse(t.toJson());
            tasksSeen += t.taskCount();
            snapshots++;
        }
        watcher.join();
        assertTrue(tasksSeen > 0, "the snapshots saw no task in " + snapshots + " tries");
        TaskTree after = Weft.taskTree();
        assertTrue(after.roots().stream().noneMatch(n -> n.name().startsWith("hammer")), after::toText);
        // Every group ended (no root left), so every task completed; the spawners were joined;
        // the snapshots started no thread of their own.
        Set<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("hammer"))
                .map(Thread::getName).collect(Collectors.toSet());
        assertEquals(Set.of(), left);
    }
}
