package dev.weft.examples.server;

import java.util.Map;
import java.util.Objects;

/**
 * An HTTP response of the demo server: a status, a plain-text body and extra headers.
 *
 * @param status the HTTP status code
 * @param body the body, sent as UTF-8 text
 * @param headers extra response headers (e.g. {@code Allow})
 */
public record Response(int status, String body, Map<String, String> headers) {
    /**
     * Checks and copies the parts.
     *
     * @param status the HTTP status code
     * @param body the body
     * @param headers extra headers
     */
    public Response {
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /**
     * Returns a response with no extra headers.
     *
     * @param status the status code
     * @param body the body; a final newline is added if missing
     * @return the response
     */
    public static Response of(int status, String body) {
        return new Response(status, body.endsWith("\n") ? body : body + "\n", Map.of());
    }
}
