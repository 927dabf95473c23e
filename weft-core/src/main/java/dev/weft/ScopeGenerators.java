package dev.weft;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The generators a scope owns: a {@link Generator} created inside a task or task group that its
 * user leaves open is closed when that scope ends, on the scope's own thread and in its context,
 * never later on another thread. The registry lives in {@link ThreadRecord#generators} and is
 * touched by its owner thread only. See {@code docs/design.md}, section "Per-thread record".
 */
final class ScopeGenerators {
    private ScopeGenerators() {
    }

    /** The scope whose end closes generators created now: the innermost task group or task root. */
    static CancelScope closingScope(ThreadRecord r) {
        for (CancelScope s = r.innermost; s != null && s.owner == r; s = s.parent) {
            if (s.kind == ScopeKind.TASK_GROUP || s.kind == ScopeKind.TASK) {
                return s;
            }
        }
        return null; // a thread weft did not start, outside any group: nothing ends to close it
    }

    /** Registers {@code g} to be closed when {@code scope} ends. */
    static void bind(ThreadRecord r, Generator<?> g, CancelScope scope) {
        if (r.generators == null) {
            r.generators = new IdentityHashMap<>();
        }
        List<Generator<?>> list = r.generators.computeIfAbsent(scope, k -> new ArrayList<>());
        if (list.size() >= 16 && Integer.bitCount(list.size()) == 1) {
            list.removeIf(Generator::isDone); // a long-lived scope that closes its generators stays small
        }
        list.add(g);
    }

    /**
     * Closes the generators bound to {@code scope} that their users left open, in this thread.
     *
     * @return the first cleanup failure (later ones suppressed), or null
     */
    static Throwable closeAll(ThreadRecord r, CancelScope scope) {
        if (r.generators == null) {
            return null;
        }
        List<Generator<?>> list = r.generators.remove(scope);
        if (list == null) {
            return null;
        }
        Throwable first = null;
        for (Generator<?> g : list) {
            try {
                g.closeAtScopeEnd(scope);
            } catch (Throwable t) {
                first = Outcomes.collect(first, t);
            }
        }
        return first;
    }
}
