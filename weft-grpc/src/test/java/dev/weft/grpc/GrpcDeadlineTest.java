package dev.weft.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.CancelledException;
import dev.weft.ContextVar;
import dev.weft.DeadlineExceededException;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Deadlines and their outcomes across gRPC calls, in process and over loopback Netty. */
class GrpcDeadlineTest {
    static final WeftServerInterceptor SERVER = WeftServerInterceptor.create();
    static final WeftClientInterceptor CLIENT = WeftClientInterceptor.create();

    /** The budget the handler sees is never more than what the client had left when it sent the call. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void receivedBudgetNeverExceedsSentBudget(Fixture.Transport t) throws Exception {
        AtomicLong seen = new AtomicLong();
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            seen.set(Timeout.remaining().orElseThrow().toNanos());
            return "ok";
        }), SERVER, CLIENT)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            for (int i = 0; i < 20; i++) {
                long[] before = new long[1];
                Timeout.failAfter(Duration.ofMillis(800), () -> {
                    before[0] = Timeout.remaining().orElseThrow().toNanos();
                    return stub.call("x");
                });
                assertTrue(seen.get() > 0, "the handler saw a budget");
                assertTrue(seen.get() <= before[0], "handler budget " + seen.get() + " ns > sent " + before[0] + " ns");
            }
        }
    }

    /** A shorter CallOptions deadline wins over weft's, and its expiry stays gRPC's own status. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void earlierCallOptionsDeadlineWinsAndIsNotMapped(Fixture.Transport t) throws Exception {
        AtomicLong seen = new AtomicLong();
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            seen.set(Timeout.remaining().orElseThrow().toMillis());
            Weft.sleep(Duration.ofSeconds(5));
            return "late";
        }), SERVER, CLIENT)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel).withDeadlineAfter(150, TimeUnit.MILLISECONDS);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> Timeout.failAfter(Duration.ofSeconds(10), () -> stub.call("x")));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            assertFalse(CancelledByWeftException.isWeftCancellation(e), "gRPC's own deadline is not weft's");
            assertTrue(seen.get() <= 150, "handler saw " + seen.get() + " ms");
        }
    }

    /** Weft's deadline ends a blocking-stub call with DeadlineExceededException, and the handler is cancelled. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void weftDeadlineGivesDeadlineExceededExceptionOnBlockingStub(Fixture.Transport t) throws Exception {
        CountDownLatch handlerCancelled = new CountDownLatch(1);
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            if (req.equals("warm-up")) {
                return req;
            }
            try {
                Weft.sleep(Duration.ofSeconds(2));
                return "late";
            } catch (CancelledException e) {
                handlerCancelled.countDown();
                throw e;
            }
        }), SERVER, CLIENT)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            stub.call("warm-up"); // connect and load classes outside the 200 ms budget
            long t0 = System.nanoTime();
            DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                    () -> Timeout.failAfter(Duration.ofMillis(200), () -> stub.call("x")));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1500, "took " + ms + " ms");
            assertFalse(Thread.currentThread().isInterrupted(), "no interrupt leaked");
            assertTrue(handlerCancelled.await(2, TimeUnit.SECONDS), "the handler was cancelled");
            // The deadline's cause is the cancellation, which carries the call's own failure.
            CancelledException cancelled = assertInstanceOf(CancelledException.class, e.getCause(), "the cancellation is the cause");
            assertInstanceOf(StatusRuntimeException.class, cancelled.getCause(), "the call's own failure is the cancellation's cause");
        }
    }

    /** An async stub's observer gets DEADLINE_EXCEEDED with weft's cause when weft's deadline ends the call. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void asyncStubSeesWeftDeadline(Fixture.Transport t) throws Exception {
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            Weft.sleep(Duration.ofSeconds(2));
            return "late";
        }), SERVER, CLIENT)) {
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            Timeout.moveOnAfter(Duration.ofMillis(150), () -> {
                Echo.async(f.channel).call("x", observer(error));
                Weft.sleep(Duration.ofSeconds(5));
                return null;
            });
            Throwable e = error.get(5, TimeUnit.SECONDS);
            StatusRuntimeException sre = assertInstanceOf(StatusRuntimeException.class, e);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, sre.getStatus().getCode());
            assertTrue(CancelledByWeftException.isWeftCancellation(sre));
            assertTrue(((CancelledByWeftException) sre.getCause()).byDeadline());
        }
    }

    /** A deadline already passed fails the call before it is sent, as weft's own cancellation. */
    @Test
    void passedDeadlineFailsBeforeSending() throws Exception {
        AtomicLong calls = new AtomicLong();
        try (Fixture f = new Fixture(Fixture.Transport.IN_PROCESS, Echo.service(req -> {
            calls.incrementAndGet();
            return "ok";
        }), SERVER, CLIENT)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ZERO, () -> stub.call("x")));
            assertEquals(0, calls.get());
        }
    }

    /** A client without weft's deadline and with an absurd one (ten years) gets the server's maximum. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void absurdOrMissingDeadlineIsClampedToServerMaximum(Fixture.Transport t) throws Exception {
        AtomicLong seen = new AtomicLong();
        WeftServerInterceptor server = WeftServerInterceptor.builder().maxDeadline(Duration.ofSeconds(3)).build();
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            seen.set(Timeout.remaining().orElseThrow().toMillis());
            return "ok";
        }), server, CLIENT)) {
            Echo.blocking(f.channel).withDeadlineAfter(3650, TimeUnit.DAYS).call("x");
            assertTrue(seen.get() > 0 && seen.get() <= 3000, "absurd: handler saw " + seen.get() + " ms");
            Echo.blocking(f.channel).call("x");
            assertTrue(seen.get() > 0 && seen.get() <= 3000, "missing: handler saw " + seen.get() + " ms");
        }
    }

    /** The server's maximum must be a sane positive duration. */
    @Test
    void maxDeadlineRejectsNonsense() {
        var b = WeftServerInterceptor.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.maxDeadline(Duration.ZERO));
        assertTrue(e.getMessage().contains("maxDeadline"));
        assertThrows(IllegalArgumentException.class, () -> b.maxDeadline(Duration.ofDays(2)));
    }

    /** A handler's DeadlineExceededException and CancelledException become DEADLINE_EXCEEDED and CANCELLED. */
    @Test
    void handlerExceptionsMapToStatuses() throws Exception {
        AtomicReference<String> mode = new AtomicReference<>();
        try (Fixture f = new Fixture(Fixture.Transport.IN_PROCESS, Echo.service(req -> {
            if (req.equals("deadline")) {
                return Timeout.failAfter(Duration.ofMillis(10), () -> {
                    Weft.sleep(Duration.ofSeconds(5));
                    return "late";
                });
            }
            return cancelledJoin();
        }), SERVER, CLIENT)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.call("deadline"));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            e = assertThrows(StatusRuntimeException.class, () -> stub.call("cancel"));
            assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
            mode.set("done");
        }
    }

    /** Throws the CancelledException of joining a task that ended cancelled, outside any cancelled scope. */
    private static String cancelledJoin() {
        @SuppressWarnings("unchecked")
        Task<String>[] task = new Task[1];
        TaskGroup.run(g -> {
            task[0] = g.spawn(() -> {
                Weft.sleep(Duration.ofSeconds(5));
                return "late";
            });
            task[0].cancel();
            return null;
        });
        return task[0].join();
    }

    /** Declared context variables travel as metadata; bad values get INVALID_ARGUMENT naming the header. */
    @ParameterizedTest
    @EnumSource(Fixture.Transport.class)
    void declaredContextVarsTravelAsMetadata(Fixture.Transport t) throws Exception {
        ContextVar<Integer> tenant = ContextVar.of("tenant");
        MetadataVar<Integer> header = MetadataVar.of(tenant, "x-tenant", String::valueOf, Integer::valueOf);
        var client = WeftClientInterceptor.builder().propagate(header).build();
        var server = WeftServerInterceptor.builder().propagate(header).build();
        try (Fixture f = new Fixture(t, Echo.service(req -> "tenant=" + tenant.get(-1)), server, client)) {
            Echo.BlockingStub stub = Echo.blocking(f.channel);
            assertEquals("tenant=-1", stub.call("x"));
            try (var tok = tenant.set(42)) {
                assertEquals("tenant=42", stub.call("x"));
            }
            ContextVar<String> raw = ContextVar.of("raw");
            var badClient = WeftClientInterceptor.builder().propagate(MetadataVar.ofString(raw, "x-tenant")).build();
            var badStub = Echo.blocking(io.grpc.ClientInterceptors.intercept(f.raw, badClient));
            try (var tok = raw.set("forty-two")) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> badStub.call("x"));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("x-tenant"), e.getStatus().getDescription());
            }
        }
    }

    /** Metadata names that gRPC reserves or that need binary values are refused with the rule. */
    @Test
    void metadataVarRejectsBadNames() {
        ContextVar<String> v = ContextVar.of("v");
        for (String bad : new String[] {"X-Upper", "grpc-timeout", "x-bin", "", "a b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetadataVar.ofString(v, bad));
            assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
        }
    }

    /** Running the tests with no weft at all on the thread changes nothing for plain gRPC. */
    @Test
    void plainCallWithoutWeftScopeWorks() throws Exception {
        try (Fixture f = new Fixture(Fixture.Transport.IN_PROCESS, Echo.service(req -> "hi " + req), SERVER, CLIENT)) {
            assertEquals("hi x", Echo.blocking(f.channel).call("x"));
            assertEquals("hi y", Echo.future(f.channel).call("y").get(5, TimeUnit.SECONDS));
            assertEquals("hi z", TaskGroup.run(g -> g.spawn(() -> Echo.blocking(f.channel).call("z")).join()));
        }
    }

    static StreamObserver<String> observer(CompletableFuture<Throwable> error) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
            }

            @Override
            public void onError(Throwable t) {
                error.complete(t);
            }

            @Override
            public void onCompleted() {
                error.complete(null);
            }
        };
    }
}
