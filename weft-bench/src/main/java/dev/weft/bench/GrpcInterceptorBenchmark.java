package dev.weft.bench;

import dev.weft.Timeout;
import dev.weft.grpc.WeftClientInterceptor;
import dev.weft.grpc.WeftServerInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-call cost of weft-grpc's interceptors: one blocking unary call over gRPC's in-process
 * transport (direct executors on both sides, so that no thread hand-off hides the difference),
 * with a one-minute deadline that never fires, set four ways:
 * <ul>
 * <li>{@link #plainContextDeadline}: plain gRPC, the deadline on gRPC's own {@code Context}
 *     ({@code Context.current().withDeadlineAfter(...).call(...)}), the baseline;
 * <li>{@link #plainCallOptionsDeadline}: plain gRPC, the deadline in {@code CallOptions};
 * <li>{@link #weftInterceptors}: weft's client and server interceptors, the deadline from
 *     {@code Timeout.failAfter} around the call (the client reads it, sends it; the server builds
 *     a weft deadline scope and context from it);
 * <li>{@link #weftInterceptorsNoDeadline}: the same interceptors without a weft deadline (the
 *     server's default maximum applies).
 * </ul>
 * The difference between {@link #weftInterceptors} and {@link #plainContextDeadline} is what weft
 * adds per call. Messages are tiny byte arrays, so the transport's own cost is all that is left.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-preview")
public class GrpcInterceptorBenchmark {
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("bench.Echo/Call")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    static final byte[] REQUEST = {1, 2, 3, 4};
    static final Duration MINUTE = Duration.ofMinutes(1);

    private Server plainServer;
    private Server weftServer;
    private ManagedChannel plainChannel;
    private ManagedChannel weftRaw;
    private Channel weftChannel;
    private ScheduledExecutorService scheduler;

    private static ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("bench.Echo")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] req, io.grpc.stub.StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .build();
    }

    /** Starts two in-process servers, one plain and one with weft's server interceptor. */
    @Setup(Level.Trial)
    public void setUp() throws java.io.IOException {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        plainServer = InProcessServerBuilder.forName("bench-plain").directExecutor().addService(service()).build().start();
        weftServer = InProcessServerBuilder.forName("bench-weft").directExecutor()
                .addService(ServerInterceptors.intercept(service(), WeftServerInterceptor.create())).build().start();
        plainChannel = InProcessChannelBuilder.forName("bench-plain").directExecutor().build();
        weftRaw = InProcessChannelBuilder.forName("bench-weft").directExecutor().build();
        weftChannel = ClientInterceptors.intercept(weftRaw, WeftClientInterceptor.create());
    }

    /** Stops the servers and channels. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        plainChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        weftRaw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        plainServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        weftServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        scheduler.shutdownNow();
    }

    /**
     * Plain gRPC, deadline on gRPC's {@code Context}: the baseline.
     *
     * @return the reply
     * @throws Exception never
     */
    @Benchmark
    public byte[] plainContextDeadline() throws Exception {
        Context.CancellableContext c = Context.current().withDeadlineAfter(1, TimeUnit.MINUTES, scheduler);
        try {
            return c.call(() -> ClientCalls.blockingUnaryCall(plainChannel, ECHO, CallOptions.DEFAULT, REQUEST));
        } finally {
            c.cancel(null);
        }
    }

    /**
     * Plain gRPC, deadline in {@code CallOptions}.
     *
     * @return the reply
     */
    @Benchmark
    public byte[] plainCallOptionsDeadline() {
        return ClientCalls.blockingUnaryCall(plainChannel, ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.MINUTES), REQUEST);
    }

    /**
     * weft's interceptors on both sides, deadline from {@code Timeout.failAfter}.
     *
     * @return the reply
     */
    @Benchmark
    public byte[] weftInterceptors() {
        return Timeout.failAfter(MINUTE, () -> ClientCalls.blockingUnaryCall(weftChannel, ECHO, CallOptions.DEFAULT,
                REQUEST));
    }

    /**
     * weft's interceptors on both sides, no weft deadline.
     *
     * @return the reply
     */
    @Benchmark
    public byte[] weftInterceptorsNoDeadline() {
        return ClientCalls.blockingUnaryCall(weftChannel, ECHO, CallOptions.DEFAULT, REQUEST);
    }
}
