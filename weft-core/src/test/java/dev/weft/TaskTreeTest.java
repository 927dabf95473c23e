package dev.weft;

import static dev.weft.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link Weft#taskTree()} shows the running groups, tasks, scopes and generator steps where they
 * are, with their states, deadlines and frames, as text and as JSON that a strict parser accepts.
 */
class TaskTreeTest {
    private static TaskTree.Node only(TaskTree tree, TaskTree.Kind kind, String name) {
        List<TaskTree.Node> found = tree.nodes().filter(n -> n.kind() == kind && n.name().equals(name)).toList();
        assertEquals(1, found.size(), () -> "one " + kind + " '" + name + "' in\n" + tree);
        return found.getFirst();
    }

    private static Optional<TaskTree.Node> root(TaskTree tree, Thread t) {
        return tree.roots().stream().filter(n -> n.name().equals(t.getName())).findFirst();
    }

    /**
     * A group under a timeout on a platform thread, with a sleeping task, a task with a nested
     * group, a task in a shield and a task waiting for a generator step: each appears where it
     * runs, with its facts; a cancelled group says why; an ended group leaves the tree.
     */
    @Test
    void treeShowsGroupsTasksScopesAndGeneratorStepsWhereTheyRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<TaskGroup> outer = new AtomicReference<>();
        Background owner = Background.start(TestSupport.ThreadKind.PLATFORM, "tree-owner", () ->
                Timeout.moveOnAfter(Duration.ofMinutes(30), () -> TaskGroup.run("outer", g -> {
                    outer.set(g);
                    g.spawn("sleeper", () -> {
                        Weft.sleep(FOREVER);
                        return null;
                    });
                    g.spawn("inner", () -> TaskGroup.run("nested", h -> {
                        h.spawn("leaf", () -> {
                            Weft.sleep(FOREVER);
                            return null;
                        });
                        return null;
                    }));
                    g.spawn("guarded", () -> CancelScope.shield(() -> {
                        release.await();
                        return null;
                    }));
                    g.spawn("consumer", () -> {
                        try (Generator<Integer> gen = Generator.of(out -> {
                            Weft.sleep(FOREVER);
                            out.yield(1);
                        })) {
                            return gen.hasNext();
                        }
                    });
                    return null;
                })));
        Thread ownerThread = owner.thread();
        awaitCondition(() -> {
            TaskTree t = Weft.taskTree();
            return t.taskCount() == 5 && t.nodes().anyMatch(n -> n.kind() == TaskTree.Kind.GENERATOR
                    && n.frames().stream().anyMatch(f -> f.contains("dev.weft.Weft.sleep")))
                    && t.nodes().filter(n -> n.kind() == TaskTree.Kind.TASK)
                            .allMatch(n -> n.frames().stream().anyMatch(f -> f.startsWith("dev.weft.")
                                    || f.contains("CountDownLatch")));
        }, "the five tasks to block");
        TaskTree tree = Weft.taskTree();

        TaskTree.Node root = root(tree, ownerThread).orElseThrow(() -> new AssertionError(tree.toText()));
        assertEquals(TaskTree.Kind.THREAD, root.kind());
        TaskTree.Node timeout = root.children().getFirst();
        assertEquals(TaskTree.Kind.TIMEOUT, timeout.kind(), tree::toText);
        assertTrue(timeout.deadline().isPresent());
        Duration left = timeout.remaining().orElseThrow();
        assertTrue(left.compareTo(Duration.ofMinutes(29)) > 0 && left.compareTo(Duration.ofMinutes(30)) <= 0, left::toString);
        assertFalse(timeout.cancelled());
        TaskTree.Node group = timeout.children().getFirst();
        assertEquals(TaskTree.Kind.TASK_GROUP, group.kind());
        assertEquals("outer", group.name());
        assertEquals(List.of("consumer", "guarded", "inner", "sleeper"),
                group.children().stream().map(TaskTree.Node::name).sorted().toList());

        TaskTree.Node sleeper = only(tree, TaskTree.Kind.TASK, "sleeper");
        assertEquals(Optional.of(Task.State.RUNNING), sleeper.state());
        assertTrue(sleeper.frames().getFirst().startsWith("dev.weft.Weft.sleep"), sleeper.frames()::toString);
        TaskTree.Node nested = only(tree, TaskTree.Kind.TASK_GROUP, "nested");
        assertEquals(List.of("leaf"), nested.children().stream().map(TaskTree.Node::name).toList());
        assertSame(nested, only(tree, TaskTree.Kind.TASK, "inner").children().getFirst());
        TaskTree.Node shield = only(tree, TaskTree.Kind.TASK, "guarded").children().getFirst();
        assertEquals(TaskTree.Kind.SHIELD, shield.kind());
        assertTrue(shield.shielded());
        TaskTree.Node step = only(tree, TaskTree.Kind.TASK, "consumer").children().getFirst();
        assertEquals(TaskTree.Kind.GENERATOR, step.kind());
        assertTrue(step.name().startsWith("generator-"), step.name());
        assertEquals(step.name(), step.thread().orElseThrow());

        String text = tree.toText();
        assertTrue(text.startsWith("weft task tree at "), text);
        assertTrue(text.contains("thread 'tree-owner'\n"), text);
        assertTrue(text.contains("`-- group 'outer'"), text);
        assertTrue(text.contains("task 'sleeper' RUNNING"), text);
        assertTrue(text.contains("at dev.weft.Weft.sleep("), text);
        assertTrue(text.contains("shield shielded"), text);
        assertTrue(java.util.regex.Pattern.compile("timeout deadline in 1[78]\\d\\d s\n").matcher(text).find(), text);
        assertEquals(tree.toText(), tree.toString());

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) StrictJson.parse(tree.toJson());
        assertEquals((double) tree.taskCount(), json.get("tasks"));
        assertEquals(tree.taskCount(), countKind(json.get("roots"), "task"));

        outer.get().cancel();
        TaskTree cancelled = Weft.taskTree();
        TaskTree.Node g2 = only(cancelled, TaskTree.Kind.TASK_GROUP, "outer");
        assertTrue(g2.cancelled());
        assertEquals(Optional.of("explicit"), g2.cancelReason());
        assertTrue(cancelled.toText().contains("group 'outer' CANCELLED (explicit)"), cancelled::toText);
        release.countDown();
        owner.join();
        assertTrue(root(Weft.taskTree(), ownerThread).isEmpty(), () -> Weft.taskTree().toText());
    }

    @SuppressWarnings("unchecked")
    private static long countKind(Object node, String kind) {
        if (node instanceof List<?> l) {
            return l.stream().mapToLong(n -> countKind(n, kind)).sum();
        }
        Map<String, Object> m = (Map<String, Object>) node;
        return (kind.equals(m.get("kind")) ? 1 : 0) + countKind(m.get("children"), kind);
    }

    /** A failure's cancellation names the task that failed; a passed deadline reads as cancelled by it. */
    @Test
    void cancelReasonNamesTheFailedTaskAndThePassedDeadline() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Background owner = Background.start(TestSupport.ThreadKind.VIRTUAL, "failing-owner", () -> {
            assertThrows(ExceptionGroup.class, () -> TaskGroup.run("failing", g -> {
                g.spawn("bad", () -> {
                    throw new IllegalStateException("boom");
                });
                g.spawn("stubborn", () -> CancelScope.shield(() -> {
                    failed.await();
                    release.await();
                    return null;
                }));
                return null;
            }));
        });
        awaitCondition(() -> Weft.taskTree().nodes().anyMatch(n -> n.name().equals("failing") && n.cancelled()),
                "the group to be cancelled by the failure");
        TaskTree.Node g = only(Weft.taskTree(), TaskTree.Kind.TASK_GROUP, "failing");
        assertEquals(Optional.of("failure of task 'bad'"), g.cancelReason());
        failed.countDown();
        release.countDown();
        owner.join();

        Duration past = Duration.ofMillis(1);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch out = new CountDownLatch(1);
        Background late = Background.start(TestSupport.ThreadKind.PLATFORM, "late-owner", () -> TaskGroup.run("late", lg -> {
            lg.spawn("t", () -> CancelScope.shield(() -> Timeout.moveOnAfter(past, () -> {
                inside.countDown();
                CancelScope.shield(() -> {
                    out.await();
                    return null;
                });
                return null;
            })));
            return null;
        }));
        await(inside, "the timeout to be entered");
        awaitCondition(() -> Weft.taskTree().nodes().anyMatch(n -> n.kind() == TaskTree.Kind.TIMEOUT && n.cancelled()),
                "the timeout to read as cancelled");
        TaskTree.Node timeout = Weft.taskTree().nodes().filter(n -> n.kind() == TaskTree.Kind.TIMEOUT).findFirst().orElseThrow();
        assertEquals(Optional.of("deadline"), timeout.cancelReason());
        assertTrue(timeout.remaining().orElseThrow().isNegative());
        assertTrue(timeout.toString().contains("deadline passed"), timeout::toString);
        out.countDown();
        late.join();
    }

    /** With nothing open, the tree is empty and says so. */
    @Test
    void treeWithoutOpenGroupsSaysSo() {
        TaskTree t = Weft.taskTree();
        String mine = Thread.currentThread().getName();
        assertTrue(t.roots().stream().noneMatch(n -> n.name().equals(mine)));
        if (t.roots().isEmpty()) {
            assertTrue(t.toText().contains("(no task group is open)"), t::toText);
            assertEquals(Map.of("takenAt", t.takenAt().toString(), "tasks", 0.0, "truncated", false, "roots", List.of()),
                    StrictJson.parse(t.toJson()));
        }
        assertFalse(t.truncated());
        assertEquals(t.roots().stream().flatMap(TaskTree.Node::stream).count(), t.nodes().count());
        assertNotNull(t.nodes().map(TaskTree.Node::kind).collect(Collectors.toSet()));
    }
}
