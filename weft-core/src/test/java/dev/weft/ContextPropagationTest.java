package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a context travels to other threads: {@link Context#wrap}, {@link ContextExecutors#wrap},
 * raw threads, and {@link TaskGroup} tasks (TCI-01, TCI-03..05, TCI-09, CTX-11, CTX-12).
 *
 * <p><b>Chosen behaviour for threads weft did not start.</b> A raw {@code new Thread(...)},
 * {@code Thread.ofPlatform()}, {@code Thread.ofVirtual()} or executor worker starts with an
 * <em>empty</em> context: it inherits nothing from the thread that created it, as in CPython
 * without {@code thread_inherit_context} (CTX-12). Inheriting at thread creation is the
 * TransmittableThreadLocal trap: a pooled thread would keep the context of whoever happened to
 * create it. Code that wants the submitter's context says so with {@link Context#wrap},
 * {@link ContextExecutors#wrap} or {@link Context#run}; weft's own tasks always get a copy.
 *
 * <p>Every thread and pool a test starts is joined or shut down before the test ends.
 */
class ContextPropagationTest {
    private final ContextVar<String> user = ContextVar.of("user", "nobody");
    private final ContextVar<Integer> counter = ContextVar.of("counter");

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    private static void shutdown(ExecutorService pool) throws InterruptedException {
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "pool did not terminate");
    }

    /** What the current context holds, as a readable string (size and the two variables). */
    private String describeCurrent() {
        return Context.copyCurrent().size() + ":" + user.get() + ":" + counter.get(-1);
    }

    // ---------------------------------------------------------------- Context.wrap

    /** wrap(Runnable) and wrap(Callable) run in a copy taken at wrap time, not at run time. */
    @Test
    void wrapCapturesTheContextAtWrapTime() throws Exception {
        Context.empty().run(() -> {
            user.set("at-wrap");
            List<String> seen = new ArrayList<>();
            Runnable r = Context.wrap(() -> {
                seen.add(user.get());
            });
            Callable<String> c = Context.wrap(() -> user.get());
            user.set("at-run");
            r.run();
            try {
                seen.add(c.call());
                seen.add(ThreadKind.VIRTUAL.call(c));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertEquals(List.of("at-wrap", "at-wrap", "at-wrap"), seen);
            assertEquals("at-run", user.get());
        });
    }

    /** Each run of a wrapped body gets its own fresh copy of the snapshot; its sets reach neither the wrapper nor the runner. */
    @Test
    void eachRunOfAWrappedBodyGetsAFreshCopy() throws Exception {
        Context.empty().run(() -> {
            counter.set(0);
            Callable<Integer> bump = Context.wrap(() -> {
                int v = counter.get();
                counter.set(v + 1);
                return v;
            });
            try {
                assertEquals(0, bump.call());
                assertEquals(0, bump.call(), "the second run does not see the first run's set");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertEquals(0, counter.get(), "nor does the wrapping context");
        });
    }

    /** Two threads may run the same wrapped body at the same time: each has its own copy. */
    @Test
    void wrappedBodyMayRunOnTwoThreadsAtOnce() throws Exception {
        CyclicBarrier bothInside = new CyclicBarrier(2);
        Callable<String> wrapped = Context.empty().call(() -> {
            user.set("shared-snapshot");
            return Context.wrap(() -> {
                user.set(Thread.currentThread().getName());
                bothInside.await(10, TimeUnit.SECONDS);
                return user.get();
            });
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> f1 = pool.submit(wrapped);
            Future<String> f2 = pool.submit(wrapped);
            String v1 = f1.get(10, TimeUnit.SECONDS);
            String v2 = f2.get(10, TimeUnit.SECONDS);
            assertFalse(v1.equals(v2), v1 + " / " + v2);
        } finally {
            shutdown(pool);
        }
    }

    /** The thread that runs a wrapped body gets its own context back afterwards, also when the body throws. */
    @Test
    void wrappedRunRestoresTheRunnersOwnContext() throws Exception {
        Runnable wrapped = Context.empty().call(() -> {
            user.set("submitter");
            return Context.wrap(() -> {
                assertEquals("submitter", user.get());
                assertEquals(-1, counter.get(-1), "the runner's own values are not visible");
                user.set("changed by wrapped");
            });
        });
        Runnable failing = Context.wrap((Runnable) () -> {
            user.set("set before failing");
            throw new IllegalStateException("boom");
        });
        String after = ThreadKind.PLATFORM.call(() -> {
            user.set("runner");
            counter.set(7);
            wrapped.run();
            assertEquals("runner", user.get());
            assertThrows(IllegalStateException.class, failing::run);
            return describeCurrent();
        });
        assertEquals("2:runner:7", after);
    }

    /** A wrapped body run on a thread that never had a context leaves it with none. */
    @Test
    void wrappedRunOnAContextlessThreadLeavesItContextless() throws Exception {
        Runnable wrapped = Context.empty().call(() -> {
            user.set("submitter");
            return Context.wrap(() -> {
                counter.set(1);
            });
        });
        String after = ThreadKind.VIRTUAL.call(() -> {
            wrapped.run();
            return describeCurrent();
        });
        assertEquals("0:nobody:-1", after);
    }

    // ---------------------------------------------------------------- ContextExecutors

    /**
     * The TransmittableThreadLocal trap: a fixed pool whose worker is created during the first
     * submit. Each wrapped task sees the value at its own submit time, never the worker's
     * creation-time context, and a raw submit to the same pool sees an empty context.
     */
    @Test
    void poolWorkerNeverSeesAStaleContext() throws Exception {
        ExecutorService raw = Executors.newFixedThreadPool(1);
        ExecutorService pool = ContextExecutors.wrap(raw);
        try {
            Context.empty().run(() -> {
                try {
                    user.set("first");
                    Future<String> f1 = pool.submit(this::describeCurrent); // creates the worker now
                    user.set("second");
                    counter.set(2);
                    Future<String> f2 = pool.submit(this::describeCurrent);
                    Future<String> rawSeen = raw.submit(this::describeCurrent);
                    user.set("third");
                    Future<String> f3 = pool.submit(() -> {
                        counter.set(99); // must not stick to the worker
                        return describeCurrent();
                    });
                    Future<String> rawAfter = raw.submit(this::describeCurrent);
                    assertEquals("1:first:-1", f1.get(10, TimeUnit.SECONDS));
                    assertEquals("2:second:2", f2.get(10, TimeUnit.SECONDS));
                    assertEquals("0:nobody:-1", rawSeen.get(10, TimeUnit.SECONDS));
                    assertEquals("2:third:99", f3.get(10, TimeUnit.SECONDS));
                    assertEquals("0:nobody:-1", rawAfter.get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            shutdown(pool);
        }
        assertTrue(raw.isShutdown(), "shutting down the wrapper shuts down the delegate");
    }

    /** Every submission path of a wrapped ExecutorService carries the submitter's context. */
    @Test
    void everySubmitPathCarriesTheSubmittersContext() throws Exception {
        ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(2));
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        try {
            Context.empty().run(() -> {
                try {
                    user.set("submitter");
                    CountDownLatch executed = new CountDownLatch(1);
                    pool.execute(() -> {
                        seen.add("execute:" + user.get());
                        executed.countDown();
                    });
                    TestSupport.await(executed, "executed");
                    pool.submit(() -> {
                        seen.add("submit-runnable:" + user.get());
                    }).get(10, TimeUnit.SECONDS);
                    assertEquals("result", pool.submit(() -> seen.add("submit-result:" + user.get()), "result")
                            .get(10, TimeUnit.SECONDS));
                    assertEquals("submitter", pool.submit(() -> user.get()).get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            shutdown(pool);
        }
        assertEquals(List.of("execute:submitter", "submit-runnable:submitter", "submit-result:submitter"),
                List.copyOf(seen));
    }

    /** invokeAll and invokeAny (with and without timeouts) run every task in a copy of the submitter's context. */
    @Test
    void invokeAllAndInvokeAnyCarryTheSubmittersContext() throws Exception {
        ExecutorService pool = ContextExecutors.wrap(Executors.newFixedThreadPool(3));
        try {
            Context.empty().run(() -> {
                try {
                    user.set("caller");
                    List<Callable<String>> tasks = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        int n = i;
                        tasks.add(() -> {
                            String v = user.get() + n;
                            user.set("task" + n); // stays in the task's copy
                            return v;
                        });
                    }
                    List<String> all = new ArrayList<>();
                    for (Future<String> f : pool.invokeAll(tasks)) {
                        all.add(f.get());
                    }
                    assertEquals(List.of("caller0", "caller1", "caller2", "caller3", "caller4", "caller5"), all);
                    for (Future<String> f : pool.invokeAll(tasks, 10, TimeUnit.SECONDS)) {
                        assertTrue(f.get().startsWith("caller"));
                    }
                    assertTrue(pool.invokeAny(tasks).startsWith("caller"));
                    assertTrue(pool.invokeAny(tasks, 10, TimeUnit.SECONDS).startsWith("caller"));
                    assertEquals("caller", user.get());
                } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            shutdown(pool);
        }
    }

    /** ContextExecutors.wrap(Executor) carries the context captured at execute time. */
    @Test
    void wrappedPlainExecutorCarriesTheContextAtExecuteTime() throws Exception {
        ExecutorService service = Executors.newSingleThreadExecutor();
        Executor executor = ContextExecutors.wrap((Executor) service);
        try {
            AtomicReference<String> seen = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Context.empty().run(() -> {
                user.set("at-execute");
                executor.execute(() -> {
                    seen.set(describeCurrent());
                    done.countDown();
                });
                user.set("later");
            });
            TestSupport.await(done, "done");
            assertEquals("1:at-execute:-1", seen.get());
        } finally {
            shutdown(service);
        }
    }

    // ---------------------------------------------------------------- raw threads (CTX-12)

    /** CTX-12: raw platform and virtual threads start with an empty context: nothing is inherited (the chosen behaviour). */
    @Test
    void rawThreadsStartWithAnEmptyContext() throws Exception {
        Context.empty().run(() -> {
            user.set("parent");
            counter.set(1);
            try {
                for (ThreadKind kind : ThreadKind.values()) {
                    assertEquals("0:nobody:-1", kind.call(this::describeCurrent), kind.toString());
                }
                AtomicReference<String> seen = new AtomicReference<>();
                Thread legacy = new Thread(() -> seen.set(describeCurrent()));
                legacy.start();
                legacy.join();
                assertEquals("0:nobody:-1", seen.get());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** CTX-12: a thread given a context explicitly runs in it; given a new empty context, lookups fail. */
    @Test
    void threadGivenAContextExplicitlyRunsInIt() throws Exception {
        Context ctx = Context.empty().call(() -> {
            user.set("explicit");
            return Context.copyCurrent();
        });
        assertEquals("1:explicit:-1", ThreadKind.VIRTUAL.call(() -> ctx.call(this::describeCurrent)));
        assertEquals("ok", ThreadKind.PLATFORM.call(() -> Context.empty().call(() -> {
            assertThrows(NoSuchElementException.class, counter::get);
            return "ok";
        })));
    }

    /** CTX-11: pool threads that each set and get the same variable while sleeping always read their own value. */
    @Test
    void poolThreadsEachReadTheirOwnValue() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int task = 0; task < 8; task++) {
                int id = task;
                results.add(pool.submit(() -> {
                    int checks = 0;
                    for (int i = 0; i < 10; i++) {
                        int mine = id * 1000 + i;
                        counter.set(mine);
                        Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                        assertEquals(mine, counter.get());
                        checks++;
                    }
                    return checks;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(10, f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            shutdown(pool);
        }
    }

    // ---------------------------------------------------------------- TaskGroup tasks

    /** TCI-01/TCI-09: a task sees a copy taken at spawn: values set before, not after; its sets never reach the spawner. */
    @Test
    void taskSeesACopyTakenAtSpawnTime() {
        Context.empty().run(() -> {
            CountDownLatch parentChanged = new CountDownLatch(1);
            List<String> seen = TaskGroup.run(g -> {
                Task<String> early = g.spawn(() -> {
                    TestSupport.await(parentChanged, "parentChanged");
                    String v = user.get();
                    user.set("set by early");
                    return v;
                });
                user.set("parent");
                Task<String> late = g.spawn(() -> {
                    String v = user.get();
                    user.set("set by late");
                    return v;
                });
                String lateSeen = late.join();
                user.set("parent again");
                parentChanged.countDown();
                return List.of(early.join(), lateSeen, user.get());
            });
            assertEquals(List.of("nobody", "parent", "parent again"), seen);
            assertEquals("parent again", user.get());
        });
    }

    /** TCI-08-like: the copy a task ran in is its context(), and it holds the task's sets afterwards. */
    @Test
    void taskContextIsTheCopyItRanIn() {
        Context.empty().run(() -> {
            user.set("parent");
            Task<Void> t = TaskGroup.run(g -> g.spawn(() -> {
                user.set("child");
            }));
            assertEquals("child", t.context().get(user));
            assertEquals("parent", user.get());
            assertFalse(Context.copyCurrent().contains(counter));
        });
    }

    /** TCI-04/TCI-05: spawn(callable, ctx) runs in exactly ctx; its sets accumulate there across tasks run one after another. */
    @Test
    void taskGivenAContextRunsInExactlyThatContext() {
        Context ctx = Context.empty();
        Context.empty().run(() -> {
            user.set("spawner");
            TaskGroup.run(g -> {
                Callable<Integer> increment = () -> {
                    int v = counter.get(0) + 1;
                    counter.set(v);
                    assertEquals("nobody", user.get(), "not the spawner's context");
                    return v;
                };
                Task<Integer> first = g.spawn(increment, ctx);
                assertSame(ctx, first.context());
                assertEquals(1, first.join());
                return null;
            });
            TaskGroup.run(g -> {
                Task<Integer> second = g.spawn(() -> {
                    int v = counter.get(0) + 1;
                    counter.set(v);
                    return v;
                }, ctx);
                assertSame(ctx, second.context());
                return second.join();
            });
            assertFalse(Context.copyCurrent().contains(counter), "nothing reached the spawner");
        });
        assertEquals(2, ctx.get(counter));
        assertEquals(Map.of(counter, 2), ContextTest.contents(ctx));
    }

    /** TCI-04: ctx.copy() passed to spawn isolates the task: ctx itself keeps its values. */
    @Test
    void taskGivenACopyLeavesTheOriginalAlone() {
        Context ctx = Context.empty();
        ctx.run(() -> user.set("lifespan"));
        Context child = ctx.copy();
        String seen = TaskGroup.run(g -> g.spawn(() -> {
            String v = user.get();
            user.set("endpoint");
            return v;
        }, child).join());
        assertEquals("lifespan", seen);
        assertEquals("lifespan", ctx.get(user));
        assertEquals("endpoint", child.get(user));
    }

    /** A task spawned from a thread outside the group gets a copy of that thread's context, not the body's. */
    @Test
    void taskSpawnedFromAnotherThreadCopiesThatThreadsContext() {
        Context.empty().run(() -> {
            user.set("body");
            String seen = TaskGroup.run(g -> ThreadKind.PLATFORM.call(() -> {
                user.set("acceptor");
                return g.spawn(() -> user.get());
            }).join());
            assertEquals("acceptor", seen);
        });
    }

    /** Nested groups: a grandchild task sees its parent task's values at spawn time, and sets nothing above it. */
    @Test
    void grandchildTaskSeesItsParentTasksContext() {
        Context.empty().run(() -> {
            user.set("root");
            String seen = TaskGroup.run(g -> g.spawn(() -> {
                user.set("child");
                String inner = TaskGroup.run(g2 -> g2.spawn(() -> {
                    String v = user.get();
                    user.set("grandchild");
                    return v;
                }).join());
                assertEquals("child", user.get());
                return inner;
            }).join());
            assertEquals("child", seen);
            assertEquals("root", user.get());
        });
    }

    /** TCI-03: 100 concurrent tasks set the same variable, sleep random times and always read back their own value; the launcher keeps the default. */
    @Test
    void concurrentTasksEachKeepTheirOwnValue() {
        Context.empty().run(() -> {
            List<Integer> checked = TaskGroup.run(g -> {
                List<Task<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    int id = i;
                    tasks.add(g.spawn(() -> {
                        counter.set(id);
                        int reads = 0;
                        for (int round = 0; round < 5; round++) {
                            Weft.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(0, 4)));
                            assertEquals(id, counter.get());
                            reads++;
                        }
                        return reads;
                    }));
                }
                List<Integer> out = new ArrayList<>();
                for (Task<Integer> t : tasks) {
                    out.add(t.join());
                }
                return out;
            });
            assertEquals(100, checked.size());
            assertTrue(checked.stream().allMatch(n -> n == 5));
            assertNull(counter.get(null), "the launcher's context keeps no value");
            assertEquals("nobody", user.get());
        });
    }
}
