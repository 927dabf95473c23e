package dev.weft.grpc;

import dev.weft.ContextVar;
import io.grpc.Metadata;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A {@link ContextVar} declared to travel with gRPC calls as an ASCII metadata entry: the client
 * sends the caller's value, the server sets it in the context the call's handler runs in.
 *
 * <pre>{@code
 * static final ContextVar<String> TENANT = ContextVar.of("tenant");
 * static final MetadataVar<String> TENANT_HEADER = MetadataVar.ofString(TENANT, "x-tenant");
 *
 * var client = WeftClientInterceptor.builder().propagate(TENANT_HEADER).build();
 * var server = WeftServerInterceptor.builder().propagate(TENANT_HEADER).build();
 * }</pre>
 *
 * <p>Only declared variables cross the wire, never the whole context. A null or unset value is
 * not sent. A value the server cannot decode fails the call with {@code INVALID_ARGUMENT} naming
 * the header, before the handler runs.
 *
 * @param <T> the variable's type
 */
public final class MetadataVar<T> {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

    private final ContextVar<T> var;
    private final String header;
    final Metadata.Key<String> key;
    private final Function<? super T, String> encoder;
    private final Function<String, ? extends T> decoder;

    private MetadataVar(ContextVar<T> var, String header, Function<? super T, String> encoder,
            Function<String, ? extends T> decoder) {
        this.var = Objects.requireNonNull(var, "var");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(header, "header");
        if (!NAME.matcher(header).matches() || header.startsWith("grpc-") || header.endsWith("-bin")) {
            throw new IllegalArgumentException("bad metadata name '" + header + "' for " + var.name()
                    + ": use 1-128 lower-case letters, digits, '.', '_' or '-', not starting with 'grpc-' and"
                    + " not ending with '-bin' (e.g. \"x-tenant\")");
        }
        this.header = header;
        this.key = Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER);
    }

    /**
     * Declares {@code var} to travel as metadata entry {@code header}.
     *
     * @param var the variable
     * @param header the metadata name, lower case, e.g. {@code "x-tenant"}
     * @param encoder turns a value into printable ASCII
     * @param decoder turns the text back into a value; throws for text it rejects
     * @param <T> the variable's type
     * @return the declaration
     * @throws IllegalArgumentException if {@code header} is not a usable ASCII metadata name
     */
    public static <T> MetadataVar<T> of(ContextVar<T> var, String header, Function<? super T, String> encoder,
            Function<String, ? extends T> decoder) {
        return new MetadataVar<>(var, header, encoder, decoder);
    }

    /**
     * Declares a string variable to travel as metadata entry {@code header}, as is.
     *
     * @param var the variable
     * @param header the metadata name
     * @return the declaration
     */
    public static MetadataVar<String> ofString(ContextVar<String> var, String header) {
        return new MetadataVar<>(var, header, Function.identity(), Function.identity());
    }

    /**
     * Returns the variable.
     *
     * @return the variable
     */
    public ContextVar<T> var() {
        return var;
    }

    /**
     * Returns the metadata name.
     *
     * @return the header name
     */
    public String header() {
        return header;
    }

    /** The current value encoded, or null when unset or null. Caller's thread. */
    String encodeCurrent() {
        T v = var.get(null);
        if (v == null) {
            return null;
        }
        String s = encoder.apply(v);
        if (s == null) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalStateException("the encoder of " + var.name() + " gave a value that is not printable"
                        + " ASCII (char " + (int) c + " at " + i + "); metadata '" + header + "' can carry only"
                        + " printable ASCII: encode the value, e.g. with Base64");
            }
        }
        return s;
    }

    /** Decodes {@code text} and sets it in the current context. */
    void decodeAndSet(String text) {
        var.set(decoder.apply(text));
    }

    @Override
    public String toString() {
        return "MetadataVar[" + var.name() + " as " + header + "]";
    }
}
