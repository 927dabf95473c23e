package dev.weft.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A malformed {@code grpc-timeout} never reaches a handler: grpc-java's Netty transport parses it
 * before any interceptor and resets the stream (INTERNAL, or CANCELLED for a negative value); the
 * call fails with that status and the server serves on. (Over the in-process transport the header
 * is parsed on the caller's thread and throws there, which is not a wire scenario.)
 */
class GrpcMalformedTimeoutTest {
    static final Metadata.Key<String> RAW_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    static ClientInterceptor rawTimeout(String value) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions o, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(m, o)) {
                    @Override
                    public void start(Listener<R> l, Metadata headers) {
                        headers.put(RAW_TIMEOUT, value);
                        super.start(l, headers);
                    }
                };
            }
        };
    }

    /** Malformed values fail the call with a non-OK status and run no handler; a good call still works after. */
    @Test
    void malformedGrpcTimeoutGetsAStatus() throws Exception {
        Fixture.Transport t = Fixture.Transport.NETTY_LOOPBACK;
        AtomicInteger handled = new AtomicInteger();
        try (Fixture f = new Fixture(t, Echo.service(req -> {
            handled.incrementAndGet();
            return "ok";
        }), WeftServerInterceptor.create(), WeftClientInterceptor.create())) {
            for (String bad : new String[] {"banana", "-5m", "123456789S", "10x", ""}) {
                Channel c = ClientInterceptors.intercept(f.raw, rawTimeout(bad));
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> Echo.blocking(c).call("x"),
                        "grpc-timeout: " + bad);
                Status.Code code = e.getStatus().getCode();
                assertTrue(code == Status.Code.INTERNAL || code == Status.Code.CANCELLED, bad + ": " + e.getStatus());
            }
            assertEquals(0, handled.get(), "no handler ran");
            assertEquals("ok", Echo.blocking(f.channel).call("x"), "the server still serves");
        }
    }
}
