package dev.weft.examples.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/** Helpers shared by the server tests. */
final class ServerTesting {
    private ServerTesting() {
    }

    /** A server on loopback, an ephemeral port, with its log lines collected in {@code log}. */
    static DemoServer start(boolean plain, Duration deadline, Duration grace, Queue<String> log) throws Exception {
        return DemoServer.start(new DemoServer.Config(InetAddress.getLoopbackAddress(), 0, deadline, grace, plain,
                log::add));
    }

    static Queue<String> newLog() {
        return new ConcurrentLinkedQueue<>();
    }

    /** Waits until {@code condition} holds, polling, for at most {@code within}. */
    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                fail("timed out after " + within.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    /** The lines of {@code log} that contain {@code text}. */
    static List<String> linesWith(Queue<String> log, String text) {
        return log.stream().filter(l -> l.contains(text)).toList();
    }
}
