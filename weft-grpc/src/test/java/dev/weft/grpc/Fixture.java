package dev.weft.grpc;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A server with {@link WeftServerInterceptor} and a channel with {@link WeftClientInterceptor}, torn down together. */
final class Fixture implements AutoCloseable {
    enum Transport { IN_PROCESS, NETTY_LOOPBACK }

    private static int counter;

    final Server server;
    final ManagedChannel raw;
    final Channel channel;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    Fixture(Transport transport, ServerServiceDefinition service, WeftServerInterceptor si, WeftClientInterceptor ci)
            throws IOException {
        ServerServiceDefinition intercepted = ServerInterceptors.intercept(service, si);
        if (transport == Transport.IN_PROCESS) {
            String name = "weft-grpc-test-" + nextId();
            server = InProcessServerBuilder.forName(name).executor(executor).addService(intercepted).build().start();
            raw = InProcessChannelBuilder.forName(name).build();
        } else {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).executor(executor)
                    .addService(intercepted).build().start();
            raw = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        }
        channel = ClientInterceptors.intercept(raw, ci);
    }

    private static synchronized int nextId() {
        return ++counter;
    }

    @Override
    public void close() throws InterruptedException {
        raw.shutdownNow();
        server.shutdownNow();
        if (!raw.awaitTermination(10, TimeUnit.SECONDS) || !server.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("gRPC channel or server did not terminate within 10 s");
        }
        executor.shutdown();
        if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("a handler thread was still running 10 s after the server stopped");
        }
    }
}
