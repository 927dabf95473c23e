package dev.weft.examples.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Notices clients that closed or reset their connection while their request is still being
 * computed, and cancels those requests ({@link RequestHandle.Reason#CLIENT_GONE}).
 *
 * <h2>Why it asks the kernel</h2>
 * {@code com.sun.net.httpserver} has no disconnect callback and does not expose the connection's
 * socket. The usual trick, a background read on the connection (Go's {@code net/http} does it
 * to cancel a request's context), is not possible from outside: the exchange's request body is a
 * zero-length view for a {@code GET}, and a read of our own on the server's channel would take its
 * read lock, which the server's single dispatcher thread needs to put the connection back in
 * non-blocking mode after the response, so the whole server would stall. (A read cannot be
 * abandoned either: interrupting a virtual thread blocked in a socket read closes the socket.)
 *
 * <p>So the watch asks the operating system, read-only: on Linux, {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} list every TCP socket with its state. A server-side socket whose client
 * sent FIN is in {@code CLOSE_WAIT}; one that got a reset is gone from the table. The watch never
 * touches the server's sockets, so it cannot disturb the HTTP layer.
 *
 * <h2>Algorithm</h2>
 * One loop for the whole server, on a task of its own (a weft task in the root group, or a plain
 * virtual thread): every {@link #INTERVAL_MS} ms, if some admitted request has been computing for
 * {@link #MIN_AGE_MS} ms or more (most requests end sooner and never cost a scan), it reads the
 * table once, keeps the rows whose local port is the server's, and checks each such request's
 * client address: {@code ESTABLISHED} is alive; any other state ({@code CLOSE_WAIT},
 * {@code CLOSE}) means the client has gone; a row missing in two scans in a row means it was
 * reset (two, because the kernel builds the table bucket by bucket, not atomically). A table
 * without the server's own listening row is not trusted at all (it would make every client look
 * missing), and addresses are compared as raw bytes, never as text. Detection
 * latency is therefore about {@code MIN_AGE_MS + INTERVAL_MS} for a close, one interval more for
 * a reset, plus one scan ({@code DisconnectTest} measures it).
 *
 * <h2>Limits</h2>
 * <ul>
 * <li>Linux only; elsewhere {@link #available()} is false and the server says at start that
 *     disconnects are not detected (requests then run to their deadline, as before).
 * <li>Like Go's server, a client that half-closes (shuts down its sending side and waits for the
 *     answer) is taken for gone. HTTP/1.1 clients do not do that.
 * <li>A client whose machine vanishes without a FIN or reset is not seen; the request's deadline
 *     still bounds it.
 * </ul>
 * Fields: the loop runs on one thread; {@link RequestHandle#misses} is touched by it alone.
 */
final class DisconnectWatch {
    static final long INTERVAL_MS = 20;
    static final long MIN_AGE_MS = 20;
    static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final int ESTABLISHED = 0x01;
    private static final int LISTEN = 0x0A;

    private final List<Path> tables;
    private final Admission admission;
    private final int serverPort;
    private final RequestLog log;
    private final Consumer<RequestHandle> onGone;
    private String lastProblem;
    /** Scans of the socket table so far; written by the watch, read by tests. */
    private final LongAdder scans = new LongAdder();

    DisconnectWatch(Admission admission, int serverPort, RequestLog log, Consumer<RequestHandle> onGone) {
        this(admission, serverPort, log, onGone, TABLES);
    }

    /** A watch that reads {@code tables} instead of the kernel's (for tests). */
    DisconnectWatch(Admission admission, int serverPort, RequestLog log, Consumer<RequestHandle> onGone,
                    List<Path> tables) {
        this.tables = List.copyOf(tables);
        this.admission = admission;
        this.serverPort = serverPort;
        this.log = log;
        this.onGone = onGone;
    }

    /** Logs a problem once, not every 20 ms. */
    private void say(String problem) {
        if (!problem.equals(lastProblem)) {
            log.info("%s", problem);
            lastProblem = problem;
        }
    }

    /** How many times the watch has read the socket table. */
    long scans() {
        return scans.sum();
    }

    /** Whether this system has the socket table the watch reads. */
    static boolean available() {
        return Files.isReadable(TABLES.getFirst());
    }

    /** Watches until the thread is interrupted (the plain executor's shutdown, or the root group's cancellation). */
    void run() {
        try {
            for (;;) {
                Thread.sleep(INTERVAL_MS);
                try {
                    checkOnce();
                } catch (RuntimeException e) { // a bug here must not end the watch, nor fail the root group
                    say("disconnect watch: " + e);
                }
            }
        } catch (InterruptedException e) {
            // the server stops: so does the watch
        }
    }

    /** One round: scans the table if some request is old enough, and cancels those whose client has gone. */
    void checkOnce() {
        List<RequestHandle> old = new ArrayList<>();
        for (RequestHandle h : admission.admitted()) {
            if (h.reason() == null && h.ageMillis() >= MIN_AGE_MS && h.remote != null) {
                old.add(h);
            }
        }
        if (old.isEmpty()) {
            return;
        }
        Map<String, Integer> states;
        try {
            states = scan();
            scans.increment();
        } catch (IOException | RuntimeException e) {
            say("disconnect watch: cannot read the socket table (" + e + "); will retry");
            return;
        }
        if (!states.containsValue(LISTEN)) {
            // Not even our listening socket: this table is not ours (another network namespace?).
            // Reading every connection as missing would cancel every request; see nothing instead.
            say("disconnect watch: the socket table does not show this server's port " + serverPort
                    + "; client disconnects are not detected");
            return;
        }
        for (RequestHandle h : old) {
            Integer state = states.get(key(h.remote.getAddress(), h.remote.getPort()));
            boolean gone;
            if (state == null) {
                gone = ++h.misses >= 2;
            } else {
                h.misses = 0;
                gone = state != ESTABLISHED;
            }
            if (gone && h.cancel(RequestHandle.Reason.CLIENT_GONE)) {
                onGone.accept(h);
            }
        }
    }

    /** The rows of the server's port: client address to TCP state (ESTABLISHED wins over others). */
    Map<String, Integer> scan() throws IOException {
        Map<String, Integer> states = new HashMap<>();
        for (Path table : tables) {
            try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
                r.readLine(); // the header
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    parseRow(line, serverPort, states);
                }
            } catch (NoSuchFileException e) {
                // no IPv6 (or no IPv4) table on this system
            }
        }
        return states;
    }

    /**
     * Adds one row of {@code /proc/net/tcp[6]} to {@code states} if its local port is {@code port}.
     * A row reads {@code "  7: 0100007F:1F90 0100007F:D4A2 01 ..."}: slot, local address, remote
     * address, state; addresses are 32-bit words in the kernel's byte order, ports in hex.
     */
    static void parseRow(String line, int port, Map<String, Integer> states) {
        String[] f = line.strip().split("\\s+", 5);
        if (f.length < 4) {
            return;
        }
        int colon = f[1].lastIndexOf(':');
        if (colon < 0 || Integer.parseInt(f[1], colon + 1, f[1].length(), 16) != port) {
            return;
        }
        int rc = f[2].lastIndexOf(':');
        InetAddress remote = address(f[2].substring(0, rc));
        int remotePort = Integer.parseInt(f[2], rc + 1, f[2].length(), 16);
        int state = Integer.parseInt(f[3], 16);
        states.merge(key(remote, remotePort), state, (a, b) -> a == ESTABLISHED ? a : b);
    }

    /** Decodes an address of the table: 8 or 32 hex digits, each 32-bit word in native byte order. */
    static InetAddress address(String hex) {
        byte[] b = new byte[hex.length() / 2];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int w = 0; w < b.length / 4; w++) {
            long word = Long.parseLong(hex, w * 8, w * 8 + 8, 16);
            for (int i = 0; i < 4; i++) {
                int shift = little ? 8 * i : 8 * (3 - i);
                b[w * 4 + i] = (byte) (word >>> shift);
            }
        }
        try {
            return InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hex, e);
        }
    }

    /**
     * The lookup key of a client: its raw address bytes (so that a scope id such as {@code %eth0},
     * which the table does not carry, cannot make a live client look missing) and its port.
     */
    static String key(InetAddress a, int port) {
        return HexFormat.of().formatHex(a.getAddress()) + "|" + port;
    }

    /** The key of a client address, for tests. */
    static String key(InetSocketAddress a) {
        return key(a.getAddress(), a.getPort());
    }
}
