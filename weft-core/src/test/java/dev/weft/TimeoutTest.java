package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Timeout}: CPython's {@code test_timeouts.py} (TMO-01..TMO-20) and Trio's timeout tests
 * (TMO-26..TMO-28) in weft's form. Java has no implicit exception context, so "the timeout error
 * is inserted into the context chain" (TMO-07/08/19) becomes: the foreign exception passes
 * unchanged, and a {@link DeadlineExceededException}'s cause is what stopped the block.
 */
@org.junit.jupiter.api.Timeout(60)
@SuppressWarnings("finally") // cleanup that throws is what TMO-07 and TMO-19 are about
class TimeoutTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final Duration SHORT = Duration.ofMillis(50);
    private static final long PROMPT_NANOS = TimeUnit.SECONDS.toNanos(5);

    @AfterEach
    void testThreadIsNotLeftInterrupted() {
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** TMO-01: a body longer than its budget stops at the block's end with DeadlineExceededException. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void failAfterThrowsWhenBodyRunsLonger() {
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(SHORT, () -> {
                    Weft.sleep(LONG);
                    return "finished";
                }));
        assertEquals(SHORT, OnVirtualTime.elapsed(), "fired exactly at the deadline (virtual time)");
        assertTrue(e.deadline().isExpired());
        assertInstanceOf(CancelledException.class, e.getCause());
        assertNotNull(e.getMessage());
    }

    /** TMO-02: failAt behaves the same with an absolute deadline, and reports exactly that deadline. */
    @Test
    void failAtReportsItsDeadline() {
        Deadline d = Deadline.after(SHORT);
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAt(d, () -> {
                    Thread.sleep(LONG.toMillis());
                    return null;
                }));
        assertEquals(d, e.deadline());
        assertTrue(d.isExpired());
    }

    /** TMO-03: inside the block the body sees CancelledException; the conversion happens at the block's end. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void bodySeesCancelledExceptionNotDeadlineExceeded() {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(SHORT, () -> {
                    try {
                        Weft.sleep(LONG);
                    } catch (RuntimeException inside) {
                        seen.set(inside);
                        throw inside;
                    }
                    return null;
                }));
        assertInstanceOf(CancelledException.class, seen.get());
        assertSame(seen.get(), e.getCause(), "TMO-08: the cause is the CancelledException that stopped the block");
    }

    /**
     * TMO-08: when a JDK call was stopped, the cause is the CancelledException, which carries the
     * InterruptedException the call threw (ADR 0012: the cause is the cancellation for every kind
     * of blocking call).
     */
    @Test
    void causeIsTheCancellationCarryingTheInterruptedExceptionOfAStoppedJdkCall() {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(SHORT, () -> {
                    try {
                        new ArrayBlockingQueue<Integer>(1).take();
                    } catch (InterruptedException inside) {
                        seen.set(inside);
                        throw inside;
                    }
                    return null;
                }));
        assertInstanceOf(InterruptedException.class, seen.get());
        assertSame(seen.get(), assertInstanceOf(CancelledException.class, e.getCause()).getCause());
    }

    /** TMO-04: a body that finishes in time returns its value; the deadline is still reported, in the future. */
    @Test
    void bodyFinishingInTimeReturnsValue() {
        AtomicReference<Optional<Deadline>> inside = new AtomicReference<>();
        String r = Timeout.failAfter(LONG, () -> {
            inside.set(CancelScope.current().deadline());
            Weft.sleep(Duration.ofMillis(5));
            return "done";
        });
        assertEquals("done", r);
        assertTrue(inside.get().isPresent());
        assertFalse(inside.get().get().isExpired());
        assertEquals(Optional.of("done"), Timeout.moveOnAfter(LONG, () -> "done"));
        assertEquals(Optional.empty(), Timeout.moveOnAfter(LONG, () -> null), "a null result is empty");
    }

    /** TMO-05, TMO-22: a zero budget fires at the next blocking call, even a zero-length sleep. */
    @Test
    void zeroBudgetFiresAtNextBlockingCall() {
        List<String> record = new ArrayList<>();
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ZERO, () -> {
            record.add("entered");
            Weft.sleep(Duration.ZERO);
            record.add("after sleep(0)");
            return null;
        }));
        assertEquals(List.of("entered"), record);
        assertTrue(Timeout.moveOnAfter(Duration.ZERO, () -> {
            Weft.checkpoint();
            return "x";
        }).isEmpty());
    }

    /** TMO-05 with CAN-21: a zero budget and no blocking call at all: the body's value, no leak. */
    @Test
    void zeroBudgetWithoutBlockingCallReturnsValue() {
        assertEquals("value", Timeout.failAfter(Duration.ZERO, () -> "value"));
        assertFalse(Thread.currentThread().isInterrupted());
        Weft.checkpoint();
    }

    /** TMO-06: an exception thrown before expiry passes through unchanged. */
    @Test
    void foreignExceptionBeforeExpiryPassesUnchanged() {
        IOException boom = new IOException("boom");
        IOException e = assertThrows(IOException.class, () -> Timeout.failAfter(LONG, () -> {
            throw boom;
        }));
        assertSame(boom, e);
        assertNull(e.getCause());
    }

    /** TMO-07: after expiry, a body that ends with another exception (e.g. from cleanup) lets that one out. */
    @Test
    void foreignExceptionAfterExpiryPassesUnchanged() {
        IllegalStateException fromCleanup = new IllegalStateException("cleanup failed");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Timeout.failAfter(SHORT, () -> {
            try {
                Weft.sleep(LONG);
            } finally {
                throw fromCleanup;
            }
        }));
        assertSame(fromCleanup, e);
        IllegalArgumentException replaced = new IllegalArgumentException("replaced");
        assertSame(replaced, assertThrows(IllegalArgumentException.class, () -> Timeout.moveOnAfter(SHORT, () -> {
            try {
                Thread.sleep(LONG.toMillis());
            } catch (InterruptedException ie) {
                throw replaced;
            }
            return null;
        })));
    }

    /** TMO-09: a cancel from outside before the deadline surfaces as CancelledException, not a timeout. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void foreignCancelBeforeDeadlineIsNotATimeout() {
        AtomicReference<Throwable> fromTimeout = new AtomicReference<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        CancelScope.run(o -> {
            outer.set(o);
            try {
                Timeout.failAfter(LONG, () -> {
                    o.cancel();
                    Weft.sleep(LONG);
                    return null;
                });
            } catch (RuntimeException e) {
                fromTimeout.set(e);
                throw e;
            }
            return null;
        });
        assertInstanceOf(CancelledException.class, fromTimeout.get());
        assertTrue(outer.get().cancelledCaught());
        assertEquals(Duration.ZERO, OnVirtualTime.elapsed(), "no time passed: the cancel, not the deadline, ended it");
    }

    /** TMO-10: a task that handles its DeadlineExceededException completes normally. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void taskHandlingItsTimeoutCompletesNormally() {
        Task.State[] state = new Task.State[1];
        String r = TaskGroup.run(g -> {
            Task<String> t = g.spawn(() -> {
                try {
                    return Timeout.failAfter(SHORT, () -> {
                        Weft.sleep(LONG);
                        return "slept";
                    });
                } catch (DeadlineExceededException e) {
                    return "handled";
                }
            });
            String v = t.join();
            state[0] = t.state();
            return v;
        });
        assertEquals("handled", r);
        assertEquals(Task.State.SUCCESS, state[0]);
    }

    /** TMO-11: nested timeouts with one deadline: the inner lets CancelledException pass; the outer reports. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void nestedTimeoutsWithSharedDeadlineOuterReports() {
        Deadline d = Deadline.after(SHORT);
        AtomicReference<Throwable> fromInner = new AtomicReference<>();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class, () -> Timeout.failAt(d, () -> {
            try {
                return Timeout.failAt(d, () -> {
                    Weft.sleep(LONG);
                    return null;
                });
            } catch (RuntimeException inner) {
                fromInner.set(inner);
                throw inner;
            }
        }));
        assertInstanceOf(CancelledException.class, fromInner.get());
        assertSame(fromInner.get(), e.getCause());
        assertEquals(d, e.deadline());
    }

    /** TMO-12: outer deadline shorter: the inner timeout passes the cancellation through; the outer reports it. */
    @Test
    void outerShorterDeadlinePassesThroughInner() {
        AtomicReference<Throwable> fromInner = new AtomicReference<>();
        Deadline outerDeadline = Deadline.after(SHORT);
        long t0 = System.nanoTime();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAt(outerDeadline, () -> {
                    try {
                        return Timeout.failAfter(LONG, () -> {
                            Thread.sleep(LONG.toMillis());
                            return null;
                        });
                    } catch (Exception inner) {
                        fromInner.set(inner);
                        throw inner;
                    }
                }));
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        assertFalse(fromInner.get() instanceof DeadlineExceededException, "the inner timeout did not expire");
        assertTrue(fromInner.get() instanceof CancelledException || fromInner.get() instanceof InterruptedException,
                String.valueOf(fromInner.get()));
        assertEquals(outerDeadline, e.deadline());
    }

    /**
     * TMO-14 in weft's form: a timeout in cleanup that runs during the outer expiry cannot wait
     * (the outer cancellation is level-triggered) unless shielded; shielded, it expires on its own
     * and its DeadlineExceededException is not absorbed by the cancelled outer scope.
     */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void timeoutInCleanupDuringOuterExpiry() {
        Deadline outerDeadline = Deadline.after(Duration.ofMillis(30));
        DeadlineExceededException unshielded = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAt(outerDeadline, () -> {
                    try {
                        Weft.sleep(LONG);
                    } finally {
                        Timeout.failAfter(LONG, () -> {
                            Weft.sleep(LONG); // throws at once: the outer scope is still cancelled
                            return null;
                        });
                    }
                    return null;
                }));
        assertEquals(outerDeadline, unshielded.deadline());
        assertEquals(Duration.ofMillis(30), OnVirtualTime.elapsed(), "the cleanup's unshielded timeout did not wait");

        Deadline outer2 = Deadline.after(Duration.ofMillis(30));
        AtomicReference<Deadline> cleanupDeadline = new AtomicReference<>();
        DeadlineExceededException shielded = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAt(outer2, () -> {
                    try {
                        Weft.sleep(LONG);
                    } finally {
                        CancelScope.shield(() -> {
                            Deadline d = Deadline.after(Duration.ofMillis(30));
                            cleanupDeadline.set(d);
                            return Timeout.failAt(d, () -> {
                                Weft.sleep(LONG);
                                return null;
                            });
                        });
                    }
                    return null;
                }));
        assertEquals(cleanupDeadline.get(), shielded.deadline(), "the cleanup's own timeout is what escapes");
        assertEquals(Duration.ofMillis(90), OnVirtualTime.elapsed(), "the shielded cleanup waited for its own 30 ms");
    }

    /** TMO-16: another thread moves the deadline of a running timeout; the new deadline stops the block. */
    @Test
    void anotherThreadCanRescheduleARunningTimeout() throws Exception {
        AtomicReference<CancelScope> scope = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        AtomicReference<Deadline> moved = new AtomicReference<>();
        Thread mover = Thread.ofVirtual().start(() -> {
            try {
                if (entered.await(10, TimeUnit.SECONDS)) {
                    Deadline d = Deadline.after(SHORT);
                    moved.set(d);
                    scope.get().setDeadline(d);
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        long t0 = System.nanoTime();
        assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(Duration.ofMinutes(10), () -> {
            scope.set(CancelScope.current());
            entered.countDown();
            Thread.sleep(LONG.toMillis());
            return null;
        }));
        assertTrue(System.nanoTime() - t0 < PROMPT_NANOS);
        mover.join();
        assertEquals(Optional.of(moved.get()), scope.get().deadline());
    }

    /** TMO-16: clearDeadline disables the timeout; a later outside cancel is then a CancelledException. */
    @Test
    void clearedDeadlineNeverFiresAndOutsideCancelIsNotATimeout() throws Exception {
        String r = Timeout.failAfter(Duration.ofMillis(200), () -> {
            CancelScope.current().clearDeadline();
            assertEquals(Optional.empty(), CancelScope.current().deadline());
            Weft.sleep(Duration.ofMillis(150));
            Thread.sleep(100);
            return "survived";
        });
        assertEquals("survived", r);

        AtomicReference<Throwable> fromTimeout = new AtomicReference<>();
        CancelScope.run(o -> {
            try {
                Timeout.failAfter(Duration.ofMillis(200), () -> {
                    CancelScope t = CancelScope.current();
                    t.clearDeadline();
                    o.cancel();
                    Weft.sleep(LONG);
                    return null;
                });
            } catch (RuntimeException e) {
                fromTimeout.set(e);
                throw e;
            }
            return null;
        });
        assertInstanceOf(CancelledException.class, fromTimeout.get());
    }

    /** TMO-19: a group whose child fails in its cancellation cleanup: an ExceptionGroup escapes, not a timeout. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void groupWithFailingCleanupInTimeoutThrowsExceptionGroup() {
        IllegalStateException cleanup = new IllegalStateException("cleanup");
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> Timeout.failAfter(SHORT, () -> TaskGroup.run(g -> {
            g.spawn(() -> {
                try {
                    Weft.sleep(LONG);
                } finally {
                    throw cleanup;
                }
            });
            Weft.sleep(LONG);
            return null;
        })));
        assertEquals(List.of(cleanup), eg.exceptions());
    }

    /** TMO-20: a group with no failures inside an expired timeout: DeadlineExceededException caused by a CancelledException. */
    @Test
    void groupInExpiredTimeoutBecomesDeadlineExceeded() {
        List<Task<?>> tasks = new ArrayList<>();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(SHORT, () -> TaskGroup.run(g -> {
                    tasks.add(g.spawn(() -> {
                        Weft.sleep(LONG);
                        return null;
                    }));
                    tasks.add(g.spawn(() -> {
                        Thread.sleep(LONG.toMillis());
                        return null;
                    }));
                    Weft.sleep(LONG);
                    return null;
                })));
        assertInstanceOf(CancelledException.class, e.getCause());
        for (Task<?> t : tasks) {
            assertEquals(Task.State.CANCELLED, t.state());
        }
    }

    /**
     * TMO-26 across threads: a task spawned inside a timeout sees the remaining budget and is
     * stopped at that deadline; the timeout reports it even if the group's body had returned.
     */
    @Test
    void spawnedTaskSeesRemainingBudgetAndIsCancelledAtDeadline() {
        Duration budget = Duration.ofMillis(300);
        AtomicReference<Optional<Duration>> seenInTask = new AtomicReference<>();
        List<Task<?>> tasks = new ArrayList<>();
        long t0 = System.nanoTime();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAfter(budget, () -> TaskGroup.run(g -> {
                    tasks.add(g.spawn(() -> {
                        seenInTask.set(Timeout.remaining());
                        Thread.sleep(LONG.toMillis());
                        return null;
                    }));
                    return tasks.getFirst().join();
                })));
        long ms = millisSince(t0);
        assertTrue(ms >= budget.toMillis() && ms < 5_000, ms + " ms");
        Duration left = seenInTask.get().orElseThrow();
        assertTrue(left.compareTo(budget) <= 0 && !left.isNegative(), left.toString());
        assertEquals(Task.State.CANCELLED, tasks.getFirst().state());
        assertTrue(e.deadline().isExpired());
    }

    /**
     * The enclosing deadline passing while a group waits for its tasks (the body already returned)
     * is a cancellation of the group: the timeout reports it, as asyncio and Trio do.
     */
    @Test
    void deadlinePassingWhileGroupWaitsForTasksIsReported() {
        List<Task<?>> tasks = new ArrayList<>();
        List<String> record = new ArrayList<>();
        assertThrows(DeadlineExceededException.class, () -> {
            Timeout.failAfter(SHORT, () -> {
                String v = TaskGroup.run(g -> {
                    tasks.add(g.spawn(() -> {
                        Thread.sleep(LONG.toMillis());
                        return null;
                    }));
                    return "body returned";
                });
                record.add("code after the group ran: " + v);
                return v;
            });
        });
        assertEquals(List.of(), record);
        assertEquals(Task.State.CANCELLED, tasks.getFirst().state());
    }

    /** TMO-26: remaining() is the earliest enclosing deadline, and nothing outside every timeout. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void remainingIsEarliestEnclosingDeadline() {
        assertEquals(Optional.empty(), Timeout.remaining());
        Timeout.failAfter(Duration.ofSeconds(100), () -> {
            assertEquals(Duration.ofSeconds(100), Timeout.remaining().orElseThrow(), "virtual time stands still while the test runs");
            Timeout.failAfter(Duration.ofSeconds(10), () -> {
                assertEquals(Duration.ofSeconds(10), Timeout.remaining().orElseThrow());
                Weft.sleep(Duration.ofSeconds(4));
                assertEquals(Duration.ofSeconds(6), Timeout.remaining().orElseThrow());
                return null;
            });
            Timeout.failAfter(Duration.ofSeconds(1000), () -> {
                assertEquals(Duration.ofSeconds(96), Timeout.remaining().orElseThrow(), "a later inner deadline does not extend");
                return null;
            });
            CancelScope.run(plain -> {
                assertTrue(Timeout.remaining().isPresent(), "a scope without a deadline inherits the outer one");
                return null;
            });
            return null;
        });
        assertEquals(Optional.empty(), Timeout.remaining());
    }

    /** TMO-26: a shield hides the enclosing deadlines; a timeout inside the shield is seen again. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void remainingIsHiddenByShield() {
        Timeout.failAfter(Duration.ofSeconds(10), () -> {
            CancelScope.shield(() -> {
                assertEquals(Optional.empty(), Timeout.remaining());
                assertEquals(Optional.empty(), Timeout.current());
                Timeout.failAfter(Duration.ofSeconds(30), () -> {
                    assertEquals(Duration.ofSeconds(30), Timeout.remaining().orElseThrow(), "only the shield's inner deadline counts");
                    return null;
                });
                return null;
            });
            assertTrue(Timeout.remaining().isPresent());
            return null;
        });
    }

    /**
     * TMO-27, changed by ADR 0012: a swallowed cancellation is loud. failAfter raises when its
     * cancellation reached the body, even if the body swallowed it and returned; the swallowed
     * exception is attached.
     */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void failAfterRaisesEvenIfTheBodySwallowedTheCancellation() {
        AtomicReference<CancelledException> swallowed = new AtomicReference<>();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class, () -> Timeout.failAfter(SHORT, () -> {
            try {
                Weft.sleep(LONG);
            } catch (CancelledException c) {
                swallowed.set(c);
                return "swallowed";
            }
            return "slept";
        }));
        assertSame(swallowed.get(), e.getSuppressed()[0]);
        assertFalse(Thread.currentThread().isInterrupted());
        assertEquals(Optional.empty(), Timeout.moveOnAfter(SHORT, () -> {
            Weft.sleep(LONG);
            return "slept";
        }));
    }

    /** TMO-28: a timeout inside a shield still expires while the enclosing scope is cancelled. */
    @Test
    void shieldedTimeoutStillExpires() throws Exception {
        List<String> record = new ArrayList<>();
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        CancelScope.run(o -> {
            outer.set(o);
            o.cancel();
            CancelScope.shield(() -> {
                Optional<String> moved = Timeout.moveOnAfter(SHORT, () -> {
                    Weft.sleep(LONG);
                    return "slept";
                });
                record.add("moveOn: " + moved);
                try {
                    Timeout.failAfter(SHORT, () -> {
                        Thread.sleep(LONG.toMillis());
                        return null;
                    });
                } catch (DeadlineExceededException e) {
                    record.add("failAfter expired");
                }
                return null;
            });
            record.add("after shield");
            return null;
        });
        assertEquals(List.of("moveOn: Optional.empty", "failAfter expired"), record);
        assertTrue(outer.get().cancelledCaught());
    }

    /** A DeadlineExceededException is a failure, not a cancellation: a cancelled outer scope does not absorb it. */
    @Test
    @ExtendWith(OnVirtualTime.class)
    void deadlineExceededIsNotAbsorbedByOuterScopes() {
        AtomicReference<CancelScope> outer = new AtomicReference<>();
        assertThrows(DeadlineExceededException.class, () -> CancelScope.run(o -> {
            outer.set(o);
            return CancelScope.shield(() -> {
                o.cancel();
                return Timeout.failAfter(SHORT, () -> {
                    Weft.sleep(LONG);
                    return null;
                });
            });
        }));
        assertFalse(outer.get().cancelledCaught());
        // and through an outer timeout that has expired too
        Deadline outerDeadline = Deadline.after(Duration.ofMillis(10));
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                () -> Timeout.failAt(outerDeadline, () -> CancelScope.shield(() -> Timeout.failAfter(SHORT, () -> {
                    Weft.sleep(LONG);
                    return null;
                }))));
        assertTrue(outerDeadline.isExpired());
        assertInstanceOf(CancelledException.class, e.getCause());
    }

    /** A null duration or deadline is a NullPointerException that says what to pass instead. */
    @Test
    void nullBudgetIsRejectedWithMessage() {
        CancelScope before = CancelScope.current();
        for (var call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> Timeout.failAfter(null, () -> null),
                () -> Timeout.moveOnAfter(null, () -> null),
                () -> Timeout.failAt(null, () -> null),
                () -> Timeout.moveOnAt(null, () -> null),
                () -> Timeout.failAfter(LONG, null),
                () -> Timeout.moveOnAfter(LONG, null))) {
            NullPointerException e = assertThrows(NullPointerException.class, call);
            assertNotNull(e.getMessage(), "NPE without a message");
            assertFalse(e.getMessage().isBlank());
        }
        assertSame(before, CancelScope.current(), "a rejected call left a scope entered");
        assertEquals(Optional.empty(), Timeout.remaining());
    }

    /** A timeout body's checked exception is rethrown as is, with no wrapping. */
    @Test
    void checkedExceptionIsRethrownAsIs() {
        Exception checked = new Exception("checked");
        assertSame(checked, assertThrows(Exception.class, () -> Timeout.failAfter(LONG, () -> {
            throw checked;
        })));
    }
}
