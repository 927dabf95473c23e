package dev.weft.spi;

import dev.weft.Context;
import dev.weft.internal.BridgeRegistry;

/**
 * Makes a weft {@link Context} current on this thread for a while without entering it, for
 * foreign code whose "make current" and "restore" are two separate calls rather than one body
 * (a {@code ThreadLocalAccessor}'s {@code setValue}/{@code restore}, a storage's
 * {@code attach}/{@code Scope.close}, an event loop running a callback).
 *
 * <pre>{@code
 * try (ContextAttachment a = ContextAttachment.attach(requestContext)) {
 *     REQUEST_ID.get();   // the request's value
 * }                       // the thread's own context is current again
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Not owning: the context is not entered, so it may be entered by another thread (its task)
 *     at the same time, and attaching it never throws {@link IllegalStateException} for that.
 *     What is current is a private view: a {@link Context#copy()} taken at attach time. Reads see
 *     the context's values as of then; sets go to the view and are dropped at {@link #close()}.
 * <li>Bridged state ({@link ContextBridge}) of the context is installed on attach and the thread's
 *     own restored on close, as for any context weft enters.
 * <li>{@link #close()} must run on the attaching thread ({@link WrongThreadException} otherwise),
 *     in reverse order of attaching ({@link IllegalStateException} otherwise), and is idempotent.
 * </ul>
 */
public final class ContextAttachment implements AutoCloseable {
    private final Object handle;

    private ContextAttachment(Object handle) {
        this.handle = handle;
    }

    /**
     * Makes a private view of {@code context} current on this thread until {@link #close()}.
     *
     * @param context the context to attach
     * @return the attachment, to close on this thread
     */
    public static ContextAttachment attach(Context context) {
        if (context == null) {
            throw new NullPointerException("context is null: pass the Context to attach, e.g. Context.current()");
        }
        return new ContextAttachment(BridgeRegistry.access().attach(context));
    }

    /**
     * Makes the thread's previous context current again.
     *
     * @throws WrongThreadException if called on another thread than the attaching one
     * @throws IllegalStateException if a later attachment or entered context is still current
     */
    @Override
    public void close() {
        BridgeRegistry.access().detach(handle);
    }
}
