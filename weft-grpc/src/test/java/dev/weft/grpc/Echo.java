package dev.weft.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.AbstractAsyncStub;
import io.grpc.stub.AbstractBlockingStub;
import io.grpc.stub.AbstractFutureStub;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A one-method service shaped as protoc's generated code is (a method descriptor, a service
 * definition, blocking, async and future stubs), with a UTF-8 string marshaller instead of protobuf.
 */
final class Echo {
    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<String, String> CALL = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", "Call"))
            .setRequestMarshaller(UTF8)
            .setResponseMarshaller(UTF8)
            .build();

    /** The server side, as a generated {@code ImplBase} would declare it. */
    interface Handler {
        String call(String request) throws Exception;
    }

    static ServerServiceDefinition service(Handler h) {
        return ServerServiceDefinition.builder("test.Echo")
                .addMethod(CALL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    String reply;
                    try {
                        reply = h.call(req);
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        out.onError(io.grpc.Status.INTERNAL.withCause(e).asException());
                        return;
                    }
                    out.onNext(reply);
                    out.onCompleted();
                }))
                .build();
    }

    static final class BlockingStub extends AbstractBlockingStub<BlockingStub> {
        BlockingStub(Channel channel, CallOptions options) {
            super(channel, options);
        }

        @Override
        protected BlockingStub build(Channel channel, CallOptions options) {
            return new BlockingStub(channel, options);
        }

        String call(String request) {
            return ClientCalls.blockingUnaryCall(getChannel(), CALL, getCallOptions(), request);
        }
    }

    static final class AsyncStub extends AbstractAsyncStub<AsyncStub> {
        AsyncStub(Channel channel, CallOptions options) {
            super(channel, options);
        }

        @Override
        protected AsyncStub build(Channel channel, CallOptions options) {
            return new AsyncStub(channel, options);
        }

        void call(String request, StreamObserver<String> responses) {
            ClientCalls.asyncUnaryCall(getChannel().newCall(CALL, getCallOptions()), request, responses);
        }
    }

    static final class FutureStub extends AbstractFutureStub<FutureStub> {
        FutureStub(Channel channel, CallOptions options) {
            super(channel, options);
        }

        @Override
        protected FutureStub build(Channel channel, CallOptions options) {
            return new FutureStub(channel, options);
        }

        com.google.common.util.concurrent.ListenableFuture<String> call(String request) {
            return ClientCalls.futureUnaryCall(getChannel().newCall(CALL, getCallOptions()), request);
        }
    }

    static BlockingStub blocking(Channel c) {
        return AbstractBlockingStub.newStub(BlockingStub::new, c);
    }

    static AsyncStub async(Channel c) {
        return AbstractAsyncStub.newStub(AsyncStub::new, c);
    }

    static FutureStub future(Channel c) {
        return AbstractFutureStub.newStub(FutureStub::new, c);
    }

    private Echo() {
    }
}
