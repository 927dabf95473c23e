package dev.weft;

import dev.weft.internal.Time;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes a {@link TaskTree} snapshot: finds the roots and walks the scope tree down from them.
 *
 * <h2>Implementation overview</h2>
 * The kernel's scope tree links upwards only ({@link CancelScope#parent}); downwards there are
 * just two kinds of edge, both already kept for cancellation: a task group's live tasks
 * ({@link TaskGroup#liveTasks()}) and the generator step a thread waits for
 * ({@link ThreadRecord#delegate}). A thread's own scopes are the chain from its
 * {@link ThreadRecord#innermost} up to its root scope. So the walk needs only the roots: the
 * records of threads weft did not start that have opened a task group.
 *
 * <p>Roots: {@link #list} is called by {@link TaskGroup#run} the first time a thread weft did
 * not start opens a group (a flag on the record, owner only), so the cost is once per such
 * thread, never per group or per spawn. The registry holds weak references, so a thread that
 * ended is forgotten once collected; dead entries are pruned when the registry doubles and at
 * each snapshot.
 *
 * <p>Invariants: the walk only reads volatile or final fields and concurrent collections, takes
 * no lock the kernel takes, and catches everything, so a snapshot never blocks a spawner and
 * never throws. The chain of parents is finite and immutable, and every downward edge goes from
 * a scope to a scope created after it, so the walk ends; a depth limit guards it anyway.
 */
final class TaskTreeWalker {
    /** Top frames kept per thread: enough to see the weft call and the user code that made it. */
    private static final int FRAMES = 6;
    /** Nesting deeper than this is cut: far beyond any real program, it only guards the recursion. */
    private static final int MAX_DEPTH = 512;

    private static final ConcurrentLinkedQueue<WeakReference<ThreadRecord>> ROOTS = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger SIZE = new AtomicInteger();
    private static volatile int pruneAt = 64;

    private TaskTreeWalker() {
    }

    /**
     * Lists {@code r}, the record of a thread weft did not start, as a possible root. Called by
     * its owner thread once, when it first opens a task group.
     */
    static void list(ThreadRecord r) {
        r.listed = true;
        ROOTS.add(new WeakReference<>(r));
        if (SIZE.incrementAndGet() >= pruneAt) {
            prune();
            pruneAt = Math.max(64, 2 * SIZE.get());
        }
        TaskTreeManagement.registerOnce();
    }

    private static void prune() {
        ROOTS.removeIf(w -> {
            ThreadRecord r = w.get();
            boolean gone = r == null || r.thread.getState() == Thread.State.TERMINATED;
            if (gone) {
                SIZE.decrementAndGet();
            }
            return gone;
        });
    }

    /** Takes a snapshot; never throws (a failure to read a part leaves that part out). */
    static TaskTree snapshot() {
        Instant at = Instant.now();
        long now = Time.now();
        TaskTree.Builder b = new TaskTree.Builder();
        List<TaskTree.Node> roots = new ArrayList<>();
        try {
            prune();
            for (WeakReference<ThreadRecord> w : ROOTS) {
                ThreadRecord r = w.get();
                if (r == null) {
                    continue;
                }
                List<CancelScope> chain = ownChain(r);
                // A root: a thread weft did not start (its chain ends at its THREAD scope) with
                // something open. A generator's thread that once opened a group is reached from
                // its consumer instead.
                if (chain.size() > 1 && chain.getFirst().kind == ScopeKind.THREAD && b.room()) {
                    roots.add(threadNode(b, r, chain, now));
                }
            }
        } catch (Throwable t) {
            b.truncated = true; // never expected: the walk reads immutable links; keep what was read
        }
        return new TaskTree(at, roots, b.truncated);
    }

    /** The scopes owned by {@code r}, outermost (its root) first. */
    private static List<CancelScope> ownChain(ThreadRecord r) {
        List<CancelScope> chain = new ArrayList<>();
        for (CancelScope s = r.innermost; s != null && s.owner == r && chain.size() < MAX_DEPTH; s = s.parent) {
            chain.add(s);
            if (s.kind == ScopeKind.THREAD || s.kind == ScopeKind.TASK || s.kind == ScopeKind.GENERATOR_STEP) {
                break;
            }
        }
        Collections.reverse(chain);
        return chain;
    }

    private static TaskTree.Node threadNode(TaskTree.Builder b, ThreadRecord r, List<CancelScope> chain, long now) {
        return new TaskTree.Node(TaskTree.Kind.THREAD, r.thread.getName(), null, r.thread.getName(), null, false,
                null, null, frames(r.thread), inner(b, r, chain, 0, now, 0));
    }

    private static TaskTree.Node taskNode(TaskTree.Builder b, Task<?> t, long now, int depth) {
        List<CancelScope> chain = ownChain(t.record);
        if (chain.isEmpty() || chain.getFirst() != t.root) {
            chain = List.of(t.root); // not started yet, or read mid-move: the root alone
        }
        return new TaskTree.Node(TaskTree.Kind.TASK, t.name(), t.state(), t.name(), reason(t.root, now), false,
                deadline(t.root), remaining(t.root, now), frames(t.record.thread), inner(b, t.record, chain, 0, now, depth));
    }

    private static TaskTree.Node stepNode(TaskTree.Builder b, CancelScope step, long now, int depth) {
        ThreadRecord g = step.owner;
        List<CancelScope> chain = ownChain(g);
        if (chain.isEmpty() || chain.getFirst() != step) {
            chain = List.of(step);
        }
        Object name = step.detail();
        return new TaskTree.Node(TaskTree.Kind.GENERATOR, name == null ? "generator" : name.toString(), null,
                g.thread.getName(), reason(step, now), false, deadline(step), remaining(step, now), frames(g.thread),
                inner(b, g, chain, 0, now, depth));
    }

    /**
     * The children of {@code chain[i]}: the next scope of the chain, then (for a group) its live
     * tasks, then (for the innermost) the generator step the thread waits for.
     */
    private static List<TaskTree.Node> inner(TaskTree.Builder b, ThreadRecord r, List<CancelScope> chain, int i,
            long now, int depth) {
        List<TaskTree.Node> children = new ArrayList<>();
        if (depth >= MAX_DEPTH) {
            b.truncated = true;
            return children;
        }
        CancelScope s = chain.get(i);
        if (i + 1 < chain.size() && b.room()) {
            children.add(scopeNode(b, r, chain, i + 1, now, depth + 1));
        }
        if (s.group() != null && s.kind != ScopeKind.TASK) {
            for (Task<?> t : s.group().liveTasks()) {
                if (!b.room()) {
                    break;
                }
                children.add(taskNode(b, t, now, depth + 1));
            }
        }
        if (i + 1 == chain.size()) {
            CancelScope step = r.delegate;
            if (step != null && step.parent == s && b.room()) {
                children.add(stepNode(b, step, now, depth + 1));
            }
        }
        return children;
    }

    private static TaskTree.Node scopeNode(TaskTree.Builder b, ThreadRecord r, List<CancelScope> chain, int i,
            long now, int depth) {
        CancelScope s = chain.get(i);
        TaskTree.Kind kind = switch (s.kind) {
            case TASK_GROUP -> TaskTree.Kind.TASK_GROUP;
            case SHIELD -> TaskTree.Kind.SHIELD;
            case TIMEOUT -> TaskTree.Kind.TIMEOUT;
            default -> TaskTree.Kind.CANCEL_SCOPE;
        };
        String name = s.group() != null ? s.group().name()
                : s.kind == ScopeKind.TIMEOUT && s.detail() instanceof Duration d ? "timeout of " + d
                : s.detail() != null ? s.detail().toString() : kind.word();
        return new TaskTree.Node(kind, name, null, null, reason(s, now), s.shield, deadline(s), remaining(s, now),
                List.of(), inner(b, r, chain, i, now, depth));
    }

    /** Why {@code s} itself is cancelled, read without side effects (a passed deadline is not published). */
    private static String reason(CancelScope s, long now) {
        ScopeOutcome o = s.outcome;
        if (o == null) {
            long d = s.deadline;
            return d != ScopeNode.NO_DEADLINE && d - now <= 0 ? "deadline" : null;
        }
        return switch (o.why()) {
            case EXPLICIT -> "explicit";
            case DEADLINE -> "deadline";
            case FAILURE -> "failure of " + o.failedTask();
            case ABORT -> "from outside";
        };
    }

    private static Deadline deadline(CancelScope s) {
        long d = s.deadline;
        return d == ScopeNode.NO_DEADLINE ? null : Deadline.ofNanoTime(d);
    }

    private static Duration remaining(CancelScope s, long now) {
        long d = s.deadline;
        return d == ScopeNode.NO_DEADLINE ? null : Duration.ofNanos(d - now);
    }

    /** The top frames of {@code t}, skipping the JDK's parking machinery. */
    static List<String> frames(Thread t) {
        StackTraceElement[] all;
        try {
            all = t.getStackTrace();
        } catch (Throwable e) {
            return List.of();
        }
        int i = 0;
        while (i < all.length && machinery(all[i].getClassName())) {
            i++;
        }
        List<String> out = new ArrayList<>(FRAMES);
        for (; i < all.length && out.size() < FRAMES; i++) {
            out.add(all[i].toString());
        }
        return out;
    }

    private static boolean machinery(String c) {
        return c.startsWith("jdk.internal.") || c.startsWith("java.lang.VirtualThread")
                || c.equals("java.lang.Thread") || c.startsWith("java.lang.System$") || c.startsWith("java.util.concurrent.locks.")
                || c.equals("java.lang.Object") || c.startsWith("sun.nio.ch.")
                || c.equals("dev.weft.Parking") || c.startsWith("dev.weft.Parking$");
    }
}
