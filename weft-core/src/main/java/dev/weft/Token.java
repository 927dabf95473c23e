package dev.weft;

import dev.weft.internal.Hamt;
import java.util.NoSuchElementException;

/**
 * Records a {@link ContextVar#set} so that it can be undone: {@link ContextVar#reset} or
 * {@link #close()} restores the previous value, or "unset". A token works once, only in the
 * {@link Context} where it was made, and only for its own variable.
 *
 * <pre>{@code
 * try (Token<String> t = USER.set("alice")) {
 *     serve();
 * }                                   // USER is back to what it was
 * }</pre>
 *
 * <p>Sets made inside the block without a token are undone too: closing restores the value from
 * before the block's own set.
 *
 * @param <T> the variable's value type
 */
public final class Token<T> implements AutoCloseable {
    final ContextVar<T> var;
    final Context context;
    /** The value before the set, or {@code ContextVar.MISSING}; reset writes it back. */
    final Object old;
    /**
     * Where the set wrote, when it wrote through its variable's remembered place; otherwise null,
     * and reset finds the slot again. Reset writes there if {@link #map} and {@link #version}
     * still hold.
     */
    final Hamt.Slot slot;
    /** The context's map and version right after the set. */
    final Hamt<ContextVar<?>, Object> map;
    final long version;
    /** Read and written by the thread that has entered {@link #context}. */
    boolean used;

    Token(ContextVar<T> var, Context context, Object old, Hamt.Slot slot, Hamt<ContextVar<?>, Object> map,
          long version) {
        this.var = var;
        this.context = context;
        this.old = old;
        this.slot = slot;
        this.map = map;
        this.version = version;
    }

    /**
     * Returns the variable this token belongs to.
     *
     * @return the variable
     */
    public ContextVar<T> var() {
        return var;
    }

    /**
     * Returns whether the variable had a value before the set.
     *
     * @return false if it was unset
     */
    public boolean hasOldValue() {
        return old != ContextVar.MISSING;
    }

    /**
     * Returns the value the variable had before the set.
     *
     * @return the old value, possibly null
     * @throws NoSuchElementException if it was unset; check {@link #hasOldValue()}
     */
    @SuppressWarnings("unchecked")
    public T oldValue() {
        if (old == ContextVar.MISSING) {
            throw new NoSuchElementException("ContextVar '" + var.name()
                    + "' was unset before this set: check hasOldValue() first");
        }
        return (T) old;
    }

    /**
     * Resets the variable, as {@code var().reset(this)}.
     *
     * @throws IllegalStateException if the token was used already
     * @throws IllegalArgumentException if called in another context than the one that made it
     */
    @Override
    public void close() {
        var.reset(this);
    }

    @Override
    public String toString() {
        return "Token[" + var.name() + (used ? ", used" : "") + "]";
    }
}
