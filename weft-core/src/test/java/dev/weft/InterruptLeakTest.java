package dev.weft;

import static dev.weft.TestSupport.runOn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No interrupt leaks: for every way a scope can end, on platform and virtual threads, the
 * thread's interrupt flag after the scope is exactly what it would be without weft: clear, or
 * set if the test itself interrupted the thread (a foreign interrupt, which weft must keep).
 * A JDK blocking call right after the scope must not be spuriously interrupted.
 *
 * <p>What "without weft" means is only defined when the foreign interrupt cannot be confused
 * with weft's own: a foreign interrupt that lands while weft's interrupt is still pending, or
 * that a JDK call consumed, is one bit shared by both. The scenarios below set it only where
 * the two are distinguishable, and say so.
 */
@org.junit.jupiter.api.Timeout(120)
class InterruptLeakTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    /** When the test interrupts the thread itself. */
    enum Foreign {
        /** Never. */
        NONE,
        /** Before the scope is entered. */
        BEFORE,
        /** Inside the scope, as its last action, once weft's own interrupt (if any) has been taken back by a weft call. */
        AT_EXIT
    }

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    static void atExit(Foreign f) {
        if (f == Foreign.AT_EXIT) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Cancels from another thread once {@code target} is parked in the blocking call that follows
     * {@code armed}: the cancel then reaches a thread that is really blocked.
     */
    static final class Canceller {
        private final Thread target = Thread.currentThread();
        private final CountDownLatch armed = new CountDownLatch(1);
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Canceller(AtomicReference<Runnable> cancel) {
            thread = Thread.ofPlatform().start(() -> {
                try {
                    assertTrue(armed.await(10, TimeUnit.SECONDS), "never armed");
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    Thread.State s;
                    while ((s = target.getState()) != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
                        assertTrue(System.nanoTime() - until < 0, "target never blocked: " + s);
                        Thread.onSpinWait();
                    }
                    cancel.get().run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
        }

        /** Called by the target right before it blocks. */
        void arm() {
            armed.countDown();
        }

        /** Waits for the canceller without touching the caller's interrupt flag, which the test checks. */
        void join() {
            assertTrue(joinKeepingInterrupt(thread));
            if (failure.get() != null) {
                throw new AssertionError("canceller failed", failure.get());
            }
        }
    }

    /** Every way a scope ends, each run on the thread under test; each checks its own outcome. */
    enum Scenario {
        /** The body returns normally after a short weft sleep. */
        NORMAL_RETURN_WEFT(Foreign.NONE, Foreign.BEFORE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) {
                assertEquals("v", CancelScope.run(s -> {
                    if (f != Foreign.BEFORE) {
                        Weft.sleep(Duration.ofMillis(1));
                    }
                    atExit(f);
                    return "v";
                }));
            }
        },
        /** The body returns normally after a short JDK sleep. */
        NORMAL_RETURN_JDK(Foreign.NONE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) throws Exception {
                assertEquals("v", CancelScope.run(s -> {
                    Thread.sleep(1);
                    atExit(f);
                    return "v";
                }));
            }
        },
        /** The body of a timeout with a far deadline (registered with the timer) returns normally. */
        NORMAL_RETURN_IN_TIMEOUT(Foreign.NONE, Foreign.BEFORE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) throws Exception {
                assertEquals("v", Timeout.failAfter(Duration.ofHours(1), () -> {
                    if (f != Foreign.BEFORE) {
                        Thread.sleep(1);
                        Weft.sleep(Duration.ofMillis(1));
                    }
                    atExit(f);
                    return "v";
                }));
            }
        },
        /** The scope cancels itself; a weft sleep throws; the scope absorbs it. */
        ABSORBED_SELF_WEFT(Foreign.NONE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) {
                assertNull(CancelScope.run(s -> {
                    s.cancel();
                    try {
                        Weft.sleep(LONG);
                    } catch (CancelledException e) {
                        atExit(f);
                        throw e;
                    }
                    return "slept";
                }));
            }
        },
        /** Another thread cancels the scope while its owner sleeps in weft; the scope absorbs it. */
        ABSORBED_OTHER_WEFT(Foreign.NONE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) throws Exception {
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertNull(CancelScope.run(s -> {
                    cancel.set(s::cancel);
                    c.arm();
                    try {
                        Weft.sleep(LONG);
                    } catch (CancelledException e) {
                        atExit(f);
                        throw e;
                    }
                    return "slept";
                }));
                c.join();
            }
        },
        /** Another thread cancels the scope while its owner is in a JDK sleep; the InterruptedException is absorbed. */
        ABSORBED_OTHER_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertNull(CancelScope.run(s -> {
                    cancel.set(s::cancel);
                    c.arm();
                    new ArrayBlockingQueue<Integer>(1).take();
                    return "taken";
                }));
                c.join();
            }
        },
        /**
         * The usual Java idiom: catch InterruptedException, re-assert the interrupt, wrap and
         * throw. That interrupt is weft's, and must not outlive the scope.
         */
        ABSORBED_RESTORED_INTERRUPT(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertNull(CancelScope.run(s -> {
                    cancel.set(s::cancel);
                    c.arm();
                    try {
                        Thread.sleep(LONG);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("wrapped", e);
                    }
                    return "slept";
                }));
                c.join();
            }
        },
        /** The scope is cancelled but the body never blocks: the cancellation is never delivered (CAN-21). */
        UNDELIVERED(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                assertEquals("v", CancelScope.run(s -> {
                    s.cancel();
                    return "v";
                }));
            }
        },
        /** Inner and outer are cancelled; the cancellation passes the inner scope and the outer absorbs it. */
        TO_OUTER_SELF_WEFT(Foreign.NONE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) {
                assertEquals("outer absorbed", CancelScope.run(outer -> {
                    try {
                        CancelScope.run(inner -> {
                            inner.cancel();
                            outer.cancel();
                            Weft.sleep(LONG);
                            return null;
                        });
                    } catch (CancelledException e) {
                        atExit(f);
                        return "outer absorbed";
                    }
                    return "inner absorbed";
                }));
            }
        },
        /** Another thread cancels the outer scope while the owner blocks in a JDK call in the inner one. */
        TO_OUTER_OTHER_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertNull(CancelScope.run(outer -> {
                    cancel.set(outer::cancel);
                    return Timeout.failAfter(LONG, () -> CancelScope.run(inner -> {
                        c.arm();
                        Thread.sleep(LONG);
                        return "slept";
                    }));
                }));
                c.join();
            }
        },
        /** A cancelled scope (interrupt pending) whose body throws its own exception without blocking. */
        BODY_EXCEPTION_PENDING(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                assertThrows(IOException.class, () -> CancelScope.run(s -> {
                    s.cancel();
                    throw new IOException("boom");
                }));
            }
        },
        /** The body catches its weft cancellation and throws something else. */
        BODY_EXCEPTION_AFTER_WEFT(Foreign.NONE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) {
                assertThrows(IllegalStateException.class, () -> CancelScope.run(s -> {
                    s.cancel();
                    try {
                        Weft.sleep(LONG);
                    } catch (CancelledException e) {
                        atExit(f);
                        throw new IllegalStateException("replaced");
                    }
                    return null;
                }));
            }
        },
        /** Cancelled from another thread in a JDK call, the body throws something unrelated to the interrupt. */
        BODY_EXCEPTION_AFTER_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertThrows(IllegalStateException.class, () -> CancelScope.run(s -> {
                    cancel.set(s::cancel);
                    c.arm();
                    try {
                        Thread.sleep(LONG);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException("replaced, no cause");
                    }
                    return null;
                }));
                c.join();
            }
        },
        /** An uncancelled scope whose body throws. */
        BODY_EXCEPTION_UNCANCELLED(Foreign.NONE, Foreign.BEFORE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) {
                assertThrows(IOException.class, () -> CancelScope.run(s -> {
                    atExit(f);
                    throw new IOException("boom");
                }));
            }
        },
        /** The outer scope is cancelled inside a shield; the shield's exit delivers it and the outer absorbs. */
        SHIELD_EXIT_SELF(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                assertNull(CancelScope.run(outer -> CancelScope.shield(() -> {
                    outer.cancel();
                    Thread.sleep(2);
                    Weft.sleep(Duration.ofMillis(2));
                    assertFalse(Thread.currentThread().isInterrupted());
                    return "shield";
                })));
            }
        },
        /** Another thread cancels the outer scope while the shield's body is blocked in a JDK call. */
        SHIELD_EXIT_OTHER_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                BlockingQueue<String> q = new ArrayBlockingQueue<>(1);
                AtomicReference<Runnable> cancel = new AtomicReference<>();
                Canceller c = new Canceller(cancel);
                assertNull(CancelScope.run(outer -> {
                    cancel.set(() -> {
                        outer.cancel();
                        q.add("after cancel");
                    });
                    return CancelScope.shield(() -> {
                        c.arm();
                        return q.take();
                    });
                }));
                c.join();
            }
        },
        /**
         * A shield with nothing cancelled around it. Its exit is a weft checkpoint, so a foreign
         * interrupt makes it throw CancelledException (and stays set).
         */
        SHIELD_NO_CANCEL(Foreign.NONE, Foreign.BEFORE, Foreign.AT_EXIT) {
            @Override
            void run(Foreign f) throws Exception {
                CallableOp<String, Exception> body = () -> {
                    if (f != Foreign.BEFORE) {
                        Thread.sleep(1);
                        Weft.sleep(Duration.ofMillis(1));
                    }
                    atExit(f);
                    return "v";
                };
                if (f == Foreign.NONE) {
                    assertEquals("v", CancelScope.shield(body));
                } else {
                    assertThrows(CancelledException.class, () -> CancelScope.shield(body));
                }
            }
        },
        /** failAfter expires while the body is in a weft sleep. */
        TIMEOUT_EXPIRY_WEFT(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ofMillis(5), () -> {
                    Weft.sleep(LONG);
                    return null;
                }));
            }
        },
        /** failAfter expires while the body is in a JDK sleep (the timer interrupts it). */
        TIMEOUT_EXPIRY_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ofMillis(5), () -> {
                    Thread.sleep(LONG);
                    return null;
                }));
            }
        },
        /** moveOnAfter expires while the body waits on a queue. */
        MOVE_ON_EXPIRY_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) throws Exception {
                assertEquals(Optional.empty(), Timeout.moveOnAfter(Duration.ofMillis(5),
                        () -> new ArrayBlockingQueue<Integer>(1).take()));
            }
        },
        /** The deadline passes (and the timer fires) while the body computes; it returns without a checkpoint. */
        TIMEOUT_EXPIRED_BUSY(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                Deadline d = Deadline.after(Duration.ofMillis(3));
                assertEquals("v", Timeout.failAt(d, () -> {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                    assertTrue(d.isExpired());
                    return "v";
                }));
            }
        },
        /** The group's body cancels the group while tasks block in weft and JDK calls; run returns null. */
        GROUP_CANCEL_SELF(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                assertNull(TaskGroup.run(g -> {
                    CountDownLatch started = new CountDownLatch(2);
                    g.spawn(() -> {
                        started.countDown();
                        Weft.sleep(LONG);
                    });
                    g.spawn(() -> {
                        started.countDown();
                        Thread.sleep(LONG);
                    });
                    started.await();
                    g.cancel();
                    Weft.sleep(LONG);
                    return "slept";
                }));
            }
        },
        /** A task cancels the group while the owner blocks in a JDK call in the body. */
        GROUP_CANCEL_BY_TASK_JDK(Foreign.NONE) {
            @Override
            void run(Foreign f) {
                Thread owner = Thread.currentThread();
                assertNull(TaskGroup.run(g -> {
                    g.spawn(() -> {
                        TestSupport.awaitParked(owner);
                        g.cancel();
                    });
                    Thread.sleep(LONG);
                    return "slept";
                }));
            }
        },
        /** The body has returned; a task cancels the group while the owner waits for the tasks. */
        GROUP_CANCEL_WHILE_WAITING(Foreign.NONE, Foreign.BEFORE) {
            @Override
            void run(Foreign f) {
                Thread owner = Thread.currentThread();
                Object r;
                try {
                    r = TaskGroup.run(g -> {
                        g.spawn(() -> {
                            TestSupport.awaitParked(owner);
                            if (f == Foreign.BEFORE) {
                                // A thread with an interrupt pending can look parked for an instant
                                // (its state turns WAITING before the park sees the flag and returns),
                                // so wait, spinning, for the cancellation that the owner's interrupt
                                // makes: the task's cancel below must come second, as the scenario says.
                                long end = System.nanoTime() + TestSupport.PROMPT.toNanos();
                                while (!g.isCancelled()) {
                                    assertTrue(System.nanoTime() - end < 0, "the owner's interrupt did not cancel the group");
                                    Thread.onSpinWait();
                                }
                            }
                            g.cancel();
                            Weft.sleep(LONG);
                        });
                        return "body";
                    });
                } catch (CancelledException e) {
                    // A foreign interrupt of the waiting owner cancels the group: that is the documented outcome.
                    assertEquals(Foreign.BEFORE, f, "only a foreign interrupt makes the group throw here");
                    return;
                }
                assertEquals(Foreign.NONE, f);
                assertEquals("body", r);
            }
        };

        final Set<Foreign> modes;

        Scenario(Foreign first, Foreign... rest) {
            this.modes = EnumSet.of(first, rest);
        }

        abstract void run(Foreign f) throws Exception;
    }

    /** Joins {@code t} (bounded) and leaves the caller's interrupt flag as it was. */
    static boolean joinKeepingInterrupt(Thread t) {
        boolean interrupted = Thread.interrupted();
        try {
            return t.join(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            throw new AssertionError("interrupted while the flag was clear", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            for (ThreadKind k : ThreadKind.values()) {
                for (Foreign f : s.modes) {
                    out.add(Arguments.of(s, k, f));
                }
            }
        }
        return out.stream();
    }

    /** After the scenario's scope has ended, the interrupt flag is what the test alone made it, and a JDK call is not disturbed. */
    @ParameterizedTest(name = "{0} on {1}, foreign interrupt {2}")
    @MethodSource("cases")
    void interruptFlagAfterScopeIsWhatItWouldBeWithoutWeft(Scenario scenario, ThreadKind kind, Foreign foreign)
            throws Exception {
        runOn(kind, () -> {
            for (int round = 0; round < 3; round++) {
                if (foreign == Foreign.BEFORE) {
                    Thread.currentThread().interrupt();
                }
                scenario.run(foreign);
                boolean expected = foreign != Foreign.NONE;
                assertEquals(expected, Thread.currentThread().isInterrupted(),
                        scenario + " round " + round + ": interrupt flag after the scope");
                Thread.interrupted(); // the test's own interrupt, checked; clear it for the JDK call
                BlockingQueue<Integer> q = new ArrayBlockingQueue<>(1);
                assertNull(q.poll(round == 0 ? 50 : 1, TimeUnit.MILLISECONDS), "empty queue");
                Weft.checkpoint();
            }
        });
    }

    /** A foreign interrupt that arrives while the owner waits for its tasks cancels them and stays set. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptWhileGroupWaitsStaysSet(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            Thread owner = Thread.currentThread();
            List<Task<?>> tasks = new ArrayList<>();
            Thread interrupter = Thread.ofPlatform().start(() -> {
                TestSupport.awaitParked(owner);
                owner.interrupt();
            });
            assertThrows(CancelledException.class, () -> TaskGroup.run(g -> {
                tasks.add(g.spawn(() -> {
                    Thread.sleep(LONG);
                    return null;
                }));
                return "body";
            }));
            assertTrue(joinKeepingInterrupt(interrupter));
            assertTrue(Thread.interrupted(), "the foreign interrupt must stay set");
            assertEquals(Task.State.CANCELLED, tasks.getFirst().state());
        });
    }

    // ---- foreign interrupts that weft's own interrupt must not swallow ----

    /**
     * A thread interrupted from outside, then cancelled by weft (the same scope): the flag is
     * set when weft wants to interrupt. Without weft it would stay set, so it must after the scope.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptBeforeSelfCancelIsKept(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            Thread.currentThread().interrupt();
            assertNull(CancelScope.run(s -> {
                s.cancel();
                Weft.checkpoint();
                return "v";
            }));
            assertTrue(Thread.interrupted(), "weft took the foreign interrupt as its own and cleared it");
        });
    }

    /** As above, for a cancellation never delivered (no checkpoint). */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptBeforeUndeliveredCancelIsKept(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            Thread.currentThread().interrupt();
            assertEquals("v", CancelScope.run(s -> {
                s.cancel();
                return "v";
            }));
            assertTrue(Thread.interrupted(), "weft took the foreign interrupt as its own and cleared it");
        });
    }

    /** As above, for a deadline that passes while the body computes. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptBeforeExpiredTimeoutIsKept(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            Thread.currentThread().interrupt();
            Deadline d = Deadline.after(Duration.ofMillis(3));
            assertEquals("v", Timeout.failAt(d, () -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
                while (System.nanoTime() - until < 0) { // busy past the deadline: the timer fires meanwhile
                    Thread.onSpinWait();
                }
                return "v";
            }));
            assertTrue(Thread.interrupted(), "weft took the foreign interrupt as its own and cleared it");
        });
    }

    /** A foreign interrupt inside a shield, as the shield's last action, survives the delivery at the shield's exit. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptInsideShieldIsKept(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            assertNull(CancelScope.run(outer -> CancelScope.shield(() -> {
                outer.cancel();
                Thread.currentThread().interrupt();
                return "v";
            })));
            assertTrue(Thread.interrupted(), "weft took the foreign interrupt as its own and cleared it");
        });
    }

    /** A foreign interrupt after the group's body took weft's cancellation survives the wait for the tasks. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void foreignInterruptAfterGroupCancellationIsKept(ThreadKind kind) throws Exception {
        runOn(kind, () -> {
            assertNull(TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(1);
                g.spawn(() -> {
                    started.countDown();
                    try {
                        Weft.sleep(LONG);
                    } finally {
                        CancelScope.shield(() -> {
                            Thread.sleep(30); // keeps the owner waiting for a while
                            return null;
                        });
                    }
                });
                started.await();
                g.cancel();
                try {
                    Weft.sleep(LONG);
                } catch (CancelledException e) {
                    Thread.currentThread().interrupt(); // foreign: weft's interrupt was taken back
                    throw e;
                }
                return "slept";
            }));
            assertTrue(Thread.interrupted(), "the group's wait cleared a foreign interrupt");
        });
    }

    // ---- hammering ----

    /** One iteration shape for the hammer: how the scope under test is built. */
    enum Shape {
        PLAIN, NESTED, SHIELDED, TIMEOUT, GROUP, JDK_WAIT
    }

    /**
     * Many scopes entered and exited in a loop while another thread cancels them at random
     * moments, racing cancel() against the scope's exit: after every exit, no interrupt.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void cancelRacingScopeExitNeverLeaksInterrupt(ThreadKind kind) throws Exception {
        AtomicReference<Runnable> target = new AtomicReference<>();
        AtomicInteger generation = new AtomicInteger();
        AtomicLong cancels = new AtomicLong();
        AtomicLong caught = new AtomicLong();
        AtomicInteger iterations = new AtomicInteger();
        int[] byShape = new int[Shape.values().length];
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread canceller = Thread.ofPlatform().start(() -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int last = -1;
            while (!stop.get()) {
                int gen = generation.get();
                Runnable r = target.get();
                if (r == null || gen == last) {
                    Thread.onSpinWait();
                    continue;
                }
                long spin = rnd.nextLong(0, 20_000);
                long until = System.nanoTime() + spin;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                r.run();
                cancels.incrementAndGet();
                last = gen;
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        try {
            runOn(kind, () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                BlockingQueue<Integer> q = new ArrayBlockingQueue<>(1);
                for (int i = 0; i < 200_000 && System.nanoTime() - deadline < 0; i++) {
                    Shape shape = Shape.values()[rnd.nextInt(Shape.values().length)];
                    byShape[shape.ordinal()]++;
                    int work = rnd.nextInt(4);
                    boolean absorbed = switch (shape) {
                        case PLAIN -> {
                            AtomicReference<CancelScope> sc = new AtomicReference<>();
                            CancelScope.run(s -> {
                                sc.set(s);
                                publish(target, generation, s::cancel);
                                body(work);
                                return null;
                            });
                            yield sc.get().cancelledCaught();
                        }
                        case NESTED -> {
                            AtomicReference<CancelScope> sc = new AtomicReference<>();
                            CancelScope.run(s -> {
                                sc.set(s);
                                publish(target, generation, s::cancel);
                                return CancelScope.run(inner -> Timeout.failAfter(Duration.ofHours(1), () -> {
                                    body(work);
                                    return null;
                                }));
                            });
                            yield sc.get().cancelledCaught();
                        }
                        case SHIELDED -> {
                            AtomicReference<CancelScope> sc = new AtomicReference<>();
                            CancelScope.run(s -> {
                                sc.set(s);
                                publish(target, generation, s::cancel);
                                CancelScope.shield(() -> {
                                    body(work);
                                    return null;
                                });
                                body(work);
                                return null;
                            });
                            yield sc.get().cancelledCaught();
                        }
                        case TIMEOUT -> {
                            target.set(null);
                            try {
                                Timeout.failAfter(Duration.ofNanos(rnd.nextLong(0, 50_000)), () -> {
                                    body(work);
                                    return null;
                                });
                                yield false;
                            } catch (DeadlineExceededException e) {
                                yield true;
                            }
                        }
                        case GROUP -> {
                            Object r = TaskGroup.run(g -> {
                                publish(target, generation, g::cancel);
                                if (work > 1) {
                                    g.spawn(() -> body(work));
                                }
                                body(work);
                                return "done";
                            });
                            yield r == null;
                        }
                        case JDK_WAIT -> {
                            AtomicReference<CancelScope> sc = new AtomicReference<>();
                            CancelScope.run(s -> {
                                sc.set(s);
                                publish(target, generation, s::cancel);
                                q.poll(rnd.nextInt(3) * 100, TimeUnit.MICROSECONDS);
                                return null;
                            });
                            yield sc.get().cancelledCaught();
                        }
                    };
                    if (absorbed) {
                        caught.incrementAndGet();
                    }
                    iterations.incrementAndGet();
                    if (Thread.currentThread().isInterrupted()) {
                        fail("interrupt leaked after iteration " + i + " (" + shape + ", work " + work + ")");
                    }
                }
                target.set(null);
                assertNull(q.poll(50, TimeUnit.MILLISECONDS));
            });
        } finally {
            stop.set(true);
            canceller.join();
        }
        System.out.printf("[InterruptLeakTest] %s: %d iterations, %d cancels, %d absorbed, shapes %s%n",
                kind, iterations.get(), cancels.get(), caught.get(), java.util.Arrays.toString(byShape));
        assertTrue(iterations.get() > 1000, "too few iterations to mean anything: " + iterations.get());
        assertTrue(caught.get() > 0, "no cancellation ever landed inside a scope");
    }

    private static void publish(AtomicReference<Runnable> target, AtomicInteger generation, Runnable cancel) {
        target.set(cancel);
        generation.incrementAndGet();
    }

    /** A little work of one of four kinds: nothing, a checkpoint, a zero weft sleep, a short JDK wait. */
    private static void body(int work) throws InterruptedException {
        switch (work) {
            case 0 -> { }
            case 1 -> Weft.checkpoint();
            case 2 -> Weft.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 30_000)));
            default -> {
                long until = System.nanoTime() + ThreadLocalRandom.current().nextLong(0, 20_000);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                Thread.sleep(0);
            }
        }
    }

    /** Many virtual threads at once, each cancelled by a task of its own group at a random moment: no leak anywhere. */
    @Test
    void concurrentCancellationsAcrossManyThreadsNeverLeak() throws Exception {
        int threads = 64;
        int rounds = 200;
        AtomicInteger leaks = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofVirtual().start(() -> {
                try {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int r = 0; r < rounds; r++) {
                        CancelScope.run(s -> TaskGroup.run(g -> {
                            g.spawn(() -> {
                                Weft.sleep(Duration.ofNanos(rnd.nextLong(0, 200_000)));
                                s.cancel();
                            });
                            if (rnd.nextBoolean()) {
                                Thread.sleep(0, rnd.nextInt(200_000));
                            } else {
                                Weft.sleep(Duration.ofNanos(rnd.nextLong(0, 200_000)));
                            }
                            return null;
                        }));
                        if (Thread.currentThread().isInterrupted()) {
                            leaks.incrementAndGet();
                            Thread.interrupted();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : all) {
            assertTrue(t.join(Duration.ofSeconds(60)));
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(0, leaks.get(), "interrupts leaked out of cancelled scopes");
    }
}
