package dev.weft;

import static dev.weft.TestSupport.runOn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link CancelScope#shield}: enclosing cancellation is held back inside (no exception and no
 * interrupt, CAN-22), delivered at the shield's exit, while the shield's own scope and scopes
 * inside it still work. The socket tests check the atomicity that makes a shield safe for a
 * virtual thread's I/O: an interrupt would close its socket, so none may ever reach the shield.
 */
@org.junit.jupiter.api.Timeout(60)
class ShieldTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /**
     * CAN-18, CAN-22: inside a shield, an enclosing cancellation raises nothing and interrupts
     * nothing; the shield's exit delivers it and the outer scope catches it.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void shieldBlocksEnclosingCancellationUntilItsExit(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            List<String> record = new ArrayList<>();
            AtomicReference<CancelScope> outer = new AtomicReference<>();
            Object r = CancelScope.run(o -> {
                outer.set(o);
                o.cancel();
                String inside = CancelScope.shield(() -> {
                    Weft.checkpoint();
                    Weft.sleep(Duration.ofMillis(10));
                    assertFalse(Thread.currentThread().isInterrupted(), "interrupt inside a shield");
                    Thread.sleep(10);
                    new ArrayBlockingQueue<Integer>(1).poll(10, TimeUnit.MILLISECONDS);
                    record.add("shield body completed");
                    return "shielded value";
                });
                record.add("after shield: " + inside);
                return "outer finished";
            });
            assertNull(r);
            assertTrue(outer.get().cancelledCaught());
            assertEquals(List.of("shield body completed"), record);
            assertFalse(Thread.currentThread().isInterrupted());
        });
    }

    /** With no enclosing cancellation, a shield returns its body's value. */
    @Test
    void shieldReturnsValueWhenNothingIsCancelled() {
        assertEquals("v", CancelScope.shield(() -> {
            Weft.sleep(Duration.ofMillis(1));
            return "v";
        }));
    }

    /** CAN-22: the shield's own scope can be cancelled; it catches that itself and returns null. */
    @Test
    void shieldDoesNotBlockItsOwnCancellation() {
        List<String> record = new ArrayList<>();
        Object r = CancelScope.shield(() -> {
            CancelScope self = CancelScope.current();
            assertFalse(self.isCancelled());
            self.cancel();
            Weft.sleep(LONG);
            record.add("slept through");
            return "shield";
        });
        assertNull(r);
        assertEquals(List.of(), record);
    }

    /** CAN-22: scopes and timeouts opened inside a shield are cancelled as usual. */
    @Test
    void shieldDoesNotBlockInnerScopes() throws Exception {
        CancelScope.run(o -> {
            o.cancel();
            try {
                CancelScope.shield(() -> {
                    AtomicReference<CancelScope> inner = new AtomicReference<>();
                    assertNull(CancelScope.run(i -> {
                        inner.set(i);
                        i.cancel();
                        Thread.sleep(LONG.toMillis());
                        return "inner";
                    }));
                    assertTrue(inner.get().cancelledCaught());
                    Optional<String> moved = Timeout.moveOnAfter(Duration.ofMillis(20), () -> {
                        Weft.sleep(LONG);
                        return "x";
                    });
                    assertTrue(moved.isEmpty());
                    assertThrows(DeadlineExceededException.class,
                            () -> Timeout.failAfter(Duration.ofMillis(20), () -> {
                                Thread.sleep(LONG.toMillis());
                                return null;
                            }));
                    return null;
                });
                fail("the shield's exit must deliver the outer cancellation");
            } catch (CancelledException expected) {
                // delivered at exit
            }
            return null;
        });
    }

    /** A shield inside a shield does not deliver at its exit: the outer shield still protects. */
    @Test
    void nestedShieldDeliversOnlyAtOutermostShieldExit() {
        List<String> record = new ArrayList<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        CancelScope.run(o -> {
            outer.set(o);
            CancelScope.shield(() -> {
                o.cancel();
                CancelScope.shield(() -> record.add("inner shield"));
                record.add("after inner shield");
                Weft.checkpoint();
                record.add("checkpoint in outer shield");
                return null;
            });
            record.add("after outer shield");
            return null;
        });
        assertEquals(List.of("inner shield", "after inner shield", "checkpoint in outer shield"), record);
        assertTrue(outer.get().cancelledCaught());
    }

    /** A non-cancellation exception from a shield body passes unchanged, even with a pending outer cancellation. */
    @Test
    void shieldBodyExceptionPassesUnchanged() {
        IOException boom = new IOException("boom");
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        IOException thrown = assertThrows(IOException.class, () -> CancelScope.run(o -> {
            outer.set(o);
            o.cancel();
            return CancelScope.shield(() -> {
                throw boom;
            });
        }));
        assertSame(boom, thrown);
        assertFalse(outer.get().cancelledCaught());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** Tasks of a group opened inside a shield are not cancelled by the enclosing scope. */
    @Test
    void shieldedTaskGroupIsNotCancelledByEnclosingScope() {
        List<Task<String>> tasks = new ArrayList<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        CancelScope.run(o -> {
            outer.set(o);
            return CancelScope.shield(() -> TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(2);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Thread.sleep(50);
                    return "jdk sleep done";
                }));
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(Duration.ofMillis(50));
                    return "weft sleep done";
                }));
                TestSupport.await(started, "started");
                o.cancel();
                return null;
            }));
        });
        assertTrue(outer.get().cancelledCaught());
        assertEquals(Task.State.SUCCESS, tasks.get(0).state());
        assertEquals(Task.State.SUCCESS, tasks.get(1).state());
        assertEquals("jdk sleep done", tasks.get(0).join());
        assertEquals("weft sleep done", tasks.get(1).join());
    }

    /** A task whose shield is running when the group is cancelled finishes the shield, then ends CANCELLED. */
    @Test
    void taskEndsCancelledAfterItsShieldCompletes() {
        List<String> record = new ArrayList<>();
        AtomicReference<Task<Void>> task = new AtomicReference<>();
        TaskGroup.run(g -> {
            CountDownLatch inShield = new CountDownLatch(1);
            task.set(g.spawn(() -> {
                CancelScope.shield(() -> {
                    inShield.countDown();
                    Thread.sleep(50);
                    synchronized (record) {
                        record.add("shield done");
                    }
                    return null;
                });
                synchronized (record) {
                    record.add("after shield");
                }
            }));
            TestSupport.await(inShield, "inShield");
            g.cancel();
            return null;
        });
        assertEquals(List.of("shield done"), record);
        assertEquals(Task.State.CANCELLED, task.get().state());
    }

    /** A JDK blocking call inside a shield runs to the end while another thread cancels the outer scope. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void jdkBlockingCallInsideShieldIsNotInterrupted(ThreadKind kind) throws Exception {
        BlockingQueue<String> q = new ArrayBlockingQueue<>(1);
        CountDownLatch inShield = new CountDownLatch(1);
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        Thread canceller = Thread.ofPlatform().start(() -> {
            try {
                if (inShield.await(10, TimeUnit.SECONDS)) {
                    outer.get().cancel();
                    q.put("after cancel");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        runOn(kind, () -> {
            List<String> got = new ArrayList<>();
            CancelScope.run(o -> {
                outer.set(o);
                return CancelScope.shield(() -> {
                    inShield.countDown();
                    got.add(q.take()); // an interrupt would throw here
                    return null;
                });
            });
            assertEquals(List.of("after cancel"), got);
            assertTrue(outer.get().cancelledCaught());
            assertFalse(Thread.currentThread().isInterrupted());
        });
        canceller.join();
    }

    /** Who cancels the scope that encloses the shield, in the socket tests. */
    enum Outer {
        /** A CancelScope around the shield, cancelled with {@link CancelScope#cancel()}. */
        SCOPE,
        /** The group around a task that opens the shield, cancelled with {@link TaskGroup#cancel()}. */
        GROUP
    }

    /**
     * A virtual thread blocked in a socket read inside a shield is never interrupted while the
     * enclosing scope is cancelled, however the cancel races the shield's entry: the one socket
     * stays open through every iteration and each read completes when the peer writes.
     */
    @ParameterizedTest
    @EnumSource(Outer.class)
    void socketReadInsideShieldSurvivesRacingCancellation(Outer how) throws Exception {
        final int iterations = 400;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            InputStream in = client.getInputStream();
            OutputStream clientOut = client.getOutputStream();
            InputStream peerIn = peer.getInputStream();
            OutputStream peerOut = peer.getOutputStream();
            for (int i = 0; i < iterations; i++) {
                final int round = i;
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                CountDownLatch aboutToShield = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                int[] read = {-1};
                boolean[] caught = {false};
                Runnable reader = () -> {
                    try {
                        CancelScope.shield(() -> {
                            read[0] = in.read(); // blocks until the peer writes, after the cancel
                            return null;
                        });
                        fail("the shield's exit must deliver the cancellation");
                    } catch (CancelledException expected) {
                        caught[0] = true;
                        throw expected;
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                };
                Thread worker = Thread.ofVirtual().start(() -> {
                    try {
                        if (how == Outer.SCOPE) {
                            CancelScope.run(s -> {
                                cancel.set(s::cancel);
                                aboutToShield.countDown();
                                reader.run();
                                return null;
                            });
                        } else {
                            TaskGroup.run(g -> {
                                cancel.set(g::cancel);
                                g.spawn(() -> {
                                    aboutToShield.countDown();
                                    reader.run();
                                });
                                return null;
                            });
                        }
                        if (Thread.currentThread().isInterrupted()) {
                            failure.compareAndSet(null, new AssertionError("interrupt leaked in round " + round));
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                });
                TestSupport.await(aboutToShield, "aboutToShield");
                // Race the cancel against the shield's entry: from "at once" to "well inside the read".
                long spin = ThreadLocalRandom.current().nextLong(0, 200_000);
                long until = System.nanoTime() + spin;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                cancel.get().run();
                peerOut.write(round & 0x7f);
                peerOut.flush();
                assertTrue(worker.join(TestSupport.PROMPT), "reader stuck in round " + round);
                if (failure.get() != null) {
                    throw new AssertionError("round " + round + ": " + failure.get(), failure.get());
                }
                assertTrue(caught[0], "round " + round + ": the shield exit did not deliver");
                assertEquals(round & 0x7f, read[0], "round " + round);
                assertFalse(client.isClosed(), "round " + round + ": the socket was closed by an interrupt");
                // The socket still works both ways.
                clientOut.write(1);
                clientOut.flush();
                assertEquals(1, peerIn.read());
            }
        }
    }
}
