package dev.weft;

import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Several exceptions raised together, as Python's PEP 654 {@code ExceptionGroup}: a
 * {@link TaskGroup} throws one when its body or its tasks fail, holding every failure in the order
 * it happened, never a {@link CancelledException}. Groups nest: a group from an inner task group is
 * one member of the outer group's list.
 *
 * <p>Java has no {@code except*}; {@link #subgroup} and {@link #split} give the same matching:
 * <pre>{@code
 * try {
 *     TaskGroup.run(g -> { g.spawn(this::fetch); g.spawn(this::store); return null; });
 * } catch (ExceptionGroup eg) {
 *     ExceptionGroup.Split io = eg.split(IOException.class);
 *     if (io.matched() != null) retryLater(io.matched());
 *     if (io.rest() != null) throw io.rest();
 * }
 * }</pre>
 */
public final class ExceptionGroup extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The members, in order; at least one. */
    private final List<Throwable> exceptions;

    /**
     * Creates a group.
     *
     * @param message what the group is about
     * @param exceptions the members, at least one, none null
     * @throws IllegalArgumentException if {@code exceptions} is empty
     */
    public ExceptionGroup(String message, List<? extends Throwable> exceptions) {
        super(describe(Objects.requireNonNull(message, "message"), exceptions),
              exceptions.isEmpty() ? null : exceptions.getFirst());
        if (exceptions.isEmpty()) {
            throw new IllegalArgumentException("an ExceptionGroup needs at least one exception");
        }
        for (Throwable t : exceptions) {
            Objects.requireNonNull(t, "an ExceptionGroup member is null");
        }
        this.exceptions = List.copyOf(exceptions);
    }

    private static String describe(String message, List<? extends Throwable> exceptions) {
        StringBuilder sb = new StringBuilder(message).append(" (").append(exceptions.size())
                .append(exceptions.size() == 1 ? " sub-exception)" : " sub-exceptions)");
        for (Throwable t : exceptions) {
            sb.append("\n  ").append(t);
        }
        return sb.toString();
    }

    /**
     * Returns the members, in order.
     *
     * @return an unmodifiable list of at least one exception
     */
    public List<Throwable> exceptions() {
        return exceptions;
    }

    /**
     * Returns a group with only the members that match, keeping the nesting, or {@code null} when
     * none does. The condition is tried on this group first, then on each nested group as a whole,
     * then on the leaves.
     *
     * @param condition which exceptions to keep
     * @return the matching part, {@code this} when everything matches, or null
     */
    public ExceptionGroup subgroup(Predicate<? super Throwable> condition) {
        return split(condition).matched();
    }

    /**
     * Returns the members that are instances of {@code type}, as {@link #subgroup(Predicate)}.
     *
     * @param type the exception type to keep
     * @return the matching part, {@code this} when everything matches, or null
     */
    public ExceptionGroup subgroup(Class<? extends Throwable> type) {
        return subgroup(type::isInstance);
    }

    /**
     * Splits this group into the part that matches {@code condition} and the rest, keeping the
     * nesting of both.
     *
     * @param condition which exceptions go to {@link Split#matched()}
     * @return both parts; either may be null
     */
    public Split split(Predicate<? super Throwable> condition) {
        Objects.requireNonNull(condition, "condition");
        if (condition.test(this)) {
            return new Split(this, null);
        }
        List<Throwable> matched = new ArrayList<>();
        List<Throwable> rest = new ArrayList<>();
        for (Throwable t : exceptions) {
            if (t instanceof ExceptionGroup nested) {
                Split s = nested.split(condition);
                if (s.matched() != null) matched.add(s.matched());
                if (s.rest() != null) rest.add(s.rest());
            } else if (condition.test(t)) {
                matched.add(t);
            } else {
                rest.add(t);
            }
        }
        return new Split(derive(matched), derive(rest));
    }

    /**
     * Splits by type, as {@link #split(Predicate)}.
     *
     * @param type the exception type that goes to {@link Split#matched()}
     * @return both parts; either may be null
     */
    public Split split(Class<? extends Throwable> type) {
        return split(type::isInstance);
    }

    private ExceptionGroup derive(List<Throwable> members) {
        if (members.isEmpty()) {
            return null;
        }
        if (members.equals(exceptions)) {
            return this;
        }
        ExceptionGroup g = new ExceptionGroup(getMessage().lines().findFirst().orElse("")
                .replaceFirst(" \\(\\d+ sub-exceptions?\\)$", ""), members);
        g.setStackTrace(getStackTrace());
        return g;
    }

    /**
     * The two parts of a {@link #split}.
     *
     * @param matched the members that matched, or null when none did
     * @param rest the members that did not, or null when all matched
     */
    public record Split(ExceptionGroup matched, ExceptionGroup rest) {
    }
}
