package dev.weft.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Cancellation across gRPC calls: a cancelled caller cancels the call, a gone client cancels the handler's tree. */
class GrpcCancellationTest {
    static final int TASKS = 3;

    /** A handler that spawns {@link #TASKS} tasks that sleep 30 s and records how each ended. */
    static final class TreeHandler implements Echo.Handler {
        final CountDownLatch started = new CountDownLatch(TASKS);
        final CountDownLatch cancelled = new CountDownLatch(TASKS);
        final ConcurrentLinkedQueue<String> other = new ConcurrentLinkedQueue<>();
        final CountDownLatch handlerEnded = new CountDownLatch(1);

        @Override
        public String call(String request) {
            try {
                return TaskGroup.run(g -> {
                    for (int i = 0; i < TASKS; i++) {
                        g.spawn(() -> {
                            started.countDown();
                            try {
                                Weft.sleep(Duration.ofSeconds(30));
                                other.add("task finished its sleep");
                            } catch (CancelledException e) {
                                cancelled.countDown();
                                throw e;
                            }
                            return null;
                        });
                    }
                    return "done";
                });
            } finally {
                handlerEnded.countDown();
            }
        }

        void awaitCancelled() throws InterruptedException {
            assertTrue(cancelled.await(5, TimeUnit.SECONDS), "every task of the handler was cancelled: "
                    + cancelled.getCount() + " of " + TASKS + " left");
            assertTrue(handlerEnded.await(5, TimeUnit.SECONDS), "the handler ended");
            assertTrue(other.isEmpty(), other.toString());
        }
    }

    /** A client that cancels mid-call cancels every task the server's handler spawned. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void clientCancelCancelsServerTaskGroup(Fixture.Transport t) throws Exception {
        TreeHandler h = new TreeHandler();
        try (Fixture f = new Fixture(t, Echo.service(h), WeftServerInterceptor.create(), WeftClientInterceptor.create())) {
            ClientCall<String, String> call = f.channel.newCall(Echo.CALL, CallOptions.DEFAULT);
            CompletableFuture<Status> closed = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
            call.request(1);
            call.sendMessage("x");
            call.halfClose();
            assertTrue(h.started.await(5, TimeUnit.SECONDS), "the handler's tasks started");
            long t0 = System.nanoTime();
            call.cancel("test cancels", null);
            h.awaitCancelled();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2000, "server tree cancelled in " + ms + " ms");
            assertEquals(Status.Code.CANCELLED, closed.get(5, TimeUnit.SECONDS).getCode());
        }
    }

    /** Cancelling the weft scope that made a call cancels the call, for async, future and blocking stubs. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void cancellingCallingScopeCancelsCall(Fixture.Transport t) throws Exception {
        for (String shape : new String[] {"async", "future", "blocking"}) {
            TreeHandler h = new TreeHandler();
            try (Fixture f = new Fixture(t, Echo.service(h), WeftServerInterceptor.create(), WeftClientInterceptor.create())) {
                CompletableFuture<Throwable> error = new CompletableFuture<>();
                java.util.concurrent.atomic.AtomicReference<CancelScope> scope = new java.util.concurrent.atomic.AtomicReference<>();
                Object result = TaskGroup.run(g -> {
                    var caller = g.spawn(() -> CancelScope.run(s -> {
                        scope.set(s);
                        switch (shape) {
                            case "async" -> {
                                Echo.async(f.channel).call("x", GrpcDeadlineTest.observer(error));
                                Weft.sleep(Duration.ofSeconds(30)); // a weft wait: no interrupt reaches gRPC
                            }
                            case "future" -> {
                                var fut = Echo.future(f.channel).call("x");
                                // Whichever comes first, weft's interrupt of get() or the call's
                                // cancel by onCancel (an SRE carrying CancelledByWeftException), is
                                // the scope's cancellation; the future must end cancelled either way.
                                fut.addListener(() -> {
                                    try {
                                        com.google.common.util.concurrent.Futures.getDone(fut);
                                        error.complete(null);
                                    } catch (ExecutionException e) {
                                        error.complete(e.getCause());
                                    }
                                }, Runnable::run);
                                try {
                                    fut.get();
                                } catch (ExecutionException e) {
                                    throw (StatusRuntimeException) e.getCause();
                                }
                            }
                            default -> {
                                try {
                                    Echo.blocking(f.channel).call("x");
                                } catch (StatusRuntimeException e) {
                                    error.complete(e);
                                    throw e;
                                }
                            }
                        }
                        return "not cancelled";
                    }));
                    assertTrue(h.started.await(5, TimeUnit.SECONDS), shape + ": the handler's tasks started");
                    scope.get().cancel();
                    return caller.join();
                });
                assertNull(result, shape + ": the caller's scope absorbed its cancellation");
                h.awaitCancelled();
                Throwable e = error.get(5, TimeUnit.SECONDS);
                StatusRuntimeException sre = assertInstanceOf(StatusRuntimeException.class, e, shape);
                assertEquals(Status.Code.CANCELLED, sre.getStatus().getCode(), shape);
                assertFalse(Thread.currentThread().isInterrupted());
            }
        }
    }

    /** A client whose connection drops mid-call (channel shut down) cancels the server's task group. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void clientDisconnectCancelsServerTaskGroup(Fixture.Transport t) throws Exception {
        TreeHandler h = new TreeHandler();
        AtomicInteger errors = new AtomicInteger();
        CompletableFuture<Throwable> ended = new CompletableFuture<>() {
            @Override
            public boolean complete(Throwable value) {
                errors.incrementAndGet();
                return super.complete(value);
            }
        };
        try (Fixture f = new Fixture(t, Echo.service(h), WeftServerInterceptor.create(), WeftClientInterceptor.create())) {
            Echo.async(f.channel).call("x", GrpcDeadlineTest.observer(ended));
            assertTrue(h.started.await(5, TimeUnit.SECONDS));
            f.raw.shutdownNow();
            h.awaitCancelled();
        }
        // The channel delivers the observer's onError on its own executor, possibly after close.
        assertInstanceOf(StatusRuntimeException.class, ended.get(5, TimeUnit.SECONDS));
        assertEquals(1, errors.get(), "the client saw the call end once");
    }
}
