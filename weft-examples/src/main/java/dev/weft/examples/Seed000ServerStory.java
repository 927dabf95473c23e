package dev.weft.examples;

import dev.weft.ContextVar;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Token;
import dev.weft.Weft;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Story 000 of {@code docs/stories.md}, the server: a socket server keeps each connection's client address in a
 * {@link ContextVar}, and code deep in the handler reads it without being passed it.
 *
 * <p>Real parts: a {@link ServerSocket} on loopback (ephemeral port) whose acceptor spawns one
 * task per connection into a {@link TaskGroup}, and {@value #CLIENTS} real client sockets, all
 * connected at the same time: every handler sets {@code CLIENT} and then waits until all
 * {@value #CLIENTS} connections are in, so that fifty values live side by side before anyone
 * answers. Each client checks that the address in its reply is its own.
 *
 * <p>(Story 000's second half, an async generator abandoned by {@code break}, becomes its own
 * story once weft has {@code Generator}.)
 */
public final class Seed000ServerStory implements Story {
    /** The connection's client address, as in the story: {@code ContextVar("client", default="-")}. */
    static final ContextVar<String> CLIENT = ContextVar.of("client", "-");
    static final int CLIENTS = 50;

    @Override
    public String number() {
        return "000";
    }

    @Override
    public String title() {
        return "A ContextVar per connection in a socket server";
    }

    @Override
    public String python() {
        return "asyncio.start_server runs handler() as one task per connection; handler sets"
                + " client = ContextVar(\"client\") to the peer address, and show_client_info() reads it without"
                + " being passed it. A threading.local would not do: coroutines share the thread.";
    }

    @Override
    public String weft() {
        return "the acceptor spawns one task per connection into a TaskGroup; each task runs in its own copy of the"
                + " context, so CLIENT.set(peer) is seen by that connection's code only, however many connections"
                + " are open at once.";
    }

    /** Says who the client is, from the context only: the story's {@code show_client_info()}. */
    static String showClientInfo() {
        return "Client address: " + CLIENT.get() + "\n";
    }

    /** One client's view: its own address, and the address the server sent back. */
    private record Reply(String own, String echoed) {
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger waitedTogether = new AtomicInteger();
        CountDownLatch allIn = new CountDownLatch(CLIENTS);
        long start = System.nanoTime();
        List<Reply> replies;
        int port;
        try (ServerSocket server = new ServerSocket(0, CLIENTS * 2, loopback)) {
            port = server.getLocalPort();
            replies = TaskGroup.run("story000", g -> {
                g.spawn("acceptor", () -> TaskGroup.run("connections", connections -> {
                    for (;;) {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        connections.spawn(() -> handle(s, allIn, waitedTogether, closed));
                    }
                }));
                List<Reply> got = TaskGroup.run("clients", clients -> {
                    List<Task<Reply>> tasks = new ArrayList<>();
                    for (int i = 0; i < CLIENTS; i++) {
                        tasks.add(clients.spawn(() -> client(loopback, server.getLocalPort())));
                    }
                    List<Reply> out = new ArrayList<>();
                    for (Task<Reply> t : tasks) {
                        out.add(t.join());
                    }
                    return out;
                });
                g.cancel(); // stops the acceptor: its accept() is interrupted, the group ends
                return got;
            });
        }
        long millis = Evidence.millisSince(start);

        int own = 0;
        Set<String> distinct = new HashSet<>();
        for (Reply r : replies) {
            if (r.own.equals(r.echoed)) {
                own++;
            }
            distinct.add(r.echoed);
        }
        Reply sample = replies.getFirst();
        ev.line("server on 127.0.0.1:%d; %d clients connected; every handler set CLIENT, then waited for all %d",
                port, CLIENTS, CLIENTS);
        ev.check(waitedTogether.get() == CLIENTS, "%d of %d handlers held their own CLIENT value at the same moment",
                waitedTogether.get(), CLIENTS);
        ev.check(own == CLIENTS && distinct.size() == CLIENTS,
                "%d of %d replies carried the client's own address (%d mismatches), %d distinct values",
                own, CLIENTS, CLIENTS - own, distinct.size());
        ev.line("e.g. the client at %s got \"Client address: %s\"", sample.own, sample.echoed);
        ev.check(accepted.get() == CLIENTS && closed.get() == CLIENTS,
                "%d connections accepted, %d closed by their task, 0 left open; the task group ended: no task left;"
                        + " %d ms", accepted.get(), closed.get(), millis);
        return ev.result();
    }

    /** The story's {@code handler(reader, writer)}: one connection, in its own task. */
    @SuppressWarnings("try") // the token is there to be closed, not read
    private static void handle(Socket s, CountDownLatch allIn, AtomicInteger waitedTogether, AtomicInteger closed)
            throws IOException, InterruptedException {
        try (s; Token<String> t = CLIENT.set(address(s.getRemoteSocketAddress()))) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.isBlank());
            allIn.countDown();
            if (allIn.await(10, TimeUnit.SECONDS)) {
                waitedTogether.incrementAndGet();
            }
            Weft.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(5))); // answer in any order
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + showClientInfo())
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } finally {
            closed.incrementAndGet();
        }
    }

    /** One client: connects, sends a request, returns its own address and the one in the reply. */
    private static Reply client(InetAddress loopback, int port) throws IOException {
        try (Socket c = new Socket(loopback, port)) {
            c.setSoTimeout(15_000);
            c.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            int at = reply.indexOf("Client address: ");
            String echoed = at < 0 ? "<no address in reply>" : reply.substring(at + 16).strip();
            return new Reply(address(c.getLocalSocketAddress()), echoed);
        }
    }

    private static String address(SocketAddress a) {
        InetSocketAddress i = (InetSocketAddress) a;
        return i.getAddress().getHostAddress() + ":" + i.getPort();
    }
}
