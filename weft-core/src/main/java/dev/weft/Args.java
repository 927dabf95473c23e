package dev.weft;

/**
 * Argument checks with the message shape every public method uses: the parameter's name, what is
 * wrong, and what to pass instead ({@code "body is null: pass the code to run, e.g. () -> ..."}).
 * The message is built only when the check fails, so a check costs one comparison.
 */
final class Args {
    private Args() {
    }

    /**
     * Returns {@code value}, or throws {@link NullPointerException} naming {@code name} and
     * {@code fix} when it is null.
     */
    static <T> T nonNull(T value, String name, String fix) {
        if (value == null) {
            throw new NullPointerException(name + " is null: " + fix);
        }
        return value;
    }
}
