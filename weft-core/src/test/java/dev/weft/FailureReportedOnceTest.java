package dev.weft;

import static dev.weft.TestSupport.FOREVER;
import static dev.weft.TestSupport.awaitBlocked;
import static dev.weft.TestSupport.leaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.TestSupport.ThreadKind;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One failure is reported once: when the body or a task joins a task that failed and lets the
 * {@link TaskFailedException} escape (or rethrows the failure by hand), the group's
 * {@link ExceptionGroup} holds the original failure once, not a second, wrapped copy. The same
 * holds through chains of joins and nested groups. A new exception made from a failure is a
 * failure of its own and is kept.
 */
class FailureReportedOnceTest {
    private static final int ROUNDS = 50;

    /**
     * The README's quick start with a failing lookup: the group's exception has exactly one leaf,
     * the lookup's own exception, whether the body was waiting in join when the lookup failed or
     * came to join after.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void quickStartWithAFailingLookupReportsItOnce(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                IllegalStateException boom = new IllegalStateException("lookup failed " + i);
                Duration failAfter = Duration.ofMillis(i % 3);
                ExceptionGroup eg = assertThrows(ExceptionGroup.class, () ->
                        Timeout.failAfter(Duration.ofSeconds(30), () -> TaskGroup.run(g -> {
                            Task<String> user = g.spawn(() -> {
                                Weft.sleep(failAfter);
                                throw boom;
                            });
                            Task<String> cart = g.spawn(() -> {
                                Weft.sleep(Duration.ofMillis(10));
                                return "cart";
                            });
                            return user.join() + "+" + cart.join();
                        })));
                assertEquals(List.of(boom), leaves(eg), () -> "round with failAfter " + failAfter + ": " + eg);
            }
        });
    }

    /**
     * A chain of joins across three tasks (C joins B joins A, the body joins C), each waiting in
     * join when A fails, reports A's failure once; so does every other interleaving.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void chainOfJoinsReportsTheFailureOnce(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                IOException root = new IOException("a failed " + i);
                boolean allWaiting = i % 2 == 0;
                ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                    CountDownLatch go = new CountDownLatch(allWaiting ? 1 : 0);
                    Task<String> a = g.spawn("a", () -> {
                        go.await();
                        throw root;
                    });
                    Task<String> b = g.spawn("b", a::join);
                    Task<String> c = g.spawn("c", b::join);
                    if (allWaiting) {
                        awaitBlocked(b);
                        awaitBlocked(c);
                        go.countDown();
                    }
                    return c.join();
                }));
                assertEquals(List.of(root), leaves(eg), eg::toString);
            }
        });
    }

    /** A failure rethrown by hand (the cause of the TaskFailedException, unwrapped) is the same failure, reported once. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void failureRethrownByHandIsReportedOnce(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalArgumentException boom = new IllegalArgumentException("bad input");
            ExceptionGroup byBody = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                Task<String> t = g.spawn(() -> {
                    throw boom;
                });
                try {
                    return t.join();
                } catch (TaskFailedException e) {
                    throw (RuntimeException) e.getCause();
                }
            }));
            assertEquals(List.of(boom), leaves(byBody));
            ExceptionGroup byTask = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                Task<String> t = g.spawn(() -> {
                    throw boom;
                });
                g.spawn(() -> {
                    try {
                        return t.join();
                    } catch (TaskFailedException e) {
                        throw (RuntimeException) e.getCause();
                    }
                });
                return null;
            }));
            assertEquals(List.of(boom), leaves(byTask));
        });
    }

    /**
     * Nested groups: a task that runs an inner group fails with the inner group; the outer body
     * joining that task adds nothing; the failing leaf appears once in the whole tree.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void nestedGroupJoinedByTheOuterBodyReportsOnce(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException boom = new IllegalStateException("deep");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run("outer", outer -> {
                Task<String> runner = outer.spawn(() -> TaskGroup.run("inner", inner -> {
                    Task<String> leaf = inner.spawn(() -> {
                        Weft.sleep(Duration.ofMillis(1));
                        throw boom;
                    });
                    return leaf.join();
                }));
                return runner.join();
            }));
            assertEquals(List.of(boom), leaves(eg), eg::toString);
            assertEquals(1, eg.exceptions().size());
            ExceptionGroup inner = assertInstanceOf(ExceptionGroup.class, eg.exceptions().getFirst());
            assertEquals(List.of(boom), inner.exceptions());
        });
    }

    /** An inner group run by the body, whose body joins its failing task, reports the leaf once. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void innerGroupInTheBodyReportsOnce(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException boom = new IllegalStateException("inner leaf");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(outer -> {
                outer.spawn(() -> {
                    Weft.sleep(FOREVER);
                    return null;
                });
                return TaskGroup.run(inner -> inner.spawn(() -> {
                    throw boom;
                }).join());
            }));
            assertEquals(List.of(boom), leaves(eg), eg::toString);
        });
    }

    /** Two tasks that fail with two different exceptions are both reported, in order of occurrence. */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void distinctFailuresAreAllReported(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException first = new IllegalStateException("first");
            IOException second = new IOException("second");
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                Task<Void> a = g.spawn(() -> {
                    throw first;
                });
                g.spawn(() -> CancelScope.shield(() -> {
                    while (!a.isDone()) {
                        Thread.onSpinWait();
                    }
                    throw second;
                }));
                return null;
            }));
            assertEquals(List.of(first, second), leaves(eg));
        });
    }

    /**
     * A new exception the body makes from a task's failure carries information of its own: it is
     * reported beside the original, which is still reported once.
     */
    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void newExceptionWrappingAFailureIsAFailureOfItsOwn(ThreadKind owner) throws Throwable {
        owner.run(() -> {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicReference<RuntimeException> wrapper = new AtomicReference<>();
            ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                Task<String> t = g.spawn(() -> {
                    throw boom;
                });
                try {
                    return CancelScope.shield(t::join);
                } catch (TaskFailedException e) {
                    wrapper.set(new RuntimeException("while loading the cart", e));
                    throw wrapper.get();
                }
            }));
            List<Throwable> leaves = leaves(eg);
            assertEquals(2, leaves.size(), eg::toString);
            assertSame(boom, leaves.get(0));
            assertSame(wrapper.get(), leaves.get(1));
        });
    }

    /** The task that rethrew an already reported failure still ends FAILED, and its joiners still see the failure. */
    @Test
    void taskThatRethrewAReportedFailureStillEndsFailed() throws Exception {
        IOException root = new IOException("root");
        AtomicReference<Task<String>> relay = new AtomicReference<>();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            CountDownLatch go = new CountDownLatch(1);
            Task<String> a = g.spawn(() -> {
                go.await();
                throw root;
            });
            relay.set(g.spawn(a::join));
            awaitBlocked(relay.get());
            go.countDown();
            return null;
        }));
        assertEquals(List.of(root), leaves(eg));
        Task<String> r = relay.get();
        assertEquals(Task.State.FAILED, r.state());
        TaskFailedException e = assertThrows(TaskFailedException.class, r::join);
        assertInstanceOf(TaskFailedException.class, e.getCause());
        assertSame(root, e.getCause().getCause());
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(r.isDone());
    }
}
