package dev.weft.examples.server;

import java.io.Serial;

/** A request the server refuses with a 400, with the sentence that says what is wrong and how to fix it. */
final class BadRequest extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
        super(message, null, false, false);
    }
}
