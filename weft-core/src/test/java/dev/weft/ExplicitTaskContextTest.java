package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Story 001 of {@code docs/stories.md}, the ASGI lifespan: a lifespan task sets a context variable, and endpoints
 * spawned later must see it, each in its own isolated context. In Python, tasks copy the context,
 * so the lifespan's set is lost until 3.11's {@code create_task(..., context=ctx)}; in weft,
 * {@link TaskGroup#spawn(java.util.concurrent.Callable, Context)} runs the task in the given
 * context object itself, and {@code ctx.copy()} gives each endpoint an isolated child (TCI-04,
 * TCI-05, CXO-10).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExplicitTaskContextTest {
    private static final ContextVar<String> DB = ContextVar.of("db");
    private static final ContextVar<String> REQUEST = ContextVar.of("request");

    /**
     * Story 001's trap, shown: a lifespan spawned the ordinary way sets the variable in its own
     * copy, and an endpoint spawned afterwards does not see it.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void lifespanSpawnedInACopyDoesNotReachEndpoints(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            String seen = TaskGroup.run(g -> {
                g.spawn(() -> {
                    DB.set("spam");
                    return null;
                }).join();
                return g.spawn(() -> DB.get("<unset>")).join();
            });
            assertEquals("<unset>", seen);
        });
    }

    /**
     * The fix: the lifespan spawned in {@code ctx} sets the variable in {@code ctx} itself; an
     * endpoint spawned in {@code ctx.copy()} sees it; the spawner's own context is untouched.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void lifespanSetsInTheGivenContextAreSeenByEndpoints(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Context ctx = Context.copyCurrent();
            AtomicReference<Task<?>> lifespan = new AtomicReference<>();
            String seen = TaskGroup.run(g -> {
                lifespan.set(g.spawn(() -> {
                    DB.set("spam");
                    return null;
                }, ctx));
                lifespan.get().join();
                assertEquals("spam", ctx.get(DB));
                assertNull(DB.get(null), "the lifespan's set reached the spawner's context");
                return g.spawn(() -> DB.get(), ctx.copy()).join();
            });
            assertEquals("spam", seen);
            assertSame(ctx, lifespan.get().context());
            assertEquals("spam", ctx.get(DB));
        });
    }

    /** What an endpoint sets stays in its copy: neither {@code ctx} nor a later endpoint sees it. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void endpointSetsDoNotReachTheLifespanContext(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Context ctx = Context.empty();
            List<String> seenByLater = TaskGroup.run(g -> {
                g.spawn(() -> {
                    DB.set("spam");
                    return null;
                }, ctx).join();
                g.spawn(() -> {
                    REQUEST.set("r1");
                    DB.set("changed by endpoint");
                    return null;
                }, ctx.copy()).join();
                return g.spawn(() -> List.of(DB.get(), REQUEST.get("<none>")), ctx.copy()).join();
            });
            assertEquals(List.of("spam", "<none>"), seenByLater);
            assertEquals("spam", ctx.get(DB));
            assertFalse(ctx.contains(REQUEST));
            assertEquals(1, ctx.size());
        });
    }

    /**
     * Many endpoints run at once, each in its own copy of {@code ctx}: each reads back only its
     * own values after all of them have set theirs, and {@code ctx} is unchanged (TCI-03).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void concurrentEndpointsAreEachIsolated(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            int n = 200;
            Context ctx = Context.empty();
            List<Task<String>> endpoints = new ArrayList<>();
            TaskGroup.run(g -> {
                g.spawn(() -> {
                    DB.set("spam");
                    return null;
                }, ctx).join();
                CountDownLatch allSet = new CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    String id = "request-" + i;
                    endpoints.add(g.spawn(() -> {
                        if (!"spam".equals(DB.get())) {
                            return "did not see the lifespan's value: " + DB.get();
                        }
                        REQUEST.set(id);
                        DB.set("db of " + id);
                        allSet.countDown();
                        allSet.await(); // every endpoint has now set its values
                        Weft.sleep(Duration.ofMillis(id.hashCode() & 3));
                        return REQUEST.get() + "|" + DB.get();
                    }, ctx.copy()));
                }
                return null;
            });
            for (int i = 0; i < n; i++) {
                String id = "request-" + i;
                assertEquals(id + "|db of " + id, endpoints.get(i).join());
            }
            assertEquals("spam", ctx.get(DB));
            assertFalse(ctx.contains(REQUEST));
        });
    }

    /**
     * Story 001's long-running variant: the lifespan sets the variable, signals, and keeps
     * running; endpoints spawned meanwhile in {@code ctx.copy()} see the value as it was at the
     * copy, not the lifespan's later changes; shutdown cancels the lifespan.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void endpointsCopyALifespanThatIsStillRunning(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Context ctx = Context.empty();
            AtomicReference<Task<?>> lifespan = new AtomicReference<>();
            List<String> seen = TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                CountDownLatch endpointsDone = new CountDownLatch(1);
                CountDownLatch changed = new CountDownLatch(1);
                lifespan.set(g.spawn(() -> {
                    DB.set("spam");
                    started.countDown();
                    endpointsDone.await();
                    DB.set("changed after the endpoints copied");
                    changed.countDown();
                    Weft.sleep(FOREVER); // serves until shutdown
                    return null;
                }, ctx));
                await(started, "lifespan startup");
                List<String> out = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    out.add(g.spawn(() -> DB.get(), ctx.copy()).join());
                }
                Context late = ctx.copy();
                endpointsDone.countDown();
                // Shut down only after the lifespan's later change: a cancel that reached it while
                // it was still waking from endpointsDone would end it before the change (the
                // test's own race, seen once in CI).
                await(changed, "the lifespan's later change");
                assertEquals("spam", g.spawn(() -> DB.get(), late).join()); // the copy predates the change
                g.cancel(); // shutdown
                return out;
            });
            assertEquals(List.of("spam", "spam", "spam"), seen);
            assertEquals(Task.State.CANCELLED, lifespan.get().state());
            assertEquals("changed after the endpoints copied", ctx.get(DB));
        });
    }

    /**
     * One context given to tasks run one after another accumulates their sets; once join has
     * returned, the joined task has left the context, so the next task can be given it at once,
     * every time (TCI-04).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void contextAccumulatesAcrossTasksRunInItOneAfterAnother(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            ContextVar<Integer> counter = ContextVar.of("counter");
            Context ctx = Context.empty();
            int n = 2000;
            TaskGroup.run(g -> {
                for (int i = 0; i < n; i++) {
                    int expectedBefore = i;
                    int before = g.spawn(() -> {
                        int c = counter.get(0);
                        counter.set(c + 1);
                        return c;
                    }, ctx).join();
                    assertEquals(expectedBefore, before);
                }
                return null;
            });
            assertEquals(n, ctx.get(counter));
        });
    }

    /**
     * A context can be entered by one thread at a time: a second task given the context the
     * lifespan is still running in fails with {@link IllegalStateException}, which the group
     * reports; the lifespan is cancelled with the group.
     */
    @Test
    void contextCannotBeRunByTwoTasksAtOnce() {
        Context ctx = Context.empty();
        AtomicReference<Task<?>> lifespan = new AtomicReference<>();
        AtomicReference<Task<?>> intruder = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            CountDownLatch started = new CountDownLatch(1);
            lifespan.set(g.spawn(() -> {
                started.countDown();
                Thread.sleep(FOREVER);
                return null;
            }, ctx));
            await(started, "lifespan started");
            intruder.set(g.spawn(() -> "ran", ctx));
            return null;
        }));
        assertEquals(1, eg.exceptions().size());
        assertInstanceOf(IllegalStateException.class, eg.exceptions().getFirst());
        assertEquals(Task.State.FAILED, intruder.get().state());
        assertEquals(Task.State.CANCELLED, lifespan.get().state());
        assertEquals(0, ctx.size(), "nothing was set in ctx");
    }
}
