package dev.weft.grpc;

import dev.weft.CancelScope;
import dev.weft.Timeout;
import dev.weft.Weft;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC {@link ClientInterceptor} that carries weft's deadline and cancellation onto each call.
 *
 * <pre>{@code
 * Channel channel = ClientInterceptors.intercept(managedChannel, WeftClientInterceptor.create());
 * var stub = GreeterGrpc.newBlockingStub(channel);
 * Timeout.failAfter(Duration.ofMillis(300), () -> stub.sayHello(request));   // 300 ms on the wire too
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Deadline: the call gets the earlier of its own {@code CallOptions} deadline and weft's
 *     effective deadline ({@link Timeout#current()}) where the call is made; gRPC sends it as
 *     {@code grpc-timeout} and enforces it locally. (gRPC also takes its own
 *     {@code io.grpc.Context} deadline into account.) A weft deadline already passed fails the call
 *     before anything is sent: {@code CancelledException}, which the enclosing timeout turns into
 *     {@code DeadlineExceededException}.
 * <li>Cancellation: when the scope the call was made in is cancelled (the scope itself, or an
 *     enclosing one, by {@code cancel()} or by a deadline), the call is cancelled at once, from the
 *     cancelling thread, while it runs. A blocking stub's thread is also interrupted by weft, which
 *     gRPC turns into a cancel of the call.
 * <li>Outcome: when weft's deadline was the one that applied and has passed, the call closes with
 *     {@code DEADLINE_EXCEEDED} whichever timer fired first (gRPC's, weft's, or the server's); when
 *     weft cancelled the call, with {@code CANCELLED}. Either status carries a
 *     {@link CancelledByWeftException} as its cause, so that the {@code StatusRuntimeException} a
 *     stub throws is the enclosing scope's own cancellation: {@code Timeout.failAfter} throws
 *     {@code DeadlineExceededException}, {@code CancelScope.run} absorbs it. Other statuses pass
 *     unchanged.
 * <li>Context variables declared with {@link Builder#propagate} are read where the call is made
 *     and sent as metadata.
 * </ul>
 *
 * <p>The cancellation link lasts while the calling scope runs: an async call that outlives the
 * scope it was started in is still bounded by the deadline it was sent with.
 *
 * <p>Never installs an {@code io.grpc.Context} storage override: gRPC's context and weft's live
 * side by side.
 */
public final class WeftClientInterceptor implements ClientInterceptor {
    private final List<MetadataVar<?>> vars;

    private WeftClientInterceptor(List<MetadataVar<?>> vars) {
        this.vars = List.copyOf(vars);
    }

    /**
     * Returns an interceptor that sends weft's deadline and cancellation, and no context variable.
     *
     * @return the interceptor
     */
    public static WeftClientInterceptor create() {
        return new WeftClientInterceptor(List.of());
    }

    /**
     * Returns a builder, to declare context variables that travel as metadata.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link WeftClientInterceptor}. */
    public static final class Builder {
        private final List<MetadataVar<?>> vars = new ArrayList<>();

        private Builder() {
        }

        /**
         * Declares context variables sent with every call.
         *
         * @param declared the variables and their metadata names
         * @return this builder
         */
        public Builder propagate(MetadataVar<?>... declared) {
            for (MetadataVar<?> v : declared) {
                vars.add(Objects.requireNonNull(v, "a MetadataVar is null"));
            }
            return this;
        }

        /**
         * Builds the interceptor.
         *
         * @return the interceptor
         */
        public WeftClientInterceptor build() {
            return new WeftClientInterceptor(vars);
        }
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Optional<dev.weft.Deadline> weft = Timeout.current();
        dev.weft.Deadline binding = null;
        CallOptions o = options;
        if (weft.isPresent()) {
            dev.weft.Deadline d = weft.get();
            long nanos = d.remaining().toNanos();
            if (nanos <= 0) {
                Weft.checkpoint(); // the scope is past its deadline: throws its CancelledException
            }
            // Read after weft's deadline: gRPC's deadline is never earlier than weft's, so when it
            // fires, weft's has passed too (the outcome below depends on that).
            io.grpc.Deadline g = io.grpc.Deadline.after(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
            io.grpc.Deadline own = options.getDeadline();
            if (own == null || g.isBefore(own)) {
                o = options.withDeadline(g);
                binding = d;
            }
        }
        String[] values = null;
        if (!vars.isEmpty()) {
            values = new String[vars.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = vars.get(i).encodeCurrent();
            }
        }
        return new Call<>(next.newCall(method, o), CancelScope.current(), binding, values);
    }

    /**
     * One intercepted call.
     *
     * <p>{@link #registration} is written by the thread that starts the call and read by the one
     * that closes it (gRPC's callback executor); {@link #closed} orders the two, so the
     * registration is closed exactly when both have happened. {@link #cancelledByWeft} is written
     * by the cancelling thread before it cancels the call, and read in {@code onClose}, which gRPC
     * delivers after the cancel.
     *
     * <p>A cancel made for the scope can come from any thread, at any point of the caller's use
     * of the call; gRPC forbids the caller's later {@code sendMessage}, {@code halfClose} and
     * {@code request} after a cancel. So those and the cancel run under this object's monitor
     * (uncontended but for that race), and once weft has cancelled, the caller's are dropped: the
     * listener's {@code onClose} tells the caller what happened.
     */
    private final class Call<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
        private final CancelScope scope;
        private final dev.weft.Deadline binding;
        private final String[] values;
        private volatile CancelScope.Registration registration;
        private volatile boolean closed;
        private volatile boolean cancelledByWeft;

        Call(ClientCall<Q, R> delegate, CancelScope scope, dev.weft.Deadline binding, String[] values) {
            super(delegate);
            this.scope = scope;
            this.binding = binding;
            this.values = values;
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            if (values != null) {
                for (int i = 0; i < values.length; i++) {
                    if (values[i] != null) {
                        MetadataVar<?> v = vars.get(i);
                        headers.discardAll(v.key);
                        headers.put(v.key, values[i]);
                    }
                }
            }
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed = true;
                    CancelScope.Registration r = registration;
                    if (r != null) {
                        r.close();
                    }
                    super.onClose(outcome(status), trailers);
                }
            }, headers);
            CancelScope.Registration r = scope.onCancel(this::cancelledByScope);
            registration = r;
            if (closed) {
                r.close();
            }
        }

        private synchronized void cancelledByScope() {
            cancelledByWeft = true;
            delegate().cancel("the calling weft scope was cancelled",
                    new CancelledByWeftException("the calling weft scope was cancelled", false));
        }

        @Override
        public synchronized void sendMessage(Q message) {
            if (!cancelledByWeft) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void halfClose() {
            if (!cancelledByWeft) {
                super.halfClose();
            }
        }

        @Override
        public synchronized void request(int numMessages) {
            if (!cancelledByWeft) {
                super.request(numMessages);
            }
        }

        private Status outcome(Status status) {
            Status.Code code = status.getCode();
            if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED) {
                return status;
            }
            if (binding != null && binding.isExpired()) {
                String msg = "the calling weft scope's deadline passed (gRPC reported " + code
                        + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")";
                return Status.DEADLINE_EXCEEDED.withDescription(msg).withCause(new CancelledByWeftException(msg, true));
            }
            if (cancelledByWeft && code == Status.Code.CANCELLED) {
                return Status.CANCELLED.withDescription("the calling weft scope was cancelled")
                        .withCause(new CancelledByWeftException("the calling weft scope was cancelled", false));
            }
            return status;
        }
    }
}
