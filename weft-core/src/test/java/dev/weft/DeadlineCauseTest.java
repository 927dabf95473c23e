package dev.weft;

import static dev.weft.TestSupport.WAKE_BOUND;
import static dev.weft.TestSupport.millisSince;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link DeadlineExceededException} of a deadline that stopped a block has the
 * {@link CancelledException} as its cause, for every kind of blocking call: weft's own, and JDK
 * calls woken by weft's interrupt, whose exception ({@code InterruptedException},
 * {@code ClosedByInterruptException}, a socket's "Closed by interrupt") is in turn the
 * cancellation's cause, so nothing is lost.
 */
class DeadlineCauseTest {
    private static final Duration BUDGET = Duration.ofMillis(30);

    /** A blocking call that only a cancellation ends, and the exception type the JDK throws when interrupted. */
    enum Blocker {
        THREAD_SLEEP(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                Thread.sleep(Duration.ofMinutes(5));
            }
        },
        QUEUE_TAKE(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                new ArrayBlockingQueue<String>(1).take();
            }
        },
        LOCK_INTERRUPTIBLY(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                r.heldLock().lockInterruptibly();
            }
        },
        LATCH_AWAIT(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                new CountDownLatch(1).await();
            }
        },
        OBJECT_WAIT(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                Object monitor = new Object();
                synchronized (monitor) {
                    monitor.wait();
                }
            }
        },
        FUTURE_GET(InterruptedException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                new CompletableFuture<String>().get();
            }
        },
        SOCKET_CHANNEL_READ(java.nio.channels.ClosedByInterruptException.class, true) {
            @Override
            void block(Resources r) throws Exception {
                try (ServerSocketChannel server = ServerSocketChannel.open()) {
                    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                         SocketChannel accepted = server.accept()) {
                        assertTrue(accepted.isConnected()); // the peer stays open and never writes
                        client.read(ByteBuffer.allocate(16));
                    }
                }
            }
        },
        /** Legacy socket I/O is interruptible on virtual threads only. */
        SOCKET_READ(java.net.SocketException.class, false) {
            @Override
            void block(Resources r) throws Exception {
                try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                     Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                     Socket accepted = server.accept();
                     InputStream in = client.getInputStream()) {
                    assertTrue(accepted.isConnected()); // the peer stays open and never writes
                    in.read();
                }
            }
        };

        final Class<? extends Throwable> jdkException;
        final boolean onPlatformThreads;

        Blocker(Class<? extends Throwable> jdkException, boolean onPlatformThreads) {
            this.jdkException = jdkException;
            this.onPlatformThreads = onPlatformThreads;
        }

        abstract void block(Resources r) throws Exception;
    }

    /** What a blocker needs from outside: a lock held by another thread until the test ends. */
    static final class Resources implements AutoCloseable {
        private final ReentrantLock lock = new ReentrantLock();
        private final CountDownLatch release = new CountDownLatch(1);
        private Thread holder;

        ReentrantLock heldLock() throws InterruptedException {
            CountDownLatch held = new CountDownLatch(1);
            holder = Thread.ofPlatform().start(() -> {
                lock.lock();
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    lock.unlock();
                }
            });
            held.await();
            return lock;
        }

        @Override
        public void close() throws Exception {
            release.countDown();
            if (holder != null) {
                holder.join(TestSupport.PROMPT);
            }
        }
    }

    static Stream<Arguments> jdkCalls() {
        return Stream.of(ThreadKind.values()).flatMap(kind -> Stream.of(Blocker.values())
                .filter(b -> kind == ThreadKind.VIRTUAL || b.onPlatformThreads)
                .map(b -> Arguments.of(kind, b)));
    }

    /** A weft blocking call stopped by the deadline: the cause is the CancelledException it threw. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void weftCallCauseIsTheCancellation(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                    () -> Timeout.failAfter(BUDGET, () -> {
                        Weft.sleep(Duration.ofMinutes(5));
                        return null;
                    }));
            assertInstanceOf(CancelledException.class, e.getCause());
            assertNotNull(e.deadline());
        });
    }

    /**
     * A JDK call stopped by the deadline's interrupt: the cause is a CancelledException, and the
     * JDK's own exception is the cancellation's cause.
     */
    @ParameterizedTest
    @MethodSource("jdkCalls")
    void jdkCallCauseIsTheCancellationCarryingTheJdkException(ThreadKind kind, Blocker blocker) throws Exception {
        try (Resources r = new Resources()) {
            TestSupport.runOn(kind, () -> {
                long t0 = System.nanoTime();
                DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                        () -> Timeout.failAfter(BUDGET, () -> {
                            blocker.block(r);
                            return null;
                        }));
                assertTrue(millisSince(t0) < WAKE_BOUND.toMillis(), blocker + " took " + millisSince(t0) + " ms");
                CancelledException ce = assertInstanceOf(CancelledException.class, e.getCause(), blocker::name);
                assertInstanceOf(blocker.jdkException, ce.getCause(), blocker::name);
                assertFalse(Thread.currentThread().isInterrupted(), "interrupt leaked");
            });
        }
    }

    /** The same through failAt. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void failAtCauseIsTheCancellationToo(ThreadKind kind) throws Exception {
        TestSupport.runOn(kind, () -> {
            DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                    () -> Timeout.failAt(Deadline.after(BUDGET), () -> {
                        Thread.sleep(Duration.ofMinutes(5));
                        return null;
                    }));
            assertInstanceOf(InterruptedException.class,
                    assertInstanceOf(CancelledException.class, e.getCause()).getCause());
        });
    }
}
