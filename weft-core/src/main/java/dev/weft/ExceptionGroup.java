package dev.weft;

import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <h2>Derived groups</h2>
 * {@link #subgroup} and {@link #split} build new groups that keep what PEP 654's
 * {@code derive} and {@code split} keep: the group's own {@linkplain #message() message}, whole;
 * its stack trace ({@code __traceback__}); its suppressed exceptions ({@code __context__} and
 * {@code __notes__}); and its cause ({@code __cause__}) when one was given to
 * {@link #ExceptionGroup(String, List, Throwable)}. A group made without an explicit cause has
 * its first member as cause, so that a printed stack trace shows it; a derived group's cause is
 * then its own first member.
 *
 * <h2>Matching the group itself</h2>
 * As in PEP 654, the condition is tried on this group first, and {@code ExceptionGroup} is a
 * {@link RuntimeException}: {@code eg.subgroup(RuntimeException.class)} returns the whole group,
 * whatever its members are. To select leaves by a type that groups also have, exclude groups in
 * the condition, so that nested groups are searched instead:
 * <pre>{@code
 * ExceptionGroup unchecked = eg.subgroup(e -> e instanceof RuntimeException && !(e instanceof ExceptionGroup));
 * }</pre>
 */
public final class ExceptionGroup extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The members, in order; at least one. */
    private final List<Throwable> exceptions;

    /** The group's own message, as given; {@link #getMessage()} adds the members. */
    private final String message;

    /** Whether the cause was given to the constructor, rather than being the first member. */
    private final boolean explicitCause;

    /**
     * Creates a group whose cause is its first member.
     *
     * @param message what the group is about
     * @param exceptions the members, at least one, none null
     * @throws IllegalArgumentException if {@code exceptions} is empty
     */
    public ExceptionGroup(String message, List<? extends Throwable> exceptions) {
        this(message, checked(exceptions), false, null);
    }

    /**
     * Creates a group with an explicit cause, as Python's {@code raise ExceptionGroup(...) from cause}.
     *
     * @param message what the group is about
     * @param exceptions the members, at least one, none null
     * @param cause what caused the group, or null for none
     * @throws IllegalArgumentException if {@code exceptions} is empty
     */
    public ExceptionGroup(String message, List<? extends Throwable> exceptions, Throwable cause) {
        this(message, checked(exceptions), true, cause);
    }

    private ExceptionGroup(String message, List<Throwable> exceptions, boolean explicitCause, Throwable cause) {
        super(describe(Args.nonNull(message, "message", "say what the group is about, e.g. \"request failed\""),
                exceptions), explicitCause ? cause : exceptions.getFirst());
        this.message = message;
        this.exceptions = exceptions;
        this.explicitCause = explicitCause;
    }

    private static List<Throwable> checked(List<? extends Throwable> exceptions) {
        Args.nonNull(exceptions, "exceptions", "pass the members, e.g. List.of(failure)");
        if (exceptions.isEmpty()) {
            throw new IllegalArgumentException("an ExceptionGroup needs at least one exception");
        }
        for (int i = 0; i < exceptions.size(); i++) {
            if (exceptions.get(i) == null) {
                throw new NullPointerException("exceptions[" + i + "] is null: every member of an"
                        + " ExceptionGroup must be an exception");
            }
        }
        return List.copyOf(exceptions);
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
     * Returns the group's own message, as given to the constructor, without the list of members
     * that {@link #getMessage()} adds (Python's {@code ExceptionGroup.message}).
     *
     * @return the message
     */
    public String message() {
        return message;
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
     * none does. The condition is tried on this group first (so a condition that this group
     * matches returns it whole; see "Matching the group itself" above), then on each nested group
     * as a whole, then on the leaves.
     *
     * @param condition which exceptions to keep
     * @return the matching part, {@code this} when everything matches, or null
     */
    public ExceptionGroup subgroup(Predicate<? super Throwable> condition) {
        Args.nonNull(condition, "condition", "pass a test, e.g. e -> e instanceof IOException");
        return split(condition).matched();
    }

    /**
     * Returns the members that are instances of {@code type}, as {@link #subgroup(Predicate)}.
     * {@code subgroup(RuntimeException.class)} and {@code subgroup(Exception.class)} return the
     * whole group, which is itself a {@code RuntimeException}.
     *
     * @param type the exception type to keep
     * @return the matching part, {@code this} when everything matches, or null
     */
    public ExceptionGroup subgroup(Class<? extends Throwable> type) {
        Args.nonNull(type, "type", "pass the exception type to keep, e.g. IOException.class");
        return subgroup(type::isInstance);
    }

    /**
     * Splits this group into the part that matches {@code condition} and the rest, keeping the
     * nesting of both. Each new group keeps this group's message, stack trace, suppressed
     * exceptions and explicit cause.
     *
     * @param condition which exceptions go to {@link Split#matched()}
     * @return both parts; either may be null
     */
    public Split split(Predicate<? super Throwable> condition) {
        Args.nonNull(condition, "condition", "pass a test, e.g. e -> e instanceof IOException");
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
        Args.nonNull(type, "type", "pass the exception type to split off, e.g. IOException.class");
        return split(type::isInstance);
    }

    /** A group of {@code members} that keeps what PEP 654's split copies from this one. */
    private ExceptionGroup derive(List<Throwable> members) {
        if (members.isEmpty()) {
            return null;
        }
        if (members.equals(exceptions)) {
            return this;
        }
        ExceptionGroup g = new ExceptionGroup(message, List.copyOf(members), explicitCause, getCause());
        g.setStackTrace(getStackTrace());
        for (Throwable s : getSuppressed()) {
            g.addSuppressed(s);
        }
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
