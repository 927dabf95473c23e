package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * The Java snippets of {@code docs/finding-out-what-is-running.md}, verbatim between the markers
 * below, so that they compile; the tests run them and check that the page's Java blocks are these.
 */
class FindingOutWhatIsRunningDocTest {
    // --- doc snippet begins ---
    static TaskTree snapshotWhileFetching() {
        return TaskGroup.run("fetch", g -> {
            g.spawn("user", () -> lookup("user"));
            g.spawn("cart", () -> lookup("cart"));
            TaskTree tree = Weft.taskTree();        // any thread, any time; the tasks go on running
            g.cancel();                             // done looking: stop the lookups
            return tree;
        });
    }

    static String lookup(String what) {
        return Timeout.failAfter(Duration.ofSeconds(5), () -> {
            Weft.sleep(Duration.ofSeconds(2));      // stands for a slow call
            return what;
        });
    }
    // --- doc snippet ends ---

    // --- doc snippet begins ---
    static long tasksWaitingInSleep(TaskTree tree) {
        return tree.nodes()
                .filter(n -> n.kind() == TaskTree.Kind.TASK)
                .filter(n -> !n.frames().isEmpty() && n.frames().getFirst().startsWith("dev.weft.Weft.sleep"))
                .count();
    }
    // --- doc snippet ends ---

    // --- doc snippet begins ---
    static List<String> taskEnds(TaskGroup.Body<?> work) {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("dev.weft.TaskEnd").withoutThreshold();   // every task, not only the slow ones
            rs.onEvent("dev.weft.TaskEnd", e -> seen.add(e.getString("task") + " " + e.getString("outcome")));
            rs.startAsync();
            TaskGroup.run("recorded", work);
            rs.stop();                              // delivers what was recorded before it returns
        }
        return seen;
    }
    // --- doc snippet ends ---

    /** The snapshot taken inside the group shows the group and its two tasks under the calling thread. */
    @Test
    void snapshotShowsTheGroupAndItsTasks() {
        TaskTree tree = snapshotWhileFetching();
        TaskTree.Node root = tree.roots().stream()
                .filter(n -> n.name().equals(Thread.currentThread().getName())).findFirst().orElseThrow();
        TaskTree.Node group = root.children().getFirst();
        assertEquals("fetch", group.name());
        assertEquals(List.of("cart", "user"), group.children().stream().map(TaskTree.Node::name).sorted().toList());
        assertTrue(tree.toText().contains("group 'fetch'"), tree::toText);
    }

    /** The node walk counts the tasks that wait in Weft.sleep. */
    @Test
    void nodesCountTheSleepingTasks() throws Exception {
        TaskGroup.run("sleepers", g -> {
            for (int i = 0; i < 3; i++) {
                g.spawn(() -> lookup("x"));
            }
            TestSupport.awaitCondition(() -> tasksWaitingInSleep(Weft.taskTree()) == 3, "three tasks in Weft.sleep");
            g.cancel();
            return null;
        });
        assertEquals(0, tasksWaitingInSleep(Weft.taskTree()));
    }

    /** The RecordingStream sees each task's end with its outcome. */
    @Test
    void recordingStreamSeesEachTaskEnd() {
        List<String> seen = taskEnds(g -> {
            g.spawn("a", () -> 1);
            g.spawn("b", () -> {
                throw new CancelledException("stopped");
            });
            return null;
        });
        assertTrue(seen.containsAll(List.of("a SUCCESS", "b CANCELLED")), seen::toString);
    }

    /** The page's Java blocks are the snippets above, in order (so the two cannot drift apart). */
    @Test
    void docSnippetsMatchThisTest() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String doc = Files.readString(root.resolve("docs/finding-out-what-is-running.md"));
        String me = Files.readString(Path.of(System.getProperty("user.dir"),
                "src/test/java/dev/weft/FindingOutWhatIsRunningDocTest.java"));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            blocks.add(normalize(m.group(1)));
        }
        List<String> mine = new ArrayList<>();
        Matcher s = Pattern.compile("// --- doc snippet begins ---\\n(.*?)    // --- doc snippet ends ---", Pattern.DOTALL)
                .matcher(me);
        while (s.find()) {
            mine.add(normalize(s.group(1)));
        }
        assertEquals(3, mine.size());
        assertEquals(mine, blocks);
    }

    private static String normalize(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
