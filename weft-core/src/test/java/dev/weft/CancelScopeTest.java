package dev.weft;

import static dev.weft.TestSupport.runOn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of {@link CancelScope} with Trio's cancel scopes (CAN-18..CAN-27 of
 * {@code docs/semantics.md}, from Trio's {@code test_run.py}), in weft's Java form: scopes are
 * higher-order calls, so "unentered scope", re-entry and misnesting cases have no Java meaning.
 */
@org.junit.jupiter.api.Timeout(60)
class CancelScopeTest {
    /** Long enough that reaching it means cancellation failed; every wait below is bounded by it. */
    private static final Duration LONG = Duration.ofSeconds(20);
    /** What "promptly" means on two busy cores. */
    private static final long PROMPT_NANOS = TestSupport.scaled(Duration.ofSeconds(5)).toNanos();

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** CAN-18: checkpoint, zero sleep, sleep and sleepUntil all throw inside a cancelled scope; nothing after it. */
    @Test
    void blockingCallsThrowInsideCancelledScope() {
        List<String> record = new ArrayList<>();
        CancelScope.run(s -> {
            s.cancel();
            assertThrows(CancelledException.class, Weft::checkpoint);
            record.add("checkpoint");
            assertThrows(CancelledException.class, () -> Weft.sleep(Duration.ZERO));
            record.add("sleep(0)");
            long t0 = System.nanoTime();
            assertThrows(CancelledException.class, () -> Weft.sleep(LONG));
            assertThrows(CancelledException.class, () -> Weft.sleepUntil(Deadline.after(LONG)));
            assertTrue(System.nanoTime() - t0 < PROMPT_NANOS, "sleeps in a cancelled scope must not block");
            record.add("sleep");
            return null;
        });
        assertEquals(List.of("checkpoint", "sleep(0)", "sleep"), record);
        Weft.checkpoint(); // outside the scope: not cancelled
        Weft.sleep(Duration.ofMillis(1));
    }

    /** CAN-19: every checkpoint raises again until the scope exits; cancel() is idempotent. */
    @Test
    void cancelledScopeStaysCancelledUntilExit() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        Object result = CancelScope.run(s -> {
            scope.set(s);
            assertFalse(s.isCancelled());
            s.cancel();
            s.cancel();
            assertTrue(s.isCancelled());
            for (int i = 0; i < 5; i++) {
                try {
                    Weft.sleep(LONG);
                    fail("sleep " + i + " returned in a cancelled scope");
                } catch (CancelledException expected) {
                    // swallowed: the next call must throw again
                }
            }
            assertFalse(s.cancelledCaught(), "not caught while still inside");
            Weft.checkpoint();
            fail("unreachable: the checkpoint throws");
            return "finished";
        });
        assertNull(result, "a scope that absorbed its cancellation returns null");
        assertTrue(scope.get().isCancelled());
        assertTrue(scope.get().cancelledCaught());
    }

    /** CAN-19: a body that swallows every cancellation and returns normally: value returned, nothing caught. */
    @Test
    void bodyThatSwallowsCancellationReturnsItsValue() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        String result = CancelScope.run(s -> {
            scope.set(s);
            s.cancel();
            try {
                Weft.checkpoint();
            } catch (CancelledException swallowed) {
                return "swallowed";
            }
            return "not cancelled?";
        });
        assertEquals("swallowed", result);
        assertTrue(scope.get().isCancelled());
        assertFalse(scope.get().cancelledCaught(), "no CancelledException reached the exit");
    }

    /** CAN-20: with two nested scopes cancelled, the outer of them catches; the inner only reports cancelled. */
    @Test
    void outermostCancelledScopeCatches() {
        List<CancelScope> scopes = new ArrayList<>();
        List<String> record = new ArrayList<>();
        String r1 = CancelScope.run(s1 -> {
            scopes.add(s1);
            Object r2 = CancelScope.run(s2 -> {
                scopes.add(s2);
                return CancelScope.run(s3 -> {
                    scopes.add(s3);
                    s3.cancel();
                    s2.cancel();
                    Weft.sleep(LONG);
                    record.add("slept through");
                    return "s3";
                });
            });
            assertNull(r2);
            record.add("s1 continues");
            return "s1";
        });
        assertEquals("s1", r1);
        assertEquals(List.of("s1 continues"), record);
        CancelScope s1 = scopes.get(0);
        CancelScope s2 = scopes.get(1);
        CancelScope s3 = scopes.get(2);
        assertTrue(s3.isCancelled());
        assertFalse(s3.cancelledCaught(), "the inner cancelled scope lets it pass");
        assertTrue(s2.isCancelled());
        assertTrue(s2.cancelledCaught(), "the outermost cancelled scope catches");
        assertFalse(s1.isCancelled());
        assertFalse(s1.cancelledCaught());
    }

    /** CAN-20: the order in which nested scopes were cancelled does not matter, only nesting does. */
    @Test
    void outerCancelledFirstStillCatchesOverInner() {
        AtomicReference<CancelScope> inner = new AtomicReference<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        CancelScope.run(o -> {
            outer.set(o);
            o.cancel();
            return CancelScope.run(i -> {
                inner.set(i);
                i.cancel();
                Weft.checkpoint();
                return null;
            });
        });
        assertTrue(outer.get().cancelledCaught());
        assertFalse(inner.get().cancelledCaught());
    }

    /** An inner scope cancelled alone catches its own cancellation, and the outer code goes on. */
    @Test
    void innerScopeCatchesItsOwnCancellationWhenOuterIsNot() {
        AtomicReference<CancelScope> inner = new AtomicReference<>();
        String r = CancelScope.run(o -> {
            Object ir = CancelScope.run(i -> {
                inner.set(i);
                i.cancel();
                Weft.sleep(LONG);
                return "inner";
            });
            assertNull(ir);
            Weft.sleep(Duration.ofMillis(1)); // the outer scope is not cancelled
            assertFalse(o.isCancelled());
            return "outer";
        });
        assertEquals("outer", r);
        assertTrue(inner.get().cancelledCaught());
    }

    /** CAN-21: a cancellation the body never met (no checkpoint) does not leak past the scope. */
    @Test
    void undeliveredCancellationDoesNotLeak() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        int r = CancelScope.run(s -> {
            scope.set(s);
            s.cancel();
            return 42;
        });
        assertEquals(42, r);
        assertTrue(scope.get().isCancelled());
        assertFalse(scope.get().cancelledCaught());
        assertFalse(Thread.currentThread().isInterrupted(), "the undelivered cancellation left an interrupt");
        Weft.checkpoint();
        Weft.sleep(Duration.ofMillis(1));
    }

    /** CAN-21: an inner scope cancelled but never checked exits cleanly into its uncancelled parent. */
    @Test
    void undeliveredInnerCancellationDoesNotReachOuterCode() {
        String r = CancelScope.run(o -> {
            CancelScope.run(i -> {
                i.cancel();
                return null;
            });
            Weft.sleep(Duration.ofMillis(1));
            assertFalse(o.isCancelled());
            return "outer went on";
        });
        assertEquals("outer went on", r);
    }

    /** cancel() after the scope has exited does nothing: no exception later, nothing caught. */
    @Test
    void cancelAfterExitIsNoOp() {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        CancelScope.run(s -> {
            scope.set(s);
            Weft.checkpoint();
            return null;
        });
        scope.get().cancel();
        assertFalse(scope.get().isCancelled(), "cancel() after exit has no effect");
        assertFalse(scope.get().cancelledCaught());
        assertFalse(Thread.currentThread().isInterrupted());
        Weft.checkpoint();
        Weft.sleep(Duration.ofMillis(1));
    }

    /** cancel() of an exited scope from another thread does not disturb the scope the thread is in now. */
    @Test
    void cancelOfExitedScopeDoesNotReachTheNextScope() throws Exception {
        AtomicReference<CancelScope> first = new AtomicReference<>();
        CancelScope.run(s -> {
            first.set(s);
            return null;
        });
        String r = CancelScope.run(second -> {
            runOn(ThreadKind.PLATFORM, () -> first.get().cancel());
            Weft.sleep(Duration.ofMillis(5));
            assertFalse(second.isCancelled());
            assertFalse(Thread.currentThread().isInterrupted());
            return "second ran";
        });
        assertEquals("second ran", r);
    }

    /** CancelScope.current() is the innermost scope, and the enclosing one again after exit. */
    @Test
    void currentIsTheInnermostScope() {
        CancelScope before = CancelScope.current();
        CancelScope.run(o -> {
            assertSame(o, CancelScope.current());
            CancelScope.run(i -> {
                assertSame(i, CancelScope.current());
                return null;
            });
            assertSame(o, CancelScope.current());
            return null;
        });
        assertSame(before, CancelScope.current());
    }

    /** CAN-24: a shield opened in a finally while an outer cancellation propagates does not stop it. */
    @Test
    void shieldInFinallyDoesNotStopPropagatingCancellation() {
        AtomicReference<CancelScope> inner = new AtomicReference<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        List<String> record = new ArrayList<>();
        CancelScope.run(o -> {
            outer.set(o);
            return CancelScope.run(i -> {
                inner.set(i);
                o.cancel();
                try {
                    Weft.checkpoint();
                } finally {
                    CancelScope.shield(() -> record.add("cleanup ran"));
                }
                record.add("after finally");
                return null;
            });
        });
        assertEquals(List.of("cleanup ran"), record);
        assertTrue(outer.get().cancelledCaught());
        assertFalse(inner.get().cancelledCaught());
    }

    /** A foreign exception from a cancelled scope's body passes through unchanged. */
    @Test
    void bodyExceptionPassesThroughCancelledScope() {
        IOException boom = new IOException("boom");
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        IOException thrown = assertThrows(IOException.class, () -> CancelScope.run(s -> {
            scope.set(s);
            s.cancel();
            try {
                Weft.checkpoint();
            } catch (CancelledException e) {
                throw boom;
            }
            return null;
        }));
        assertSame(boom, thrown);
        assertFalse(scope.get().cancelledCaught());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** CAN-26: CancelledException and CancelScope are final and have no public constructors. */
    @Test
    void usersCannotConstructOrSubclassCancelledOrScopes() {
        for (Class<?> c : List.of(CancelledException.class, CancelScope.class)) {
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " must be final");
            assertEquals(0, c.getConstructors().length, c + " must have no public constructor");
            for (var ctor : c.getDeclaredConstructors()) {
                assertFalse(Modifier.isPublic(ctor.getModifiers()) || Modifier.isProtected(ctor.getModifiers()),
                        ctor + " must not be reachable by users");
            }
        }
        assertInstanceOf(java.util.concurrent.CancellationException.class,
                CancelScope.run(s -> {
                    s.cancel();
                    try {
                        Weft.checkpoint();
                        return null;
                    } catch (CancelledException e) {
                        return e;
                    }
                }));
    }

    /**
     * CAN-27: a JDK call that ignores interrupts (entering a monitor) is not woken by cancel();
     * once it completes on its own, the next checkpoint raises and the scope catches.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void uninterruptibleCallIsNotWokenButNextCheckpointRaises(ThreadKind kind) throws Exception {
        Object monitor = new Object();
        CountDownLatch ready = new CountDownLatch(1);
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        List<String> record = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker;
        synchronized (monitor) {
            worker = kind.startThread(() -> {
                try {
                    CancelScope.run(s -> {
                        scope.set(s);
                        ready.countDown();
                        synchronized (monitor) {
                            record.add("woke");
                        }
                        try {
                            Weft.checkpoint();
                        } catch (CancelledException e) {
                            record.add("cancelled");
                            throw e;
                        }
                        record.add("not cancelled");
                        return null;
                    });
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            TestSupport.await(ready, "ready");
            TestSupport.awaitCondition(() -> worker.getState() == Thread.State.BLOCKED, "the worker blocks on the monitor");
            scope.get().cancel();
            // A negative check: give a wrong implementation time to wake it.
            Thread.sleep(50);
            assertEquals(Thread.State.BLOCKED, worker.getState(), "cancel() must not wake a monitor wait");
            assertEquals(List.of(), record);
        }
        assertTrue(worker.join(TestSupport.PROMPT));
        assertNull(failure.get());
        assertEquals(List.of("woke", "cancelled"), record);
        assertTrue(scope.get().cancelledCaught());
        assertEquals(Boolean.FALSE, interruptedAfter.get(), "weft's interrupt outlived the scope");
    }

    /** The JDK blocking calls a cancel() must stop, with the InterruptedException absorbed by the scope. */
    enum JdkBlock {
        THREAD_SLEEP {
            @Override
            void block() throws InterruptedException {
                Thread.sleep(LONG);
            }
        },
        QUEUE_TAKE {
            @Override
            void block() throws InterruptedException {
                new ArrayBlockingQueue<Integer>(1).take();
            }
        },
        QUEUE_POLL_TIMED {
            @Override
            void block() throws InterruptedException {
                BlockingQueue<Integer> q = new ArrayBlockingQueue<>(1);
                q.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
            }
        },
        LOCK_INTERRUPTIBLY {
            @Override
            void block() throws InterruptedException {
                ReentrantLock lock = new ReentrantLock();
                Thread holder = Thread.ofPlatform().start(lock::lock); // held forever by a finished thread
                holder.join();
                lock.lockInterruptibly();
            }
        },
        OBJECT_WAIT {
            @Override
            void block() throws InterruptedException {
                Object o = new Object();
                synchronized (o) {
                    o.wait(LONG.toMillis());
                }
            }
        },
        WEFT_SLEEP {
            @Override
            void block() {
                Weft.sleep(LONG);
            }
        };

        abstract void block() throws Exception;
    }

    /** Cancelling from another thread stops each kind of blocking call, and the scope absorbs it. */
    @ParameterizedTest
    @EnumSource(JdkBlock.class)
    void cancelFromAnotherThreadStopsBlockingCall(JdkBlock block) throws Exception {
        for (ThreadKind kind : ThreadKind.values()) {
            CountDownLatch inScope = new CountDownLatch(1);
            AtomicReference<CancelScope> scope = new AtomicReference<>();
            AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
            AtomicReference<Long> elapsed = new AtomicReference<>();
            Thread canceller = Thread.ofPlatform().start(() -> {
                try {
                    if (inScope.await(10, TimeUnit.SECONDS)) {
                        Thread.sleep(20); // let the worker block; correctness does not depend on it
                        scope.get().cancel();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            runOn(kind, () -> {
                long t0 = System.nanoTime();
                Object r = CancelScope.run(s -> {
                    scope.set(s);
                    inScope.countDown();
                    block.block();
                    return "not cancelled";
                });
                elapsed.set(System.nanoTime() - t0);
                assertNull(r, kind + "/" + block + ": the scope must absorb its cancellation");
                assertTrue(scope.get().cancelledCaught());
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
            canceller.join();
            assertTrue(elapsed.get() < PROMPT_NANOS, kind + "/" + block + " took " + elapsed.get() / 1_000_000 + " ms");
            assertEquals(Boolean.FALSE, interruptedAfter.get(), kind + "/" + block + ": interrupt leaked");
        }
    }

    /** Cancelling a scope cancels the tasks of a group opened inside it, on their own threads. */
    @Test
    void cancellingScopeCancelsTasksSpawnedInside() {
        List<Task<?>> tasks = new ArrayList<>();
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        long t0 = System.nanoTime();
        Object r = CancelScope.run(s -> {
            scope.set(s);
            return TaskGroup.run(g -> {
                CountDownLatch started = new CountDownLatch(3);
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Weft.sleep(LONG);
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    Thread.sleep(LONG);
                    return null;
                }));
                tasks.add(g.spawn(() -> {
                    started.countDown();
                    return new ArrayBlockingQueue<Integer>(1).take();
                }));
                TestSupport.await(started, "started");
                s.cancel();
                Weft.sleep(LONG);
                return "group finished";
            });
        });
        assertNull(r);
        assertTrue(scope.get().cancelledCaught());
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        for (Task<?> t : tasks) {
            assertEquals(Task.State.CANCELLED, t.state(), t.toString());
        }
    }

    /** A task's own nested scope, cancelled from the task, catches without cancelling the task. */
    @Test
    void taskNestedScopeCatchesItsOwnCancellation() {
        Task.State[] state = new Task.State[1];
        String r = TaskGroup.run(g -> {
            Task<String> t = g.spawn(() -> {
                Object inner = CancelScope.run(s -> {
                    s.cancel();
                    Thread.sleep(LONG);
                    return "slept";
                });
                assertNull(inner);
                Weft.sleep(Duration.ofMillis(1));
                return "task went on";
            });
            String v = t.join();
            state[0] = t.state();
            return v;
        });
        assertEquals("task went on", r);
        assertEquals(Task.State.SUCCESS, state[0]);
    }
}
