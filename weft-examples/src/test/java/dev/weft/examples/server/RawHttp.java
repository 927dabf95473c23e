package dev.weft.examples.server;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client on one raw socket, for tests that need to know their own client port,
 * reuse one connection, or send bytes no real client would.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * A parsed response.
     *
     * @param status the status code
     * @param headers the headers, names in lower case
     * @param body the body as UTF-8 text
     */
    record Reply(int status, Map<String, String> headers, String body) {
    }

    RawHttp(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    /** Sends raw bytes. */
    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends {@code GET path} with the given extra header lines and reads the reply. */
    Reply get(String path, String... headerLines) throws IOException {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        send(sb.append("\r\n").toString());
        return read();
    }

    /** Sends {@code HEAD path} and reads the reply's status line and headers: a HEAD reply has no body. */
    Reply head(String path) throws IOException {
        send("HEAD " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        return read(false);
    }

    /** Resets the connection instead of closing it: the peer sees RST, not FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Reads one response.
     *
     * @return the response, or null if the server closed the connection before a status line
     * @throws IOException on a broken or truncated response
     */
    Reply read() throws IOException {
        return read(true);
    }

    private Reply read(boolean withBody) throws IOException {
        String status = line();
        if (status == null) {
            return null;
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        if (!withBody) {
            return new Reply(Integer.parseInt(parts[1]), headers, "");
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("body cut after " + body.length + " of " + length + " bytes");
        }
        return new Reply(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Reads until the server closes; returns what came, or throws on a reset. */
    String readToEnd() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a line");
            }
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
