package dev.weft.grpc;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.CallableOp;
import dev.weft.Context;
import dev.weft.DeadlineExceededException;
import dev.weft.Timeout;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A gRPC {@link ServerInterceptor} that runs each call's handler in a weft deadline scope built
 * from the incoming deadline, and cancels it when the client goes away.
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
 *         .executor(Executors.newVirtualThreadPerTaskExecutor())
 *         .addService(ServerInterceptors.intercept(service, WeftServerInterceptor.create()))
 *         .build().start();
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Deadline: every callback of the call ({@code startCall}, {@code onMessage},
 *     {@code onHalfClose}, {@code onReady}; a generated unary or server-streaming handler runs in
 *     {@code onHalfClose}) runs inside {@code Timeout.failAt(deadline, ...)}, where the deadline is
 *     the incoming one ({@code grpc-timeout}), clamped to {@link Builder#maxDeadline} (5 minutes
 *     unless set). A call without a deadline gets the maximum: no handler runs unbounded, and an
 *     absurd {@code grpc-timeout} (years) is cut to the maximum. {@code Timeout.remaining()} in
 *     the handler tells the budget left, and weft-aware clients called from the handler pass it on.
 * <li>Cancellation: when the client cancels the call, its deadline makes it give up, or its
 *     connection drops, gRPC cancels the call's {@code io.grpc.Context} at once (from a thread that
 *     is not serialized behind the handler); this interceptor then cancels the weft scope of the
 *     callback that is running, and so every task the handler spawned in task groups, however deep.
 *     A callback that starts after that starts cancelled.
 * <li>Outcome: a {@link DeadlineExceededException} out of a callback closes the call with
 *     {@code DEADLINE_EXCEEDED}, a {@link CancelledException} (or the cancel absorbed by the call's
 *     scope) with {@code CANCELLED}, a {@code StatusRuntimeException} with its status. Any other exception is left to gRPC ({@code UNKNOWN}). A call already closed
 *     by the handler is not closed again.
 * <li>Context: each call runs in a weft {@link Context} of its own, entered for each callback
 *     (gRPC serializes a call's callbacks), holding the variables declared with
 *     {@link Builder#propagate} from the call's metadata. A value that cannot be decoded fails the
 *     call with {@code INVALID_ARGUMENT} naming the header; the handler does not run.
 * <li>{@code onCancel} and {@code onComplete} run in the call's context but outside its deadline
 *     scope, so cleanup there is not itself cancelled.
 * </ul>
 *
 * <p>The scope covers the callbacks: a handler that hands its work to another thread and returns
 * takes that work out of the scope. Run handlers on virtual threads
 * ({@code executor(Executors.newVirtualThreadPerTaskExecutor())}) so that blocking in them is cheap.
 */
public final class WeftServerInterceptor implements ServerInterceptor {
    /** The default cap on a call's deadline: long enough for any unary call, short enough to end a leak. */
    public static final Duration DEFAULT_MAX_DEADLINE = Duration.ofMinutes(5);

    private final long maxNanos;
    private final List<MetadataVar<?>> vars;

    private WeftServerInterceptor(Duration max, List<MetadataVar<?>> vars) {
        this.maxNanos = max.toNanos();
        this.vars = List.copyOf(vars);
    }

    /**
     * Returns an interceptor with the default maximum deadline and no context variable.
     *
     * @return the interceptor
     */
    public static WeftServerInterceptor create() {
        return builder().build();
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link WeftServerInterceptor}. */
    public static final class Builder {
        private Duration max = DEFAULT_MAX_DEADLINE;
        private final List<MetadataVar<?>> vars = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets the longest deadline a call gets, and the deadline of a call that comes without one.
         *
         * @param max a positive duration, at most a day
         * @return this builder
         * @throws IllegalArgumentException if not positive or longer than a day
         */
        public Builder maxDeadline(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.isNegative() || max.isZero() || max.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxDeadline must be positive and at most a day, got " + max
                        + ": it bounds every call, e.g. Duration.ofSeconds(30)");
            }
            this.max = max;
            return this;
        }

        /**
         * Declares context variables read from each call's metadata.
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
        public WeftServerInterceptor build() {
            return new WeftServerInterceptor(max, vars);
        }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        io.grpc.Context grpc = io.grpc.Context.current();
        io.grpc.Deadline incoming = grpc.getDeadline();
        long nanos = maxNanos;
        if (incoming != null) {
            nanos = Math.min(nanos, incoming.timeRemaining(TimeUnit.NANOSECONDS));
        }
        dev.weft.Deadline deadline = dev.weft.Deadline.after(Duration.ofNanos(nanos));
        Context context = Context.empty();
        for (MetadataVar<?> v : vars) {
            String text = headers.get(v.key);
            if (text == null) {
                continue;
            }
            try {
                context.run(() -> v.decodeAndSet(text));
            } catch (RuntimeException e) {
                call.close(Status.INVALID_ARGUMENT.withDescription("bad metadata '" + v.header() + "' (for "
                        + v.var().name() + "): " + e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        }
        CallScope<Q, R> scope = new CallScope<>(call, deadline, context, grpc);
        grpc.addListener(scope, Runnable::run);
        ServerCall.Listener<Q> delegate = scope.run(() -> next.startCall(scope.call, headers));
        if (delegate == null) {
            grpc.removeListener(scope);
            return new ServerCall.Listener<>() { };
        }
        return new Listener<>(delegate, scope);
    }

    /**
     * The weft side of one server call.
     *
     * <h2>Implementation overview</h2>
     * gRPC runs a call's callbacks one at a time, possibly on different threads; each runs in a
     * fresh {@code CancelScope} wrapping a {@code Timeout.failAt} on the call's deadline, and
     * publishes that scope in {@link #active} while it runs. gRPC cancels the call's
     * {@code io.grpc.Context} from another thread ({@link #cancelled}): that sets
     * {@link #cancelledByClient} and then cancels {@link #active}. A callback sets {@link #active}
     * and then reads {@link #cancelledByClient}; both are volatile, so whichever of the two runs
     * second sees the other, and no callback runs uncancelled after the client went away.
     * Deadline-caused context cancellations are left to weft's own timer, so that the handler
     * sees {@code DeadlineExceededException}, not a plain cancellation.
     */
    private static final class CallScope<Q, R> implements io.grpc.Context.CancellationListener {
        final ServerCall<Q, R> call;
        private final dev.weft.Deadline deadline;
        private final Context context;
        private final io.grpc.Context grpc;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile CancelScope active;
        private volatile boolean cancelledByClient;

        CallScope(ServerCall<Q, R> call, dev.weft.Deadline deadline, Context context, io.grpc.Context grpc) {
            this.call = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    closed.set(true);
                    super.close(status, trailers);
                }
            };
            this.deadline = deadline;
            this.context = context;
            this.grpc = grpc;
        }

        @Override
        public void cancelled(io.grpc.Context c) {
            Throwable cause = c.cancellationCause();
            if (cause == null || cause instanceof TimeoutException) {
                return; // completed normally, or the deadline: weft's timer handles that one
            }
            cancelledByClient = true;
            CancelScope s = active;
            if (s != null) {
                s.cancel();
            }
        }

        /** Runs one callback in the call's context and scopes; maps its weft outcome to a status. */
        <T> T run(CallableOp<T, RuntimeException> body) {
            CancelScope[] ran = new CancelScope[1];
            try {
                T result = context.call(() -> CancelScope.run(s -> {
                    ran[0] = s;
                    active = s;
                    try {
                        if (cancelledByClient) {
                            s.cancel();
                        }
                        return Timeout.failAt(deadline, body);
                    } finally {
                        active = null;
                    }
                }));
                if (ran[0] != null && ran[0].cancelledCaught()) {
                    close(Status.CANCELLED.withDescription("the client cancelled the call"));
                }
                return result;
            } catch (DeadlineExceededException e) {
                close(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed in the handler")
                        .withCause(e));
            } catch (CancelledException e) {
                close(Status.CANCELLED.withDescription(e.getMessage()).withCause(e));
            } catch (StatusRuntimeException e) {
                close(e.getStatus());
            }
            return null;
        }

        /** Runs a callback that must not be cancelled (onCancel, onComplete) in the call's context. */
        void runUncancelled(Runnable body) {
            try {
                context.run(body);
            } finally {
                grpc.removeListener(this);
            }
        }

        private void close(Status status) {
            if (!call.isCancelled() && closed.compareAndSet(false, true)) {
                call.close(status, new Metadata());
            }
        }
    }

    private static final class Listener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final CallScope<Q, ?> scope;

        Listener(ServerCall.Listener<Q> delegate, CallScope<Q, ?> scope) {
            super(delegate);
            this.scope = scope;
        }

        @Override
        public void onMessage(Q message) {
            scope.run(() -> {
                delegate().onMessage(message);
                return null;
            });
        }

        @Override
        public void onHalfClose() {
            scope.run(() -> {
                delegate().onHalfClose();
                return null;
            });
        }

        @Override
        public void onReady() {
            scope.run(() -> {
                delegate().onReady();
                return null;
            });
        }

        @Override
        public void onCancel() {
            scope.runUncancelled(delegate()::onCancel);
        }

        @Override
        public void onComplete() {
            scope.runUncancelled(delegate()::onComplete);
        }
    }
}
