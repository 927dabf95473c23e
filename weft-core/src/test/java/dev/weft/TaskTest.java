package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.WAKE_BOUND;
import static dev.weft.TestSupport.await;
import static dev.weft.TestSupport.awaitBlocked;
import static dev.weft.TestSupport.millisSince;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.Background;
import dev.weft.TestSupport.ThreadKind;
import dev.weft.TestSupport.Trail;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Task}: its states, {@link Task#join()}, {@link Task#cancel()}, its context, and how a
 * task blocked in a JDK call is woken by cancellation (story 004 of {@code docs/stories.md}: sleep, monitors, locks, queues,
 * futures, sockets, {@code HttpClient.send}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskTest {
    private static final ContextVar<String> V = ContextVar.of("task-test-v");

    /** A task is RUNNING until its body returns, then SUCCESS; join returns the value. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void joinReturnsTheValueAndStatesFollowTheTable(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            Task<String> t = TaskGroup.run(g -> {
                CountDownLatch release = new CountDownLatch(1);
                Task<String> task = g.spawn(() -> {
                    release.await();
                    return "v";
                });
                assertEquals(Task.State.RUNNING, task.state());
                assertFalse(task.isDone());
                assertFalse(task.isCancelled());
                release.countDown();
                assertEquals("v", task.join());
                assertEquals(Task.State.SUCCESS, task.state());
                assertTrue(task.isDone());
                return task;
            });
            assertEquals("v", t.join());
            assertTrue(t.toString().contains(t.name()) && t.toString().contains("SUCCESS"), t.toString());
        });
    }

    /**
     * join on a failed task throws {@link TaskFailedException} whose cause is the very failure
     * and which names the task, from any thread, after the group finished.
     */
    @Test
    void joinOnFailedTaskThrowsTaskFailedExceptionWithTheCause() throws Throwable {
        IOException failure = new IOException("disk");
        AtomicReference<Task<?>> task = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("jf", g -> {
            task.set(g.spawn(() -> {
                throw failure;
            }));
            return null;
        }));
        assertEquals(List.of(failure), eg.exceptions());
        Task<?> t = task.get();
        assertEquals(Task.State.FAILED, t.state());
        assertFalse(t.isCancelled());
        TaskFailedException e = assertThrows(TaskFailedException.class, t::join);
        assertSame(failure, e.getCause());
        assertEquals("jf-0", e.taskName());
        assertTrue(e.getMessage().contains("jf-0"), e.getMessage());
        Background.start(ThreadKind.VIRTUAL, "joiner", () -> {
            TaskFailedException again = assertThrows(TaskFailedException.class, t::join);
            assertSame(failure, again.getCause());
        }).join();
    }

    /**
     * join on a cancelled task throws {@link CancelledException} in the joiner, which is itself
     * not cancelled: it goes on and succeeds.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void joinOnCancelledTaskThrowsCancelledWithoutCancellingTheJoiner(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> joiner = new AtomicReference<>();
            AtomicReference<Task<String>> victim = new AtomicReference<>();
            TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                victim.set(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(FOREVER);
                    return "victim";
                }));
                joiner.set(g.spawn(() -> {
                    started.await();
                    assertThrows(CancelledException.class, victim.get()::join);
                    Weft.sleep(Duration.ofMillis(1));
                    return "joiner went on";
                }));
                await(started, "victim started");
                awaitBlocked(joiner.get());
                victim.get().cancel();
                return null;
            });
            assertEquals(Task.State.CANCELLED, victim.get().state());
            assertTrue(victim.get().isCancelled());
            assertEquals("joiner went on", joiner.get().join());
            assertThrows(CancelledException.class, victim.get()::join);
        });
    }

    /** A task that joins itself gets {@link IllegalStateException} instead of waiting forever. */
    @Test
    void taskCannotJoinItself() {
        Task<Object> t = TaskGroup.run(g -> {
            AtomicReference<Task<Object>> self = new AtomicReference<>();
            CountDownLatch published = new CountDownLatch(1);
            Task<Object> task = g.spawn(() -> {
                published.await();
                try {
                    return self.get().join();
                } catch (IllegalStateException e) {
                    return e;
                }
            });
            self.set(task);
            published.countDown();
            return task;
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, t.join());
        assertTrue(e.getMessage().contains(t.name()), e.getMessage());
    }

    /**
     * Cancelling a task that waits in join stops the joiner only: the task it waited for keeps
     * running and completes (CAN-13).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancellingAJoinerLeavesTheJoinedTaskRunning(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicReference<Task<String>> target = new AtomicReference<>();
            AtomicReference<Task<String>> joiner = new AtomicReference<>();
            TaskGroup.run(g -> {
                CountDownLatch release = new CountDownLatch(1);
                target.set(g.spawn(() -> {
                    release.await();
                    Weft.sleep(Duration.ofMillis(1));
                    return "target";
                }));
                joiner.set(g.spawn(() -> target.get().join()));
                awaitBlocked(joiner.get());
                joiner.get().cancel();
                assertThrows(CancelledException.class, joiner.get()::join);
                assertFalse(target.get().isDone());
                release.countDown();
                return null;
            });
            assertEquals(Task.State.CANCELLED, joiner.get().state());
            assertEquals("target", target.get().join());
        });
    }

    /** Many joiners (tasks and a thread outside the group) all receive the value. */
    @Test
    void severalJoinersAllGetTheValue() throws Throwable {
        List<Task<String>> joiners = new ArrayList<>();
        AtomicReference<Background> outsider = new AtomicReference<>();
        TaskGroup.run(g -> {
            CountDownLatch release = new CountDownLatch(1);
            Task<String> target = g.spawn(() -> {
                release.await();
                return "shared";
            });
            for (int i = 0; i < 10; i++) {
                joiners.add(g.spawn(() -> target.join()));
            }
            outsider.set(Background.start(ThreadKind.PLATFORM, "outside-joiner", () -> assertEquals("shared", target.join())));
            for (Task<String> j : joiners) {
                awaitBlocked(j);
            }
            release.countDown();
            return null;
        });
        outsider.get().join();
        for (Task<String> j : joiners) {
            assertEquals("shared", j.join());
        }
    }

    /** A task that catches its cancellation and returns normally ends SUCCESS with that value (CAN-06). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void taskCatchingCancellationAndReturningIsSuccess(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(2);
                tasks.add(g.spawn(() -> {
                    try {
                        started.countDown();
                        Weft.sleep(FOREVER);
                        return "slept";
                    } catch (CancelledException e) {
                        return "caught cancellation";
                    }
                }));
                tasks.add(g.spawn(() -> {
                    try {
                        started.countDown();
                        Thread.sleep(FOREVER);
                        return "slept";
                    } catch (InterruptedException e) {
                        return "caught interrupt";
                    }
                }));
                await(started, "tasks started");
                tasks.forEach(Task::cancel);
                return null;
            });
            assertEquals(Task.State.SUCCESS, tasks.get(0).state());
            assertEquals("caught cancellation", tasks.get(0).join());
            assertEquals(Task.State.SUCCESS, tasks.get(1).state());
            assertEquals("caught interrupt", tasks.get(1).join());
        });
    }

    /**
     * Inside a cancelled task every weft blocking call throws again, however often the body
     * swallows the exception; the task ends CANCELLED at the one it lets through (CAN-19).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancellationIsLevelTriggeredInsideATask(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            AtomicInteger swallowed = new AtomicInteger();
            Task<?> t = TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                Task<Object> task = g.spawn(() -> {
                    started.countDown();
                    for (int i = 0; i < 3; i++) {
                        try {
                            Weft.sleep(FOREVER);
                        } catch (CancelledException e) {
                            swallowed.incrementAndGet();
                        }
                    }
                    try {
                        Weft.checkpoint();
                    } catch (Exception e) { // the catch-all trap: harmless, level-triggered
                        swallowed.incrementAndGet();
                    }
                    Weft.checkpoint();
                    return "escaped";
                });
                await(started, "task started");
                task.cancel();
                return task;
            });
            assertEquals(4, swallowed.get());
            assertEquals(Task.State.CANCELLED, t.state());
        });
    }

    /** Task.cancel is idempotent, and does nothing to a task that already completed. */
    @Test
    void taskCancelIsIdempotentAndHasNoEffectAfterCompletion() {
        List<Task<String>> tasks = TaskGroup.run(g -> {
            Task<String> done = g.spawn(() -> "done");
            Task<String> sleeper = g.spawn(() -> {
                Weft.sleep(FOREVER);
                return "slept";
            });
            assertEquals("done", done.join());
            done.cancel();
            sleeper.cancel();
            sleeper.cancel();
            return List.of(done, sleeper);
        });
        tasks.getFirst().cancel();
        assertEquals(Task.State.SUCCESS, tasks.getFirst().state());
        assertEquals("done", tasks.getFirst().join());
        assertEquals(Task.State.CANCELLED, tasks.get(1).state());
    }

    /**
     * A task that cancels itself ends CANCELLED only if it meets a checkpoint afterwards; one that
     * returns first ends SUCCESS with its value (CAN-08 differs, as CAN-21: an undelivered
     * cancellation changes nothing).
     */
    @Test
    void taskCancellingItselfEndsCancelledOnlyIfItMeetsACheckpoint() throws Exception {
        Trail trail = new Trail();
        AtomicReference<Task<String>> quietRef = new AtomicReference<>();
        AtomicReference<Task<String>> checkingRef = new AtomicReference<>();
        AtomicBoolean passedCheckpoint = new AtomicBoolean();
        List<Task<String>> tasks = TaskGroup.run(g -> {
            Task<String> quiet = g.spawn(() -> {
                trail.awaitSteps(1);
                quietRef.get().cancel();
                trail.expect(2);
                return "returned";
            });
            Task<String> checking = g.spawn(() -> {
                trail.awaitSteps(2);
                checkingRef.get().cancel();
                trail.expect(3);
                Weft.checkpoint();
                passedCheckpoint.set(true);
                return "not reached";
            });
            quietRef.set(quiet);
            checkingRef.set(checking);
            trail.expect(1);
            return List.of(quiet, checking);
        });
        trail.expectSteps(3);
        assertEquals(Task.State.SUCCESS, tasks.get(0).state());
        assertEquals("returned", tasks.get(0).join());
        assertEquals(Task.State.CANCELLED, tasks.get(1).state());
        assertFalse(passedCheckpoint.get());
    }

    /** A task cancelled right after spawn still starts and runs up to its first weft call (TG-31). */
    @Test
    void cancelledTaskRunsUntilItsFirstCheckpoint() {
        for (int i = 0; i < 200; i++) {
            AtomicBoolean started = new AtomicBoolean();
            AtomicBoolean cancelCalled = new AtomicBoolean();
            AtomicBoolean passed = new AtomicBoolean();
            Task<?> t = TaskGroup.run(g -> {
                Task<Object> task = g.spawn(() -> {
                    started.set(true);
                    while (!cancelCalled.get()) {
                        Thread.onSpinWait(); // not a cancellation point: the task must not finish first
                    }
                    Weft.checkpoint();
                    passed.set(true);
                    return null;
                });
                task.cancel();
                cancelCalled.set(true);
                return task;
            });
            assertTrue(started.get(), "iteration " + i);
            assertFalse(passed.get(), "iteration " + i);
            assertEquals(Task.State.CANCELLED, t.state(), "iteration " + i);
        }
    }

    /**
     * A task runs in a copy of its spawner's context taken at spawn: it sees sets made before
     * spawn, not after; its own sets stay in its copy (TCI-01, TCI-09).
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void taskRunsInACopyOfSpawnersContextTakenAtSpawn(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            List<Task<String>> tasks = new ArrayList<>();
            TaskGroup.run(g -> {
                CountDownLatch release = new CountDownLatch(1);
                tasks.add(g.spawn(() -> V.get("unset")));
                try (Token<String> ignored = V.set("before")) {
                    tasks.add(g.spawn(() -> {
                        release.await();
                        String seen = V.get();
                        V.set("child's own");
                        return seen;
                    }));
                    V.set("after");
                    tasks.add(g.spawn(() -> V.get()));
                    release.countDown();
                    tasks.get(1).join();
                    assertEquals("after", V.get(), "the child's set reached the spawner");
                }
                return null;
            });
            assertEquals(List.of("unset", "before", "after"), tasks.stream().map(Task::join).toList());
            assertEquals("child's own", tasks.get(1).context().get(V));
            assertFalse(tasks.getFirst().context().contains(V));
        });
    }

    /** A task given a context runs in that very object and exposes it as context() (TCI-04, TCI-05). */
    @Test
    void taskGivenAContextRunsInThatExactObject() {
        Context ctx = Context.empty();
        Task<String> t = TaskGroup.run(g -> g.spawn(() -> {
            V.set("set by task");
            return V.get();
        }, ctx));
        assertSame(ctx, t.context());
        assertEquals("set by task", t.join());
        assertEquals("set by task", ctx.get(V));
        assertNull(Context.copyCurrent().get(V));
    }

    /** spawn(Action) runs a void body: join returns null, a checked failure is kept as is. */
    @Test
    void spawnActionRunsAVoidBody() {
        AtomicBoolean ran = new AtomicBoolean();
        IOException failure = new IOException("void failure");
        AtomicReference<Task<Void>> ok = new AtomicReference<>();
        AtomicReference<Task<Void>> bad = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            ok.set(g.spawn(() -> ran.set(true)));
            ok.get().join();
            bad.set(g.spawn(() -> {
                throw failure;
            }));
            return null;
        }));
        assertTrue(ran.get());
        assertNull(ok.get().join());
        assertEquals(List.of(failure), eg.exceptions());
        assertSame(failure, assertThrows(TaskFailedException.class, bad.get()::join).getCause());
    }

    /**
     * An InterruptedException that weft did not cause (the task interrupted itself, nothing is
     * cancelled) is a failure, not a cancellation.
     */
    @Test
    void interruptedExceptionWithoutCancellationIsAFailure() {
        AtomicReference<Task<?>> task = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            task.set(g.spawn(() -> {
                Thread.currentThread().interrupt();
                Thread.sleep(FOREVER);
                return null;
            }));
            return null;
        }));
        assertInstanceOf(InterruptedException.class, eg.exceptions().getFirst());
        assertEquals(Task.State.FAILED, task.get().state());
    }

    // ---------------------------------------------------------------------------------------
    // JDK blocking calls (story 004)

    /** The JDK blocking calls a cancelled task must wake from. */
    enum JdkBlocker {
        THREAD_SLEEP, OBJECT_WAIT, LOCK_INTERRUPTIBLY, QUEUE_TAKE, FUTURE_GET, SOCKET_READ, HTTP_SEND;

        /** Counts {@code ready} down, then blocks until cancelled (or returns what it got). */
        Object block(Fixture f, CountDownLatch ready) throws Exception {
            switch (this) {
                case THREAD_SLEEP -> {
                    ready.countDown();
                    Thread.sleep(FOREVER);
                    return "slept";
                }
                case OBJECT_WAIT -> {
                    synchronized (f.monitor) {
                        ready.countDown();
                        for (;;) {
                            f.monitor.wait(); // nobody notifies: only an interrupt ends this
                        }
                    }
                }
                case LOCK_INTERRUPTIBLY -> {
                    ready.countDown();
                    f.lock.lockInterruptibly();
                    f.lock.unlock();
                    return "locked";
                }
                case QUEUE_TAKE -> {
                    ready.countDown();
                    return f.queue.take();
                }
                case FUTURE_GET -> {
                    ready.countDown();
                    return f.future.get();
                }
                case SOCKET_READ -> {
                    try (Socket s = new Socket()) {
                        s.connect(f.server.getLocalSocketAddress());
                        ready.countDown();
                        return s.getInputStream().read();
                    }
                }
                case HTTP_SEND -> {
                    Object request = Http.request(f.uri);
                    ready.countDown();
                    return Http.send(f.client, request);
                }
            }
            throw new AssertionError(this);
        }
    }

    /** What a {@link JdkBlocker} blocks on; made and closed by the group's owner thread. */
    static final class Fixture implements AutoCloseable {
        final Object monitor = new Object();
        final ReentrantLock lock = new ReentrantLock();
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final CompletableFuture<String> future = new CompletableFuture<>();
        final CountDownLatch requestArrived = new CountDownLatch(1);
        private final CountDownLatch releaseHandler = new CountDownLatch(1);
        ServerSocket server;
        Object http;
        ExecutorService httpExecutor;
        Object client;
        URI uri;

        Fixture(JdkBlocker kind) throws Exception {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            switch (kind) {
                case LOCK_INTERRUPTIBLY -> lock.lock();
                case SOCKET_READ -> server = new ServerSocket(0, 50, loopback); // accepts, never writes
                case HTTP_SEND -> {
                    httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
                    http = Http.startServer(new InetSocketAddress(loopback, 0), httpExecutor, () -> {
                        requestArrived.countDown();
                        try {
                            releaseHandler.await(); // never answers while the test runs
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    uri = URI.create("http://" + loopback.getHostAddress() + ":" + Http.port(http) + "/");
                    client = Http.newClient();
                }
                default -> {
                }
            }
        }

        /** Waits until the blocked call has really reached its target, where that is observable. */
        void awaitArrival(JdkBlocker kind) throws InterruptedException {
            if (kind == JdkBlocker.HTTP_SEND) {
                await(requestArrived, "the HTTP request to reach the server");
            }
        }

        @Override
        public void close() throws Exception {
            if (lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
            if (server != null) {
                server.close();
            }
            releaseHandler.countDown();
            if (http != null) {
                Http.stop(http);
                httpExecutor.shutdownNow();
            }
            if (client != null) {
                Http.shutdown(client);
            }
        }
    }

    /**
     * {@code java.net.http.HttpClient} and {@code com.sun.net.httpserver.HttpServer}, reached
     * through method handles. The test sources compile as part of module {@code dev.weft}, which
     * does not read {@code java.net.http} or {@code jdk.httpserver} (and must not, for the
     * runtime's sake); the tests run on the class path, where both are readable. Method handles
     * rethrow the target's exceptions unwrapped, so an interrupted {@code send} throws its own
     * {@link InterruptedException}.
     */
    static final class Http {
        private static final MethodHandles.Lookup LOOKUP = MethodHandles.publicLookup();
        private static final Class<?> CLIENT = load("java.net.http.HttpClient");
        private static final Class<?> REQUEST = load("java.net.http.HttpRequest");
        private static final Class<?> REQUEST_BUILDER = load("java.net.http.HttpRequest$Builder");
        private static final Class<?> RESPONSE = load("java.net.http.HttpResponse");
        private static final Class<?> BODY_HANDLER = load("java.net.http.HttpResponse$BodyHandler");
        private static final Class<?> BODY_HANDLERS = load("java.net.http.HttpResponse$BodyHandlers");
        private static final Class<?> SERVER = load("com.sun.net.httpserver.HttpServer");
        private static final Class<?> CONTEXT = load("com.sun.net.httpserver.HttpContext");
        private static final Class<?> HANDLER = load("com.sun.net.httpserver.HttpHandler");
        private static final Class<?> EXCHANGE = load("com.sun.net.httpserver.HttpExchange");

        private Http() {
        }

        private static Class<?> load(String name) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Calls {@code c.name(params)} (static when {@code target} is null), rethrowing what it throws. */
        private static Object call(Class<?> c, String name, Class<?> ret, Class<?>[] params, Object target,
                Object... args) throws Exception {
            try {
                MethodType type = MethodType.methodType(ret, params);
                if (target == null) {
                    return LOOKUP.findStatic(c, name, type).invokeWithArguments(args);
                }
                MethodHandle mh = LOOKUP.findVirtual(c, name, type);
                Object[] all = new Object[args.length + 1];
                all[0] = target;
                System.arraycopy(args, 0, all, 1, args.length);
                return mh.invokeWithArguments(all);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        private static Class<?>[] types(Class<?>... types) {
            return types;
        }

        /** HttpClient.newHttpClient(). */
        static Object newClient() throws Exception {
            return call(CLIENT, "newHttpClient", CLIENT, types(), null);
        }

        /** HttpRequest.newBuilder(uri).GET().build(). */
        static Object request(URI uri) throws Exception {
            Object b = call(REQUEST, "newBuilder", REQUEST_BUILDER, types(URI.class), null, uri);
            b = call(REQUEST_BUILDER, "GET", REQUEST_BUILDER, types(), b);
            return call(REQUEST_BUILDER, "build", REQUEST, types(), b);
        }

        /** client.send(request, BodyHandlers.ofString()).body(), blocking. */
        static Object send(Object client, Object request) throws Exception {
            Object handler = call(BODY_HANDLERS, "ofString", BODY_HANDLER, types(), null);
            Object response = call(CLIENT, "send", RESPONSE, types(REQUEST, BODY_HANDLER), client, request, handler);
            return call(RESPONSE, "body", Object.class, types(), response);
        }

        /** client.shutdownNow(), then a bounded awaitTermination. */
        static void shutdown(Object client) throws Exception {
            call(CLIENT, "shutdownNow", void.class, types(), client);
            call(CLIENT, "awaitTermination", boolean.class, types(Duration.class), client, Duration.ofSeconds(5));
        }

        /**
         * Starts an HttpServer on {@code address} whose handler runs {@code onRequest} and then
         * closes the exchange without ever sending a response.
         */
        static Object startServer(InetSocketAddress address, ExecutorService executor, Runnable onRequest)
                throws Exception {
            Object server = call(SERVER, "create", SERVER, types(InetSocketAddress.class, int.class), null,
                    address, 0);
            call(SERVER, "setExecutor", void.class, types(java.util.concurrent.Executor.class), server, executor);
            Object handler = Proxy.newProxyInstance(Http.class.getClassLoader(), new Class<?>[] {HANDLER},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            try {
                                onRequest.run();
                            } finally {
                                call(EXCHANGE, "close", void.class, types(), args[0]);
                            }
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "never-answering handler";
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            call(SERVER, "createContext", CONTEXT, types(String.class, HANDLER), server, "/", handler);
            call(SERVER, "start", void.class, types(), server);
            return server;
        }

        /** The port a started server listens on. */
        static int port(Object server) throws Exception {
            return ((InetSocketAddress) call(SERVER, "getAddress", InetSocketAddress.class, types(), server)).getPort();
        }

        /** server.stop(0). */
        static void stop(Object server) throws Exception {
            call(SERVER, "stop", void.class, types(int.class), server, 0);
        }
    }

    static Stream<Arguments> blockersAndOwners() {
        return Stream.of(JdkBlocker.values())
                .flatMap(b -> Stream.of(ThreadKind.values()).map(o -> Arguments.of(b, o)));
    }

    /**
     * A task blocked in a JDK call wakes within {@link TestSupport#WAKE_BOUND} of
     * {@link TaskGroup#cancel()}, ends CANCELLED (not FAILED), and run returns normally (story 004 in {@code docs/stories.md}).
     */
    @ParameterizedTest(name = "{0} owned by {1}")
    @MethodSource("blockersAndOwners")
    void blockedJdkCallWakesOnGroupCancel(JdkBlocker blocker, ThreadKind owner) throws Throwable {
        owner.run(() -> {
            try (Fixture f = new Fixture(blocker)) {
                AtomicLong cancelledAt = new AtomicLong();
                AtomicReference<Task<Object>> task = new AtomicReference<>();
                String r = TaskGroup.run(g -> {
                    CountDownLatch ready = new CountDownLatch(1);
                    task.set(g.spawn(() -> blocker.block(f, ready)));
                    await(ready, blocker + " about to block");
                    f.awaitArrival(blocker);
                    awaitBlocked(task.get());
                    cancelledAt.set(System.nanoTime());
                    g.cancel();
                    return "body";
                });
                long ms = millisSince(cancelledAt.get());
                assertEquals("body", r);
                assertEquals(Task.State.CANCELLED, task.get().state(),
                        () -> blocker + " ended " + task.get().state() + ": " + describe(task.get()));
                assertTrue(ms < WAKE_BOUND.toMillis(), blocker + " took " + ms + " ms to wake");
            }
        });
    }

    /** The same, with the task cancelled alone by {@link Task#cancel()}: its sibling is untouched. */
    @ParameterizedTest
    @EnumSource(JdkBlocker.class)
    void blockedJdkCallWakesOnTaskCancel(JdkBlocker blocker) throws Throwable {
        try (Fixture f = new Fixture(blocker)) {
            List<Task<?>> tasks = new CopyOnWriteArrayList<>();
            long[] wokeIn = new long[1];
            TaskGroup.run(g -> {
                CountDownLatch ready = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                Task<Object> blocked = g.spawn(() -> blocker.block(f, ready));
                tasks.add(blocked);
                tasks.add(g.spawn(() -> {
                    release.await();
                    return "sibling";
                }));
                await(ready, blocker + " about to block");
                f.awaitArrival(blocker);
                awaitBlocked(blocked);
                long t0 = System.nanoTime();
                blocked.cancel();
                assertThrows(CancelledException.class, blocked::join);
                wokeIn[0] = millisSince(t0);
                release.countDown();
                return null;
            });
            assertEquals(Task.State.CANCELLED, tasks.get(0).state(), () -> describe(tasks.getFirst()));
            assertEquals(Task.State.SUCCESS, tasks.get(1).state());
            assertTrue(wokeIn[0] < WAKE_BOUND.toMillis(), blocker + " took " + wokeIn[0] + " ms to wake");
        }
    }

    private static String describe(Task<?> t) {
        try {
            return String.valueOf(t.join());
        } catch (TaskFailedException e) {
            return "failed with " + e.getCause();
        } catch (CancelledException e) {
            return "cancelled";
        }
    }
}
