package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disconnect watch's decisions, on socket tables written by the test: which states mean
 * "gone", how a missing row is treated, and that a table it cannot trust cancels nothing.
 */
class DisconnectWatchTest {
    private static final int PORT = 8080; // 1F90
    private static final int CLIENT_PORT = 54434; // D4A2
    private static final String LO = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "0100007F" : "7F000001";
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    private static final String LISTEN = "   0: " + LO + ":1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1";

    @TempDir
    Path dir;

    private final Queue<String> log = new ConcurrentLinkedQueue<>();
    private final Queue<RequestHandle> gone = new ConcurrentLinkedQueue<>();
    private final Admission admission = new Admission(10, 10);

    private static String client(String state) {
        return "   1: " + LO + ":1F90 " + LO + ":D4A2 " + state + " 00000000:00000000 00:00000000 00000000 0 0 2";
    }

    private DisconnectWatch watch(Path table) {
        return new DisconnectWatch(admission, PORT, new RequestLog(log::add, new WeftRuntime()), gone::add,
                List.of(table));
    }

    private RequestHandle oldRequest() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        RequestHandle h = admission.tryAdmit(new InetSocketAddress(lo, PORT), new InetSocketAddress(lo, CLIENT_PORT));
        ServerTesting.await("the request is old enough to be scanned", Duration.ofSeconds(5),
                () -> h.ageMillis() >= DisconnectWatch.MIN_AGE_MS);
        return h;
    }

    private Path table(String... rows) throws Exception {
        Path p = Files.createTempFile(dir, "tcp", "");
        Files.write(p, List.of(HEADER));
        Files.write(p, List.of(rows), java.nio.file.StandardOpenOption.APPEND);
        return p;
    }

    /** CLOSE_WAIT (the client sent FIN) cancels the request at the first scan, as CLIENT_GONE. */
    @Test
    void closeWaitMeansTheClientHasGone() throws Exception {
        RequestHandle h = oldRequest();
        watch(table(LISTEN, client("08"))).checkOnce();
        assertEquals(RequestHandle.Reason.CLIENT_GONE, h.reason());
        assertEquals(List.of(h), List.copyOf(gone));
    }

    /** An ESTABLISHED client is never cancelled, however often it is scanned. */
    @Test
    void establishedClientIsNeverCancelled() throws Exception {
        RequestHandle h = oldRequest();
        DisconnectWatch w = watch(table(LISTEN, client("01")));
        for (int i = 0; i < 20; i++) {
            w.checkOnce();
        }
        assertNull(h.reason());
        assertEquals(20, w.scans());
    }

    /** A missing row (a reset) cancels at the second scan in a row, not the first; a row seen again resets the count. */
    @Test
    void missingRowCancelsOnlyAfterTwoScansInARow() throws Exception {
        RequestHandle h = oldRequest();
        DisconnectWatch missing = watch(table(LISTEN));
        DisconnectWatch present = watch(table(LISTEN, client("01")));
        missing.checkOnce();
        assertNull(h.reason(), "cancelled after one scan without its row");
        present.checkOnce();
        missing.checkOnce();
        assertNull(h.reason(), "the count of misses was not reset by a scan that saw the row");
        missing.checkOnce();
        assertEquals(RequestHandle.Reason.CLIENT_GONE, h.reason());
    }

    /** A table without the server's listening row is not trusted: nothing is cancelled, and the log says why once. */
    @Test
    void tableWithoutTheServersPortCancelsNothing() throws Exception {
        RequestHandle h = oldRequest();
        DisconnectWatch w = watch(table("   0: " + LO + ":1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1"));
        for (int i = 0; i < 5; i++) {
            w.checkOnce();
        }
        assertNull(h.reason());
        assertEquals(1, log.stream().filter(l -> l.contains("does not show this server's port 8080")).count(),
                String.join("\n", log));
    }

    /** With no request computing, the watch never reads the table: an idle or fast server pays nothing. */
    @Test
    void noScanWithoutALongRequest() throws Exception {
        DisconnectWatch w = watch(table(LISTEN, client("08")));
        for (int i = 0; i < 5; i++) {
            w.checkOnce();
        }
        assertEquals(0, w.scans());
    }
}
