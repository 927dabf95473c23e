package dev.weft.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.ContextVar;
import dev.weft.Timeout;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which weft scope and context each server callback runs in, with a hand-written call handler. */
class GrpcServerCallbackTest {
    /** Call callbacks run under the deadline; onComplete runs in the call's context but outside the deadline scope. */
    @Test
    void callbacksRunInTheCallsContextAndOnlyWorkCallbacksUnderTheDeadline() throws Exception {
        ContextVar<String> tenant = ContextVar.of("tenant");
        MetadataVar<String> header = MetadataVar.ofString(tenant, "x-tenant");
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch completed = new CountDownLatch(1);
        ServerCallHandler<String, String> handler = (ServerCall<String, String> call, Metadata headers) -> {
            seen.add("startCall deadline=" + Timeout.remaining().isPresent() + " tenant=" + tenant.get("-"));
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(String message) {
                    seen.add("onMessage deadline=" + Timeout.remaining().isPresent() + " tenant=" + tenant.get("-"));
                }

                @Override
                public void onHalfClose() {
                    seen.add("onHalfClose deadline=" + Timeout.remaining().isPresent() + " tenant=" + tenant.get("-"));
                    call.sendHeaders(new Metadata());
                    call.sendMessage("ok");
                    call.close(Status.OK, new Metadata());
                }

                @Override
                public void onComplete() {
                    seen.add("onComplete deadline=" + Timeout.remaining().isPresent() + " tenant=" + tenant.get("-"));
                    completed.countDown();
                }
            };
        };
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo").addMethod(Echo.CALL, handler).build();
        var client = WeftClientInterceptor.builder().propagate(header).build();
        var server = WeftServerInterceptor.builder().propagate(header).build();
        try (Fixture f = new Fixture(Fixture.Transport.IN_PROCESS, service, server, client)) {
            try (var t = tenant.set("acme")) {
                assertEquals("ok", Echo.blocking(f.channel).call("x"));
            }
            assertTrue(completed.await(5, TimeUnit.SECONDS));
        }
        assertEquals(java.util.List.of("startCall deadline=true tenant=acme", "onMessage deadline=true tenant=acme",
                "onHalfClose deadline=true tenant=acme", "onComplete deadline=false tenant=acme"), java.util.List.copyOf(seen));
    }
}
