package dev.weft.spi;

/**
 * Carries another library's thread-bound state (an MDC, a tracing context, a security context)
 * along with weft's {@link dev.weft.Context}: whatever work weft moves to another thread finds
 * that state installed there, and every thread gets its own state back afterwards.
 *
 * <h2>When weft calls a bridge</h2>
 * <ul>
 * <li>{@link #capture()}, on the thread that captures a context: {@link dev.weft.Context#copyCurrent()},
 *     {@link dev.weft.Context#wrap(Runnable)}, {@link dev.weft.ContextExecutors}, every
 *     {@link dev.weft.TaskGroup#spawn(java.util.concurrent.Callable) spawn}, every
 *     {@link dev.weft.Generator} step (the consumer's state is captured for the body's thread),
 *     and when weft leaves a context (what the body left in the library is kept in the context,
 *     so entering it again shows it, as a {@link dev.weft.ContextVar} set would be).
 * <li>{@link #install(Object)}, on the thread that enters a context: task start,
 *     {@link dev.weft.Context#run}/{@link dev.weft.Context#call}, wrapped executor jobs, the start of
 *     every generator step. It returns what was there before.
 * <li>{@link #restore(Object)}, on the same thread, with what {@code install} returned, when weft
 *     leaves: task end, the end of {@code run}/{@code call}, a generator's {@code yield} or end.
 *     Bridges are installed in registration order and restored in reverse order, as Micrometer's
 *     {@code ContextSnapshot.Scope} does.
 * </ul>
 * A context that never captured anything ({@link dev.weft.Context#empty()}) installs
 * {@code null}: the bridge must then install the library's empty state (an empty MDC, the root
 * tracing context), so an empty context means empty everywhere.
 *
 * <h2>Contract</h2>
 * Snapshots must be immutable (or never mutated after capture): one snapshot may be installed on
 * several threads at once (a wrapped job run twice, tasks spawned in copies of one context).
 * {@code capture}, {@code install} and {@code restore} must not block and should not throw. A
 * bridge that throws is reported on {@code System.Logger} {@code dev.weft.spi} and skipped for
 * that switch (a failed capture carries the empty state, a failed install is not restored);
 * weft's own context switch always completes, so a broken bridge cannot leave a thread in the
 * wrong weft context.
 *
 * <h2>Discovery</h2>
 * Bridges are found with {@link java.util.ServiceLoader} the first time weft needs them (a jar
 * with a {@code META-INF/services/dev.weft.spi.ContextBridge} entry, or a module that
 * {@code provides dev.weft.spi.ContextBridge}), or registered by hand with
 * {@link Bridges#register(ContextBridge)}. With no bridge registered weft does no bridge work
 * at all: one read of an empty array on each enter, exit and capture.
 *
 * <pre>{@code
 * final class MyTenantBridge implements ContextBridge {
 *     public Object capture() { return TenantHolder.get(); }
 *     public Object install(Object s) { Object old = TenantHolder.get(); TenantHolder.set((Tenant) s); return old; }
 *     public void restore(Object old) { TenantHolder.set((Tenant) old); }
 * }
 * }</pre>
 */
public interface ContextBridge {
    /**
     * Returns an immutable snapshot of the library's state on the current thread.
     *
     * @return the snapshot; null stands for the library's empty state
     */
    Object capture();

    /**
     * Installs {@code snapshot} on the current thread.
     *
     * @param snapshot what {@link #capture()} returned, possibly on another thread; null for the
     *     library's empty state
     * @return what was installed before, for {@link #restore(Object)}
     */
    Object install(Object snapshot);

    /**
     * Puts back, on the current thread, what {@link #install(Object)} returned.
     *
     * @param previous the value {@code install} returned on this thread
     */
    void restore(Object previous);

    /**
     * Returns whether this bridge has work to do in this process; asked once, when the bridge is
     * found by {@link java.util.ServiceLoader}. A bridge whose library already follows weft's
     * contexts by other means (for example OpenTelemetry when weft's own context storage is in
     * charge) returns false and costs nothing afterwards.
     *
     * @return true to be registered
     */
    default boolean enabled() {
        return true;
    }
}
