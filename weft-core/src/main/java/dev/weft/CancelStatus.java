package dev.weft;

import dev.weft.internal.Time;
import java.util.ArrayList;
import java.util.List;

/**
 * How a cancellation travels through the scope tree: the walks over {@link ScopeNode}s. Where a
 * cancellation starts is {@link ScopeNode}; how a thread is told is {@link ThreadInterrupts}.
 * See {@code docs/design.md}, sections "Scope tree" and "Delivery".
 *
 * <h2>Implementation overview</h2>
 * <ul>
 * <li>Level-triggered: code is cancelled when a scope on its chain, from its innermost scope up
 *     to and including the nearest shield, is cancelled or past its deadline
 *     ({@link #cancelledFrom}). weft's blocking calls ask this every time.
 * <li>Edge-triggered: when a scope is cancelled, {@link #propagate} walks <em>down</em> from it,
 *     once: along its owner thread's chain to the innermost scope (stopping below a shield),
 *     into every task of every task group met on the way (recursively), and into the generator
 *     step the owner is waiting for. On the way it runs the {@link CancelScope#onCancel}
 *     callbacks of every scope reached, and asks each thread reached to re-check and interrupt
 *     itself ({@link ThreadInterrupts#deliver}).
 * </ul>
 * A task spawned concurrently with a cancel is not missed: spawn links the task into its group's
 * list of live tasks before the task's thread checks its chain, and cancel publishes the outcome
 * (volatile) before reading that list, so one of the two sees the other. A scope entered
 * concurrently is not missed either: its chain reaches the cancelled scope, so every check in it
 * sees the cancellation, and its callbacks are checked at registration.
 */
final class CancelStatus {
    private CancelStatus() {
    }

    /** The first cancelled or expired scope from {@code s} up to the nearest shield, or null. */
    static CancelScope cancelledFrom(CancelScope s) {
        long now = 0;
        boolean haveNow = false;
        for (; s != null; s = s.parent) {
            if (s.outcome != null) {
                return s;
            }
            long d = s.deadline;
            if (d != ScopeNode.NO_DEADLINE) {
                if (!haveNow) {
                    now = Time.now();
                    haveNow = true;
                }
                if (d - now <= 0) {
                    return s;
                }
            }
            if (s.shield) {
                return null;
            }
        }
        return null;
    }

    /** The earliest deadline from {@code s} up to the nearest shield, or {@link ScopeNode#NO_DEADLINE}. */
    static long effectiveDeadline(CancelScope s) {
        long d = ScopeNode.NO_DEADLINE;
        for (; s != null; s = s.parent) {
            long sd = s.deadline;
            if (sd != ScopeNode.NO_DEADLINE && (d == ScopeNode.NO_DEADLINE || sd - d < 0)) {
                d = sd;
            }
            if (s.shield) {
                break;
            }
        }
        return d;
    }

    /**
     * Tells everything inside {@code s}, up to shields, that it is cancelled: runs the callbacks
     * of each scope reached and asks each thread reached to re-check and take its interrupt.
     *
     * @return how many tasks it reached
     */
    static int propagate(CancelScope s) {
        int reached = 0; // tasks reached, for the ScopeCancelled event
        ThreadRecord ts = s.owner;
        List<CancelScope> path = new ArrayList<>(4);
        for (CancelScope x = ts.innermost; x != null; x = x.parent) {
            path.add(x);
            if (x == s) {
                break;
            }
        }
        // Empty when the owner is a generator whose thread has not begun its first step (its
        // chain is not linked yet): the step will see the cancellation as it begins.
        // TaskTreeHammerTest found this: getLast() threw on the cancelling thread.
        if (!path.isEmpty() && path.getLast() == s) {
            for (int i = path.size() - 1; i >= 0; i--) {
                CancelScope x = path.get(i);
                if (x != s && x.shield) {
                    break;
                }
                fireCallbacks(x);
                if (x.group() != null) {
                    for (Task<?> t : x.group().liveTasks()) {
                        reached += 1 + propagate(t.root);
                    }
                }
            }
        } else {
            fireCallbacks(s); // not (or no longer) on its owner's chain: only its own callbacks
        }
        ts.deliver();
        CancelScope step = ts.delegate;
        if (step != null) {
            reached += propagate(step);
        }
        return reached;
    }

    private static void fireCallbacks(CancelScope x) {
        CancelCallbacks c = x.callbacks;
        if (c != null) {
            c.fireAll();
        }
    }
}
