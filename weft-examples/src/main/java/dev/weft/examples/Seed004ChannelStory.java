package dev.weft.examples;

import dev.weft.Channel;
import dev.weft.ExceptionGroup;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Story 004 of {@code docs/stories.md}, second half: a producer sends requests into a queue; a receiver spawns a handler per
 * request. With {@code asyncio.create_task} the handlers are orphans: nobody waits for them and
 * their errors are lost. With a task group (Python 3.11, Trio, weft) every handler belongs to the
 * receiver's group: a failing handler stops the receiver, the receiver's failure stops the
 * producer, and the whole tree ends with the failure reported, nothing left running.
 */
public final class Seed004ChannelStory implements Story {
    static final int FAILING_REQUEST = 13;

    @Override
    public String number() {
        return "004";
    }

    @Override
    public String title() {
        return "Producer, consumer and a handler per request, in task groups";
    }

    @Override
    public String python() {
        return "recv_request() calls asyncio.create_task(request_handle(data)) for each request: the handlers run"
                + " in the background, nobody awaits them, and an exception in one is only logged when the task is"
                + " garbage-collected; the producer keeps producing.";
    }

    @Override
    public String weft() {
        return "the receiver spawns each handler into its TaskGroup; a handler's failure cancels the receiver's"
                + " loop (blocked in Channel.receive) and the group, whose ExceptionGroup cancels the producer in"
                + " the outer group. TaskGroup.run returns only when every task has ended, and throws the failure.";
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();
        Channel<Integer> queue = Channel.unbounded();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger handlersStarted = new AtomicInteger();
        List<Task<?>> tasks = new ArrayList<>();
        IllegalStateException boom = new IllegalStateException("request " + FAILING_REQUEST + " is malformed");
        long t0 = System.nanoTime();
        ExceptionGroup thrown = null;
        try {
            TaskGroup.run("story004-main", g -> {
                tasks.add(g.spawn("recv_request", () -> TaskGroup.run("handlers", tg -> {
                    for (int data : queue) {
                        handlersStarted.incrementAndGet();
                        tasks.add(tg.spawn(() -> {
                            if (data == FAILING_REQUEST) {
                                throw boom;
                            }
                            Weft.sleep(Duration.ofMillis(50)); // request_handle: await asyncio.sleep(...)
                            handled.incrementAndGet();
                            return null;
                        }));
                    }
                    return null;
                })));
                tasks.add(g.spawn("send_request", () -> {
                    for (int i = 0; ; i++) {
                        queue.send(i);
                        sent.incrementAndGet();
                        Weft.sleep(Duration.ofMillis(2));
                    }
                }));
                return null;
            });
        } catch (ExceptionGroup e) {
            thrown = e;
        }
        long ms = Evidence.millisSince(t0);
        ev.line("producer sent %d requests, receiver started %d handlers, %d finished, in %d ms",
                sent.get(), handlersStarted.get(), handled.get(), ms);
        ev.check(thrown != null, "TaskGroup.run threw %s",
                thrown == null ? "nothing" : thrown.getClass().getSimpleName());
        if (thrown != null) {
            ExceptionGroup failed = thrown.subgroup(t -> t == boom);
            int leaves = countLeaves(thrown);
            ev.check(failed != null && leaves == 1,
                    "it holds the handler's failure exactly once (%d leaf): %s", leaves, boom.getMessage());
        }
        long running = tasks.stream().filter(t -> !t.isDone()).count();
        ev.check(running == 0, "%d of %d tasks still running after TaskGroup.run returned", running, tasks.size());
        ev.check(sent.get() < 1_000, "the producer stopped: no task outlived the failure");
        return ev.result();
    }

    private static int countLeaves(ExceptionGroup g) {
        int n = 0;
        for (Throwable t : g.exceptions()) {
            n += t instanceof ExceptionGroup nested ? countLeaves(nested) : 1;
        }
        return n;
    }
}
