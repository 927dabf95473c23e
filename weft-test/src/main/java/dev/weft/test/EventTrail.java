package dev.weft.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record of events from many threads, in the order they happened, with checks of that order
 * whose failure message prints the whole trail (each event with its thread).
 *
 * <pre>{@code
 * EventTrail trail = new EventTrail();
 * TaskGroup.run(g -> {
 *     g.spawn(() -> { trail.record("child started"); ... });
 *     ...
 * });
 * trail.record("group ended");
 * trail.assertBefore("child started", "group ended");
 * }</pre>
 *
 * <h2>Memory consistency</h2>
 * {@link #record} appends under this object's monitor, so the trail's order is a total order
 * consistent with happens-before: if recording {@code a} happens-before recording {@code b}
 * (program order, a start, a join, a weft hand-off), {@code a} comes first in the trail. The
 * converse does not hold: two events of unrelated threads appear in the order the monitor was
 * taken, so check only orders that the code under test promises.
 *
 * <p>Invariant: {@link #events} only grows, and only under the monitor.
 */
public final class EventTrail {
    /**
     * One recorded event.
     *
     * @param index its position in the trail, from 0
     * @param event what happened
     * @param thread the name of the thread that recorded it
     */
    public record Event(int index, String event, String thread) {
        /**
         * Describes the event as {@code #index [thread] event}.
         *
         * @return the description
         */
        @Override
        public String toString() {
            return "#" + index + " [" + thread + "] " + event;
        }
    }

    private final List<Event> events = new ArrayList<>();

    /** Creates an empty trail. */
    public EventTrail() {
    }

    /**
     * Records {@code event} as the current thread's, after every event recorded before.
     *
     * @param event what happened
     */
    public void record(String event) {
        Objects.requireNonNull(event, "event is null: name what happened, e.g. \"released\"");
        String thread = Thread.currentThread().getName();
        synchronized (this) {
            events.add(new Event(events.size(), event, thread.isEmpty() ? Thread.currentThread().toString() : thread));
        }
    }

    /**
     * Returns a copy of the trail so far.
     *
     * @return the events, in order
     */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /**
     * Returns the event names so far, in order.
     *
     * @return the names
     */
    public synchronized List<String> names() {
        return events.stream().map(Event::event).toList();
    }

    /**
     * Checks that the trail is exactly {@code expected}, in this order.
     *
     * @param expected the events
     * @throws AssertionError otherwise, with the whole trail
     */
    public void assertExactly(String... expected) {
        List<String> actual = names();
        if (!actual.equals(List.of(expected))) {
            throw new AssertionError("the trail is not " + List.of(expected) + dump());
        }
    }

    /**
     * Checks that each of {@code expected} was recorded, in this relative order (other events may
     * come between them).
     *
     * @param expected the events, in the order they must have happened
     * @throws AssertionError otherwise, naming the first event missing or out of order
     */
    public void assertInOrder(String... expected) {
        List<Event> trail = events();
        int from = 0;
        for (int i = 0; i < expected.length; i++) {
            int at = indexOf(trail, expected[i], from);
            if (at < 0) {
                String before = i == 0 ? "" : " after '" + expected[i - 1] + "'";
                throw new AssertionError("'" + expected[i] + "' was not recorded" + before
                        + (indexOf(trail, expected[i], 0) >= 0 ? " (it was recorded earlier)" : "") + dump(trail));
            }
            from = at + 1;
        }
    }

    /**
     * Checks that {@code first} was recorded, and before any {@code then}.
     *
     * @param first the event that must come first
     * @param then the event that must come after it (it must be recorded too)
     * @throws AssertionError when either is missing, or the first {@code then} precedes the first
     *         {@code first}
     */
    public void assertBefore(String first, String then) {
        List<Event> trail = events();
        int a = indexOf(trail, first, 0);
        int b = indexOf(trail, then, 0);
        if (a < 0 || b < 0) {
            throw new AssertionError("expected '" + first + "' before '" + then + "', but '"
                    + (a < 0 ? first : then) + "' was never recorded" + dump(trail));
        }
        if (b < a) {
            throw new AssertionError("expected '" + first + "' before '" + then + "', but " + trail.get(b)
                    + " came before " + trail.get(a) + dump(trail));
        }
    }

    /**
     * Checks that {@code event} was never recorded.
     *
     * @param event the event
     * @throws AssertionError otherwise
     */
    public void assertNever(String event) {
        List<Event> trail = events();
        int at = indexOf(trail, event, 0);
        if (at >= 0) {
            throw new AssertionError("'" + event + "' must not happen, but it did: " + trail.get(at) + dump(trail));
        }
    }

    private static int indexOf(List<Event> trail, String event, int from) {
        for (int i = from; i < trail.size(); i++) {
            if (trail.get(i).event().equals(event)) {
                return i;
            }
        }
        return -1;
    }

    private String dump() {
        return dump(events());
    }

    private static String dump(List<Event> trail) {
        StringBuilder b = new StringBuilder("\ntrail (").append(trail.size()).append(" events):");
        for (Event e : trail) {
            b.append("\n  ").append(e);
        }
        return b.toString();
    }

    @Override
    public synchronized String toString() {
        return "EventTrail" + names();
    }
}
