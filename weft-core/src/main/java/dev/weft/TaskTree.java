package dev.weft;

import dev.weft.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A snapshot of what weft is running: the task groups, their tasks, the cancel scopes, deadlines
 * and shields around and inside them, and the generator steps being run, as a tree, with where
 * each thread is blocked. Take one with {@link Weft#taskTree()}; print it with {@link #toText()}
 * (an indented tree, as {@code pstree} draws processes) or {@link #toJson()}.
 *
 * <pre>{@code
 * TaskTree tree = Weft.taskTree();
 * System.out.println(tree);          // the indented text
 * String json = tree.toJson();       // the same tree for tools
 * }</pre>
 *
 * <p>Each root of the tree is a thread that weft did not start (e.g. {@code main}, a server's
 * request thread) and that has at least one task group open. Below it the scopes nest as the code
 * entered them; a task group's children are the scopes its body entered and its live tasks; a
 * task's children are the scopes its body entered, and so on. A scope whose body is waiting for a
 * {@link Generator} step has that step below it.
 *
 * <h2>Consistency</h2>
 * The snapshot is taken while everything runs, without stopping anything: each node is read at a
 * slightly different moment, so a task may appear that completed a moment later, or a group may
 * miss a task spawned while it was read. Each node is itself consistent (its values were read
 * once). Taking a snapshot never throws and never blocks a thread that spawns, runs or ends a
 * task; it costs a stack walk per thread shown (about microseconds each), and nothing while
 * nobody takes one.
 *
 * <p>A snapshot is immutable and safe to share between threads. Trees larger than
 * {@value #MAX_NODES} nodes are cut, and say so ({@link #truncated()}).
 *
 * <p>(One file of some 470 lines, most of them Javadoc: the snapshot, its node type and its two
 * renderings, text and JSON, are one public value and read best together; the walk that builds it
 * is {@code TaskTreeWalker}.)
 */
public final class TaskTree {
    /** The most nodes a snapshot holds; the rest is left out and {@link #truncated()} says so. */
    public static final int MAX_NODES = 100_000;

    /** What a node of the tree is. */
    public enum Kind {
        /** A thread weft did not start that has a task group open; a root of the tree. */
        THREAD("thread"),
        /** A {@link TaskGroup}'s scope: its children are the scopes of its body and its tasks. */
        TASK_GROUP("group"),
        /** A {@link Task}: its thread and the scopes its body entered. */
        TASK("task"),
        /** A scope entered with {@link CancelScope#run}. */
        CANCEL_SCOPE("scope"),
        /** A scope entered with {@link CancelScope#shield}. */
        SHIELD("shield"),
        /** A scope entered by {@link Timeout}: it has a deadline. */
        TIMEOUT("timeout"),
        /** A {@link Generator} step, run on the generator's thread for the scope above it. */
        GENERATOR("generator");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        /**
         * Returns the lower-case word the text and JSON forms use for this kind.
         *
         * @return e.g. {@code "task"} or {@code "group"}
         */
        public String word() {
            return word;
        }
    }

    /**
     * One node of a {@link TaskTree}: a thread, task group, task, scope or generator step, as it
     * was when the snapshot read it. Immutable.
     */
    public static final class Node {
        private final Kind kind;
        private final String name;
        private final Task.State state;
        private final String thread;
        private final boolean cancelled;
        private final String cancelReason;
        private final boolean shielded;
        private final Deadline deadline;
        private final Duration remaining;
        private final List<String> frames;
        private final List<Node> children;

        Node(Kind kind, String name, Task.State state, String thread, String cancelReason, boolean shielded,
                Deadline deadline, Duration remaining, List<String> frames, List<Node> children) {
            this.kind = kind;
            this.name = name;
            this.state = state;
            this.thread = thread;
            this.cancelled = cancelReason != null;
            this.cancelReason = cancelReason;
            this.shielded = shielded;
            this.deadline = deadline;
            this.remaining = remaining;
            this.frames = List.copyOf(frames);
            this.children = List.copyOf(children);
        }

        /**
         * Returns what this node is.
         *
         * @return the kind
         */
        public Kind kind() {
            return kind;
        }

        /**
         * Returns the node's name: a thread's, group's, task's or generator's name, or for a scope
         * its description (e.g. {@code "timeout of PT2S"}).
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        /**
         * Returns a task's state (usually RUNNING: completed tasks leave the tree).
         *
         * @return the state of a {@link Kind#TASK} node; empty for other kinds
         */
        public Optional<Task.State> state() {
            return Optional.ofNullable(state);
        }

        /**
         * Returns the name of the thread this node runs on, for threads, tasks and generator steps.
         *
         * @return the thread's name, or empty for scopes and groups (they run on their parent's)
         */
        public Optional<String> thread() {
            return Optional.ofNullable(thread);
        }

        /**
         * Returns whether this scope itself is cancelled ({@code cancel()} called, its deadline
         * passed, or for a group a failure); a scope inside a cancelled one is not marked.
         *
         * @return true if cancelled
         */
        public boolean cancelled() {
            return cancelled;
        }

        /**
         * Returns why this scope is cancelled: {@code "explicit"}, {@code "deadline"},
         * {@code "failure of task 'x'"} (or {@code "failure of its body"}), or {@code "from outside"}
         * (a group whose body an enclosing cancellation stopped).
         *
         * @return the reason, or empty when not cancelled
         */
        public Optional<String> cancelReason() {
            return Optional.ofNullable(cancelReason);
        }

        /**
         * Returns whether this is a shield: enclosing cancellations do not reach inside it.
         *
         * @return true for {@link Kind#SHIELD} nodes
         */
        public boolean shielded() {
            return shielded;
        }

        /**
         * Returns this scope's own deadline (not an enclosing one's).
         *
         * @return the deadline, or empty if the scope has none
         */
        public Optional<Deadline> deadline() {
            return Optional.ofNullable(deadline);
        }

        /**
         * Returns the time that was left until this scope's deadline when the snapshot read it;
         * negative when the deadline had passed.
         *
         * @return the remaining time, or empty if the scope has no deadline
         */
        public Optional<Duration> remaining() {
            return Optional.ofNullable(remaining);
        }

        /**
         * Returns the top frames of this node's thread, where it was blocked or running when read
         * (the JDK's own parking frames left out), innermost first.
         *
         * @return the frames as {@link StackTraceElement#toString()} gives them; empty for scopes
         *     and groups, and for a thread that has not started or has ended
         */
        public List<String> frames() {
            return frames;
        }

        /**
         * Returns the nodes directly inside this one.
         *
         * @return the children, in the order scopes nest and tasks were read
         */
        public List<Node> children() {
            return children;
        }

        /**
         * Returns this node and every node below it, depth first, parents before children.
         *
         * @return the nodes of this subtree
         */
        public Stream<Node> stream() {
            return Stream.concat(Stream.of(this), children.stream().flatMap(Node::stream));
        }

        /** One line: kind, name and the facts that are present. */
        String line() {
            StringBuilder b = new StringBuilder();
            if (name.equals(kind.word) || name.startsWith(kind.word + " of ")) {
                b.append(name); // "scope", "timeout of PT2S": the name says it all
            } else {
                b.append(kind.word).append(" '").append(name).append('\'');
            }
            if (state != null) {
                b.append(' ').append(state);
            }
            if (thread != null && kind != Kind.TASK && kind != Kind.THREAD) {
                b.append(" on '").append(thread).append('\'');
            }
            if (shielded) {
                b.append(" shielded");
            }
            if (remaining != null) {
                b.append(remaining.isNegative() ? " deadline passed " + millis(remaining.negated()) + " ago"
                        : " deadline in " + millis(remaining));
            }
            if (cancelled) {
                b.append(" CANCELLED (").append(cancelReason).append(')');
            }
            return b.toString();
        }

        @Override
        public String toString() {
            return line();
        }
    }

    private final Instant takenAt;
    private final List<Node> roots;
    private final boolean truncated;

    TaskTree(Instant takenAt, List<Node> roots, boolean truncated) {
        this.takenAt = takenAt;
        this.roots = List.copyOf(roots);
        this.truncated = truncated;
    }

    /**
     * Returns when the snapshot was taken (when it started; reading it takes a moment).
     *
     * @return the wall-clock time
     */
    public Instant takenAt() {
        return takenAt;
    }

    /**
     * Returns the roots: one {@link Kind#THREAD} node per thread weft did not start that had a task
     * group open.
     *
     * @return the roots, possibly empty
     */
    public List<Node> roots() {
        return roots;
    }

    /**
     * Returns every node, depth first.
     *
     * @return the nodes of all roots
     */
    public Stream<Node> nodes() {
        return roots.stream().flatMap(Node::stream);
    }

    /**
     * Returns the number of tasks in the snapshot.
     *
     * @return how many {@link Kind#TASK} nodes it holds
     */
    public long taskCount() {
        return nodes().filter(n -> n.kind == Kind.TASK).count();
    }

    /**
     * Returns whether the tree was larger than {@value #MAX_NODES} nodes and was cut.
     *
     * @return true if some nodes were left out
     */
    public boolean truncated() {
        return truncated;
    }

    /**
     * Returns the tree as indented text: a header line, then one line per node, with a thread's
     * top frames under its node ({@code at ...}).
     *
     * <pre>
     * weft task tree at 2026-01-01T10:00:00Z: 1 thread, 2 tasks
     * thread 'main'
     *     at dev.weft.TaskGroup.run(TaskGroup.java:160)
     * `-- group 'fetch' deadline in 1.95 s
     *     |-- task 'fetch-0' RUNNING
     *     |       at dev.weft.Weft.sleep(Weft.java:34)
     *     `-- task 'fetch-1' RUNNING
     *             at dev.weft.Weft.sleep(Weft.java:34)
     * </pre>
     *
     * @return the text, ending with a line break
     */
    public String toText() {
        StringBuilder b = new StringBuilder("weft task tree at ").append(takenAt).append(": ")
                .append(roots.size()).append(roots.size() == 1 ? " thread, " : " threads, ")
                .append(taskCount()).append(taskCount() == 1 ? " task" : " tasks")
                .append(truncated ? " (cut at " + MAX_NODES + " nodes)" : "").append('\n');
        if (roots.isEmpty()) {
            b.append("(no task group is open)\n");
        }
        for (Node r : roots) {
            text(b, r, "", "");
        }
        return b.toString();
    }

    private static void text(StringBuilder b, Node n, String lead, String rest) {
        b.append(lead).append(n.line()).append('\n');
        String under = rest + (n.children.isEmpty() ? "    " : "|   ");
        for (String f : n.frames) {
            b.append(under).append("  at ").append(f).append('\n');
        }
        for (int i = 0; i < n.children.size(); i++) {
            boolean last = i == n.children.size() - 1;
            text(b, n.children.get(i), rest + (last ? "`-- " : "|-- "), rest + (last ? "    " : "|   "));
        }
    }

    /**
     * Returns the tree as one JSON object:
     * {@code {"takenAt": "<ISO-8601>", "tasks": N, "truncated": false, "roots": [node...]}}, where a
     * node is {@code {"kind": "task", "name": "...", "children": [...]}} with, when they apply,
     * {@code "state"}, {@code "thread"}, {@code "cancelled": true} and {@code "cancelReason"},
     * {@code "shielded": true}, {@code "deadline"} (ISO-8601, estimated from the remaining time),
     * {@code "remainingMs"} (negative once passed) and {@code "frames"} (strings, innermost first).
     *
     * @return the JSON text, on one line
     */
    public String toJson() {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        Json.name(b, "takenAt");
        Json.string(b, takenAt.toString()).append(',');
        Json.name(b, "tasks").append(taskCount()).append(',');
        Json.name(b, "truncated").append(truncated).append(',');
        Json.name(b, "roots").append('[');
        for (int i = 0; i < roots.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            json(b, roots.get(i));
        }
        return b.append("]}").toString();
    }

    private void json(StringBuilder b, Node n) {
        b.append('{');
        Json.name(b, "kind");
        Json.string(b, n.kind.word);
        b.append(',');
        Json.name(b, "name");
        Json.string(b, n.name);
        if (n.state != null) {
            b.append(',');
            Json.name(b, "state");
            Json.string(b, n.state.name());
        }
        if (n.thread != null) {
            b.append(',');
            Json.name(b, "thread");
            Json.string(b, n.thread);
        }
        if (n.cancelled) {
            b.append(',');
            Json.name(b, "cancelled").append("true,");
            Json.name(b, "cancelReason");
            Json.string(b, n.cancelReason);
        }
        if (n.shielded) {
            b.append(',');
            Json.name(b, "shielded").append("true");
        }
        if (n.remaining != null) {
            b.append(',');
            Json.name(b, "deadline");
            Json.string(b, takenAt.plus(n.remaining).toString());
            b.append(',');
            Json.name(b, "remainingMs").append(n.remaining.toMillis());
        }
        if (!n.frames.isEmpty()) {
            b.append(',');
            Json.name(b, "frames").append('[');
            for (int i = 0; i < n.frames.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                Json.string(b, n.frames.get(i));
            }
            b.append(']');
        }
        b.append(',');
        Json.name(b, "children").append('[');
        for (int i = 0; i < n.children.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            json(b, n.children.get(i));
        }
        b.append("]}");
    }

    /**
     * Returns {@link #toText()}.
     *
     * @return the indented text
     */
    @Override
    public String toString() {
        return toText();
    }

    private static String millis(Duration d) {
        long us = d.toNanos() / 1_000;
        return us >= 10_000_000 ? us / 1_000_000 + " s" : us >= 1_000_000 ? String.format(java.util.Locale.ROOT, "%.2f s", us / 1e6)
                : String.format(java.util.Locale.ROOT, "%.1f ms", us / 1e3);
    }

    /** Builds nodes for {@link TaskTreeWalker}; keeps the node count against {@link #MAX_NODES}. */
    static final class Builder {
        int nodes;
        boolean truncated;

        boolean room() {
            if (nodes >= MAX_NODES) {
                truncated = true;
                return false;
            }
            nodes++;
            return true;
        }

        static List<Node> list() {
            return new ArrayList<>();
        }
    }
}
