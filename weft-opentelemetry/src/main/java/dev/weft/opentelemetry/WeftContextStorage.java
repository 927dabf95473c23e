package dev.weft.opentelemetry;

import dev.weft.ContextVar;
import dev.weft.Token;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OpenTelemetry's current {@link Context} kept in a weft {@link ContextVar}: it follows weft's
 * contexts exactly as any {@code ContextVar} does (copied into every task at spawn, current in
 * every generator step, carried by {@link dev.weft.ContextExecutors}), so a span started in any of
 * them has the span current at the spawn, step or submit as its parent, and
 * {@code Span.current()} is the parent's again once a task group ends.
 *
 * <p>{@link #attach} sets the variable and returns a {@link Scope} that resets it with the
 * variable's {@link Token}. As with OpenTelemetry's own thread-local storage, a scope must be
 * closed on the thread (here: in the weft context) that opened it, innermost first; a scope closed
 * in the wrong place is logged at SEVERE, as OpenTelemetry does, and otherwise ignored.
 */
final class WeftContextStorage implements ContextStorage {
    static final WeftContextStorage INSTANCE = new WeftContextStorage();
    private static final Logger LOG = Logger.getLogger(WeftContextStorage.class.getName());

    /** The current OpenTelemetry context; null means {@link Context#root()}. */
    static final ContextVar<Context> CURRENT = ContextVar.of("opentelemetry.context", null);

    private WeftContextStorage() {
    }

    @Override
    public Scope attach(Context toAttach) {
        if (toAttach == null || toAttach == CURRENT.get()) {
            return Scope.noop();
        }
        return new WeftScope(CURRENT.set(toAttach), toAttach);
    }

    @Override
    public Context current() {
        return CURRENT.get();
    }

    @Override
    public String toString() {
        return "WeftContextStorage";
    }

    /** Resets the variable to what it was before {@link #attach}; idempotent. */
    private static final class WeftScope implements Scope {
        private final Token<Context> token;
        private final Context attached;
        private boolean closed;

        WeftScope(Token<Context> token, Context attached) {
            this.token = token;
            this.attached = attached;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (CURRENT.get() != attached) {
                LOG.log(Level.SEVERE, "Context in storage not the expected context, Scope.close was not called"
                        + " correctly: scopes must be closed innermost first, in the weft context that opened them");
            }
            try {
                token.close();
            } catch (IllegalArgumentException | IllegalStateException e) {
                LOG.log(Level.SEVERE, "Scope.close was called in another weft context than the one that opened"
                        + " the scope (another thread or task); the storage was left as it is: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "WeftScope[" + attached + "]";
        }
    }
}
