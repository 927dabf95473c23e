package dev.weft.micrometer;

import dev.weft.Context;
import dev.weft.spi.ContextAttachment;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * weft's {@link Context} as a Micrometer {@link ThreadLocalAccessor}, so that whatever carries
 * Micrometer's context between threads (Spring's {@code ContextPropagatingTaskDecorator},
 * Reactor's automatic context propagation, {@code ContextExecutorService}) carries weft's
 * {@link dev.weft.ContextVar}s too.
 *
 * <p>{@link #getValue()} is a copy of the current context ({@link Context#copyCurrent()}, with
 * bridged libraries' state). {@link #setValue(Context)} attaches it on the worker thread with
 * {@link ContextAttachment} (it is not entered, so the same snapshot may be set on several threads
 * at once); {@link #restore} detaches it, innermost first. Registered with
 * {@link java.util.ServiceLoader} under {@code io.micrometer.context.ThreadLocalAccessor}, which
 * {@code ContextRegistry.getInstance()} loads.
 */
public final class WeftContextAccessor implements ThreadLocalAccessor<Context> {
    /** The accessor's key in the registry. */
    public static final String KEY = "dev.weft.context";

    private static final ThreadLocal<Deque<ContextAttachment>> ATTACHED = ThreadLocal.withInitial(ArrayDeque::new);

    /** Creates the accessor; used by {@link java.util.ServiceLoader}. */
    public WeftContextAccessor() {
    }

    @Override
    public Object key() {
        return KEY;
    }

    @Override
    public Context getValue() {
        return Context.copyCurrent();
    }

    @Override
    public void setValue(Context value) {
        ATTACHED.get().push(ContextAttachment.attach(value));
    }

    @Override
    public void setValue() {
        setValue(Context.empty());
    }

    @Override
    public void restore(Context previousValue) {
        detach();
    }

    @Override
    public void restore() {
        detach();
    }

    private static void detach() {
        Deque<ContextAttachment> stack = ATTACHED.get();
        ContextAttachment a = stack.poll();
        if (a == null) {
            throw new IllegalStateException("weft context accessor: restore without a matching setValue on this thread");
        }
        a.close();
        if (stack.isEmpty()) {
            ATTACHED.remove();
        }
    }
}
