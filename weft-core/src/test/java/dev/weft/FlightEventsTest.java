package dev.weft;

import static dev.weft.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * weft's JFR events, recorded with a {@link RecordingStream}: a task's life
 * (committed on its own thread), a scope's cancellation with its kind and the tasks it reached, a
 * deadline's expiry with its lateness, and a swallowed cancellation.
 */
class FlightEventsTest {
    private static final List<String> EVENTS = List.of("dev.weft.TaskEnd", "dev.weft.ScopeCancelled",
            "dev.weft.DeadlineExpired", "dev.weft.SwallowedCancellation");

    /**
     * Records {@code body} with a {@link RecordingStream} and returns what it recorded once
     * {@code complete} holds: an event committed on another thread (weft's timer, a task that is
     * finishing) may be committed after the body has returned, and reaches the stream up to a
     * flush later, so the test waits, boundedly, for the events it is about to check.
     */
    private static List<RecordedEvent> record(TestSupport.Body body, Predicate<List<RecordedEvent>> complete)
            throws Throwable {
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        try (RecordingStream rs = new RecordingStream()) {
            for (String e : EVENTS) {
                rs.enable(e).withThreshold(Duration.ZERO).withStackTrace();
            }
            rs.setReuse(false);
            rs.onEvent(seen::add);
            rs.startAsync();
            body.run();
            awaitCondition(() -> complete.test(seen), "the expected events, among " + seen);
        }
        return List.copyOf(seen);
    }

    private static Predicate<List<RecordedEvent>> has(String name, String field, String value) {
        return all -> all.stream().anyMatch(e -> e.getEventType().getName().equals(name) && value.equals(e.getString(field)));
    }

    private static List<RecordedEvent> named(List<RecordedEvent> all, String name) {
        return all.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    /** The runtime has jdk.jfr here, so the events are on. */
    @Test
    void eventsArePresentWhenJdkJfrIs() {
        assertTrue(Flight.PRESENT);
    }

    /** Each task's life is one event on its own thread, with its name, group and outcome. */
    @Test
    void taskLifeIsRecordedOnTheTasksOwnThread() throws Throwable {
        List<RecordedEvent> all = record(() -> {
            assertThrows(ExceptionGroup.class, () -> TaskGroup.run("jfr-life", g -> {
                CountDownLatch failing = new CountDownLatch(1);
                g.spawn("ok", () -> 42);
                g.spawn("sleepy", () -> {
                    failing.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                });
                g.spawn("bad", () -> {
                    failing.await();
                    Weft.sleep(Duration.ofMillis(20));
                    throw new IllegalStateException("boom");
                });
                return null;
            }));
        }, seen -> seen.stream().filter(e -> e.getEventType().getName().equals("dev.weft.TaskEnd")
                && "jfr-life".equals(e.getString("group"))).count() >= 3
                && has("dev.weft.ScopeCancelled", "scope", "TaskGroup 'jfr-life'").test(seen));
        List<RecordedEvent> tasks = named(all, "dev.weft.TaskEnd").stream()
                .filter(e -> "jfr-life".equals(e.getString("group"))).toList();
        assertEquals(3, tasks.size(), all::toString);
        var outcomes = tasks.stream().collect(Collectors.toMap(e -> e.getString("task"), e -> e.getString("outcome")));
        assertEquals(java.util.Map.of("ok", "SUCCESS", "sleepy", "CANCELLED", "bad", "FAILED"), outcomes);
        for (RecordedEvent e : tasks) {
            assertEquals(e.getString("task"), e.getThread().getJavaName(), "committed on the task's thread");
            assertTrue(e.getThread().isVirtual());
            assertFalse(e.getDuration().isNegative());
        }
        RecordedEvent sleepy = tasks.stream().filter(e -> e.getString("task").equals("sleepy")).findFirst().orElseThrow();
        assertTrue(sleepy.getDuration().compareTo(Duration.ofMillis(15)) >= 0, sleepy::toString);
        RecordedEvent cancel = named(all, "dev.weft.ScopeCancelled").stream()
                .filter(e -> e.getString("scope").equals("TaskGroup 'jfr-life'")).findFirst().orElseThrow(() -> new AssertionError(all.toString()));
        assertEquals("failure", cancel.getString("kind"));
        assertEquals("task 'bad'", cancel.getString("failed"));
        assertTrue(cancel.getInt("tasksReached") >= 1, cancel::toString);
        assertEquals("bad", cancel.getThread().getJavaName(), "committed by the failing task's thread");
    }

    /** An explicit cancel names its scope and counts the tasks it reached, nested groups included. */
    @Test
    void explicitCancelCountsTheTasksItReached() throws Throwable {
        List<RecordedEvent> all = record(() -> TaskGroup.run("jfr-cancel", g -> {
            CountDownLatch started = new CountDownLatch(4);
            for (int i = 0; i < 2; i++) {
                g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                });
            }
            g.spawn(() -> TaskGroup.run("jfr-inner", h -> {
                h.spawn(() -> {
                    started.countDown();
                    Weft.sleep(FOREVER);
                    return null;
                });
                started.countDown();
                return null;
            }));
            await(started, "the tasks to start");
            g.cancel();
            return null;
        }), has("dev.weft.ScopeCancelled", "scope", "TaskGroup 'jfr-cancel'"));
        RecordedEvent e = named(all, "dev.weft.ScopeCancelled").stream()
                .filter(x -> x.getString("scope").equals("TaskGroup 'jfr-cancel'")).findFirst().orElseThrow(() -> new AssertionError(all.toString()));
        assertEquals("explicit", e.getString("kind"));
        assertNull(e.getString("failed"));
        assertEquals(4, e.getInt("tasksReached"), "three tasks and the nested group's one: " + e);
        assertNotNull(e.getStackTrace(), "who cancelled is in the stack trace");
    }

    /** A deadline's expiry says how late it fired; its cancellation's kind is deadline. */
    @Test
    void deadlineExpiryRecordsItsLateness() throws Throwable {
        List<RecordedEvent> all = record(() -> {
            Optional<Object> r = Timeout.moveOnAfter(Duration.ofMillis(10), () -> {
                Weft.sleep(FOREVER);
                return null;
            });
            assertTrue(r.isEmpty());
        }, seen -> has("dev.weft.DeadlineExpired", "scope", "timeout").test(seen)
                && has("dev.weft.ScopeCancelled", "scope", "timeout").test(seen));
        RecordedEvent expired = named(all, "dev.weft.DeadlineExpired").stream()
                .filter(x -> x.getString("scope").equals("timeout")).findFirst().orElseThrow(() -> new AssertionError(all.toString()));
        long late = expired.getLong("late");
        assertTrue(late >= 0 && late < WAKE_BOUND.toNanos(), "late by " + late + " ns");
        RecordedEvent cancelled = named(all, "dev.weft.ScopeCancelled").stream()
                .filter(x -> x.getString("scope").equals("timeout")).findFirst().orElseThrow(() -> new AssertionError(all.toString()));
        assertEquals("deadline", cancelled.getString("kind"));
        assertEquals(0, cancelled.getInt("tasksReached"));
    }

    /** A swallowed cancellation is recorded on the scope's thread with its scope and message. */
    @Test
    void swallowedCancellationIsRecorded() throws Throwable {
        List<RecordedEvent> all = record(() -> assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(Duration.ofMillis(10), () -> {
                    try {
                        Weft.sleep(FOREVER);
                    } catch (CancelledException swallowed) {
                        // the trap the event makes visible
                    }
                    return "late";
                })), has("dev.weft.SwallowedCancellation", "scope", "timeout of PT0.01S"));
        List<RecordedEvent> s = named(all, "dev.weft.SwallowedCancellation");
        assertEquals(1, s.size(), all::toString);
        assertEquals("timeout of PT0.01S", s.getFirst().getString("scope"));
        assertTrue(s.getFirst().getString("message").contains("deadline of timeout of PT0.01S passed"),
                s.getFirst()::toString);
        assertEquals(Thread.currentThread().getName(), s.getFirst().getThread().getJavaName());
    }

    /** With no recording, the hooks record nothing and a task's life event is not even created. */
    @Test
    void withoutRecordingNothingIsCreated() {
        assertNull(Flight.taskBegin());
    }
}
