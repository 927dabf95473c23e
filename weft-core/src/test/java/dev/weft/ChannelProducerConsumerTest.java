package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Story 004 of {@code docs/stories.md} (the TaskGroup part): a producer sends a request every few milliseconds; a receiver
 * spawns a handler per request into a task group; a handler fails on one chosen request. The
 * failure must stop the receiver, the producer and every other handler, and the group must throw
 * an {@link ExceptionGroup} holding exactly that failure, with no task left running. In asyncio
 * this needs {@code TaskGroup}: with bare {@code create_task}, the failure is lost and the
 * producer runs on forever.
 */
class ChannelProducerConsumerTest {
    private static final int ITERATIONS = 15;

    @AfterEach
    void noInterruptLeftOnTestThread() {
        assertFalse(Thread.interrupted(), "the test thread's interrupt flag was left set");
    }

    private static Supplier<Channel<Integer>> kind(String kind) {
        return switch (kind) {
            case "unbounded" -> Channel::unbounded; // asyncio.Queue() in the story
            case "bounded(4)" -> () -> Channel.bounded(4);
            case "rendezvous" -> Channel::rendezvous;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** A handler spawned into the main group by the receiver: its failure stops everything (TG: first failure cancels siblings). */
    @ParameterizedTest
    @ValueSource(strings = {"unbounded", "bounded(4)", "rendezvous"})
    void failingHandlerStopsReceiverProducerAndGroup(String kind) {
        for (int i = 0; i < ITERATIONS; i++) {
            int failOn = 3 + i % 5;
            Channel<Integer> requests = kind(kind).get();
            Queue<Task<?>> tasks = new ConcurrentLinkedQueue<>();
            RuntimeException boom = new IllegalStateException("cannot handle request " + failOn);
            long t0 = System.nanoTime();

            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("server", g -> {
                tasks.add(g.spawn("receiver", () -> {
                    for (int data : requests) {
                        tasks.add(g.spawn("handle-" + data, () -> handle(data, failOn, boom)));
                    }
                    return null;
                }));
                tasks.add(g.spawn("producer", () -> produce(requests)));
                return null;
            }));

            assertEquals(List.of(boom), eg.exceptions(), "exactly the handler's failure");
            assertAllStopped(tasks, t0, "handle-" + failOn);
            assertEquals(Task.State.CANCELLED, byName(tasks, "receiver").state());
        }
    }

    /**
     * As in story 004, the receiver owns its own task group for the handlers: the failure ends that
     * group, which fails the receiver, which stops the producer; the outer group's
     * {@link ExceptionGroup} holds the receiver's, which holds exactly the failure.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unbounded", "rendezvous"})
    void failingHandlerInReceiversOwnGroupStopsEverything(String kind) {
        for (int i = 0; i < ITERATIONS; i++) {
            int failOn = 3 + i % 5;
            Channel<Integer> requests = kind(kind).get();
            Queue<Task<?>> tasks = new ConcurrentLinkedQueue<>();
            RuntimeException boom = new IllegalStateException("cannot handle request " + failOn);
            long t0 = System.nanoTime();

            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("main", g -> {
                tasks.add(g.spawn("receiver", () -> TaskGroup.run("handlers", handlers -> {
                    for (int data : requests) {
                        tasks.add(handlers.spawn("handle-" + data, () -> handle(data, failOn, boom)));
                    }
                    return null;
                })));
                tasks.add(g.spawn("producer", () -> produce(requests)));
                return null;
            }));

            assertEquals(1, eg.exceptions().size(), "only the receiver failed: " + eg.exceptions());
            ExceptionGroup inner = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
            assertEquals(List.of(boom), inner.exceptions(), "exactly the handler's failure");
            assertAllStopped(tasks, t0, "handle-" + failOn);
            assertEquals(Task.State.FAILED, byName(tasks, "receiver").state());
        }
    }

    /** Sends a request every 2 ms until cancelled. */
    private static Void produce(Channel<Integer> requests) {
        for (int i = 0; ; i++) {
            requests.send(i);
            Weft.sleep(Duration.ofMillis(2));
        }
    }

    /** Handles a request: fails on {@code failOn}, otherwise works far longer than the test may take. */
    private static Void handle(int data, int failOn, RuntimeException boom) {
        if (data == failOn) {
            throw boom;
        }
        Weft.sleep(Duration.ofSeconds(30));
        return null;
    }

    private static void assertAllStopped(Queue<Task<?>> tasks, long t0, String failed) {
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(),
                "the group waited for handlers that should have been cancelled");
        for (Task<?> t : tasks) {
            assertTrue(t.isDone(), t + " is still running");
            if (t.name().equals(failed)) {
                assertEquals(Task.State.FAILED, t.state(), t.toString());
            } else if (!t.name().equals("receiver")) {
                assertEquals(Task.State.CANCELLED, t.state(), t + " should have been cancelled");
            }
        }
        assertEquals(Task.State.CANCELLED, byName(tasks, "producer").state());
        assertNotNull(byName(tasks, failed));
    }

    private static Task<?> byName(Queue<Task<?>> tasks, String name) {
        return tasks.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no task " + name + " in " + tasks));
    }
}
