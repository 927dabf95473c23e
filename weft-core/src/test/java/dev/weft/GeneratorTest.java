package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Generators: laziness, closing in the consumer, context and cancellation of steps (GEN-*). */
class GeneratorTest {
    static final ContextVar<String> CTX = ContextVar.of("context_var", "-");

    /** Story 000 of {@code docs/stories.md} as in the Python original: a context manager that sets and resets a var around yields. */
    static <T> T runnerWithContext(String name, List<String> log, CallableOp<T, Exception> body) throws Exception {
        try (Token<String> t = CTX.set(name)) {
            log.add("before yield: " + name + " in " + Thread.currentThread().getName());
            try {
                return body.call();
            } finally {
                log.add("after yield: " + name + " ctx=" + CTX.get());
            }
        }
    }

    /** Story 000: breaking out of a generator closes it in the consumer's context, so the token resets (GEN-02, GEN-03). */
    @Test
    void breakClosesGeneratorInItsConsumerSoTheResetSucceeds() throws Exception {
        List<String> log = new ArrayList<>();
        List<String> items = new ArrayList<>();
        TaskGroup.run(g -> {
            runnerWithContext("main_context", log, () -> {
                try (Generator<String> it = Generator.of(out -> runnerWithContext("demo_context", log, () -> {
                    for (int i = 0; i < 3; i++) {
                        out.yield("Iterator i=" + i + " in " + CTX.get());
                    }
                    return null;
                }))) {
                    for (String item : it) {
                        items.add(item);
                        break; // the problematic line in Python
                    }
                }
                assertEquals("main_context", CTX.get(), "the generator's reset ran in this context");
                return null;
            });
            return null;
        });
        assertEquals(List.of("Iterator i=0 in demo_context"), items);
        assertEquals("-", CTX.get());
        assertTrue(log.contains("after yield: demo_context ctx=demo_context"), log.toString());
    }

    /** Story 000 without try-with-resources: the generator is closed when the creating group ends, in its context. */
    @Test
    void abandonedGeneratorIsClosedWhenItsGroupEnds() throws Exception {
        AtomicReference<String> cleanupCtx = new AtomicReference<>();
        AtomicReference<Thread> cleanupThread = new AtomicReference<>();
        AtomicReference<Thread> groupThread = new AtomicReference<>();
        Context.empty().run(() -> TaskGroup.run(g -> {
            groupThread.set(Thread.currentThread());
            try (Token<String> outer = CTX.set("group")) {
                Generator<Integer> gen = Generator.of(out -> {
                    Token<String> t = CTX.set("inside");
                    try {
                        out.yield(1);
                        out.yield(2);
                    } finally {
                        CTX.reset(t); // would fail in another context
                        cleanupCtx.set(CTX.get());
                        cleanupThread.set(Thread.currentThread());
                    }
                });
                for (int x : gen) {
                    break;
                }
                assertNull(cleanupCtx.get(), "not closed yet");
            }
            return null;
        }));
        // The generator's token was made over "group"; its reset, run at the group's end in the
        // group's own context, restores that (non-LIFO reset, CTX-07), and does not fail.
        assertEquals("group", cleanupCtx.get());
        assertTrue(cleanupThread.get().getName().startsWith("generator-"),
                "the body runs on the generator's own thread, in place of the waiting owner");
        assertEquals("-", CTX.get());
    }

    /** The body does not run before the first value is asked for, and runs one step per value. */
    @Test
    void bodyRunsLazilyOneStepPerValue() {
        List<String> trail = new ArrayList<>();
        try (Generator<Integer> g = Generator.of(out -> {
            trail.add("start");
            out.yield(1);
            trail.add("after 1");
            out.yield(2);
            trail.add("end");
        })) {
            assertEquals(List.of(), trail);
            assertTrue(g.hasNext());
            assertEquals(List.of("start"), trail);
            assertEquals(1, g.next());
            assertEquals(2, g.next());
            assertEquals(List.of("start", "after 1"), trail);
            assertFalse(g.hasNext());
            assertEquals(List.of("start", "after 1", "end"), trail);
            assertThrows(NoSuchElementException.class, g::next);
        }
    }

    /** A var set by the body is set in the consumer's context, as in Python (GEN-01). */
    @Test
    void bodySetsLandInConsumersContext() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            try (Generator<Integer> g = Generator.of(out -> {
                CTX.set("from body");
                out.yield(1);
            })) {
                g.next();
                assertEquals("from body", CTX.get());
            }
        });
        assertEquals("from body", ctx.get(CTX));
        assertEquals("-", CTX.get());
    }

    /** close() runs finally blocks synchronously before returning; closing twice or after the end does nothing. */
    @Test
    void closeRunsCleanupBeforeReturningAndIsIdempotent() {
        AtomicInteger finallies = new AtomicInteger();
        Generator<Integer> g = Generator.of(out -> {
            try {
                out.yield(1);
                out.yield(2);
            } finally {
                Thread.sleep(20);
                finallies.incrementAndGet();
            }
        });
        assertEquals(1, g.next());
        g.close();
        assertEquals(1, finallies.get());
        g.close();
        assertEquals(1, finallies.get());
        assertFalse(g.hasNext());
    }

    /** An unstarted generator closes without running its body. */
    @Test
    void closingUnstartedGeneratorNeverRunsBody() {
        AtomicInteger runs = new AtomicInteger();
        Generator<Integer> g = Generator.of(out -> runs.incrementAndGet());
        g.close();
        assertFalse(g.hasNext());
        assertEquals(0, runs.get());
    }

    /** An exception from cleanup propagates from close() (GEN-07). */
    @Test
    void cleanupExceptionPropagatesFromClose() {
        Generator<Integer> g = Generator.of(out -> {
            try {
                out.yield(1);
            } finally {
                throw new IllegalArgumentException("cleanup failed");
            }
        });
        g.next();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, g::close);
        assertEquals("cleanup failed", e.getMessage());
    }

    /** A body that yields again while closing gets IllegalStateException, which reaches close() (GEN-07). */
    @Test
    void yieldingWhileClosingIsAnError() {
        Generator<Integer> g = Generator.of(out -> {
            try {
                out.yield(1);
            } catch (Throwable t) {
                out.yield(2);
            }
        });
        g.next();
        IllegalStateException e = assertThrows(IllegalStateException.class, g::close);
        assertTrue(e.getMessage().contains("while closing"), e.getMessage());
    }

    /** The body's exception reaches the consumer after the body's finally ran; checked ones are wrapped (GEN-08). */
    @Test
    void bodyExceptionReachesConsumerAfterFinally() {
        List<String> trail = new ArrayList<>();
        Generator<Integer> g = Generator.of(out -> {
            try {
                out.yield(1);
                throw new IOException("disk");
            } finally {
                trail.add("finally");
            }
        });
        g.next();
        UndeclaredThrowableException e = assertThrows(UndeclaredThrowableException.class, g::hasNext);
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals(List.of("finally"), trail);
        assertFalse(g.hasNext());
    }

    /** stream() yields the values and its close() closes the generator. */
    @Test
    void streamCloseClosesGenerator() {
        AtomicInteger closed = new AtomicInteger();
        Generator<Integer> g = Generator.of(out -> {
            try {
                for (int i = 0; ; i++) out.yield(i);
            } finally {
                closed.incrementAndGet();
            }
        });
        try (var s = g.stream()) {
            assertEquals(List.of(0, 1, 2), s.limit(3).collect(Collectors.toList()));
        }
        assertEquals(1, closed.get());
    }

    /** A consumer cancelled while the body blocks cancels the body; finally runs once, in the consumer's context. */
    @Test
    void cancellingConsumerCancelsBlockedBody() throws Exception {
        for (boolean jdkCall : new boolean[] {false, true}) {
            AtomicInteger finallies = new AtomicInteger();
            AtomicReference<String> ctxInFinally = new AtomicReference<>();
            CountDownLatch blocked = new CountDownLatch(1);
            Object r = CancelScope.run(scope -> {
                try (Token<String> t = CTX.set("consumer"); Generator<Integer> g = Generator.of(out -> {
                    try {
                        out.yield(1);
                        blocked.countDown();
                        if (jdkCall) Thread.sleep(60_000); else Weft.sleep(Duration.ofMinutes(1));
                        out.yield(2);
                    } finally {
                        finallies.incrementAndGet();
                        ctxInFinally.set(CTX.get());
                    }
                })) {
                    g.next();
                    Thread canceller = Thread.ofVirtual().start(() -> {
                        try {
                            blocked.await();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                        scope.cancel();
                    });
                    try {
                        g.next();
                        fail("expected cancellation");
                    } finally {
                        canceller.join();
                    }
                }
                return "not reached";
            });
            assertNull(r);
            assertEquals(1, finallies.get());
            assertEquals("consumer", ctxInFinally.get());
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    /** A cancelled consumer's hasNext() throws without running a step (level-triggered). */
    @Test
    void cancelledConsumerDoesNotStep() {
        AtomicInteger steps = new AtomicInteger();
        CancelScope.run(scope -> {
            try (Generator<Integer> g = Generator.of(out -> {
                while (true) {
                    steps.incrementAndGet();
                    out.yield(1);
                }
            })) {
                g.next();
                scope.cancel();
                assertThrows(CancelledException.class, g::hasNext);
                assertThrows(CancelledException.class, g::hasNext);
            }
            return null;
        });
        assertEquals(1, steps.get());
    }

    /** Yielding inside a scope opened in the body is refused (PEP 789). */
    @Test
    void yieldInsideBodyScopeIsRefused() {
        Generator<Integer> g = Generator.of(out -> Timeout.failAfter(Duration.ofSeconds(5), () -> {
            out.yield(1);
            return null;
        }));
        IllegalStateException e = assertThrows(IllegalStateException.class, g::next);
        assertTrue(e.getMessage().contains("PEP 789"), e.getMessage());
    }

    /** A generator used by two threads at once is a clear error, not a corruption. */
    @Test
    void concurrentConsumersAreRefused() throws Exception {
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Generator<Integer> g = Generator.of(out -> {
            inStep.countDown();
            release.await();
            out.yield(1);
        });
        Thread first = Thread.ofVirtual().start(g::hasNext);
        inStep.await();
        IllegalStateException e = assertThrows(IllegalStateException.class, g::hasNext);
        assertTrue(e.getMessage().contains("one consumer at a time"), e.getMessage());
        release.countDown();
        first.join();
        assertEquals(1, g.next());
        g.close();
    }

    /** Cancellation sweep: cancel the consumer at every step; every finally runs once, in the consumer's context. */
    @Test
    void cancellationAtEveryStepRunsEachFinallyOnceInConsumerContext() {
        int steps = 6;
        for (int cancelAt = 0; cancelAt <= steps; cancelAt++) {
            for (int rep = 0; rep < 20; rep++) {
                int at = cancelAt;
                List<String> finallies = new ArrayList<>();
                List<Integer> got = new ArrayList<>();
                TaskGroup.run(grp -> grp.spawn(() -> {
                    CTX.set("task");
                    CancelScope.run(scope -> {
                        try (Generator<Integer> g = Generator.of(out -> {
                            for (int i = 0; i < steps; i++) {
                                try {
                                    out.yield(i);
                                } finally {
                                    finallies.add(i + ":" + CTX.get());
                                }
                            }
                        })) {
                            int n = 0;
                            for (int v : g) {
                                got.add(v);
                                if (++n == at) scope.cancel();
                                Weft.checkpoint();
                            }
                        }
                        return null;
                    });
                    return null;
                }).join());
                int expectedItems = at == 0 ? steps : at;
                assertEquals(expectedItems, got.size(), "cancelAt=" + at);
                assertEquals(expectedItems, finallies.size(), "every started step's finally ran once: " + finallies);
                for (String f : finallies) {
                    assertTrue(f.endsWith(":task"), f);
                }
            }
        }
    }

    /** A generator a task leaves open is closed when the task ends; a cleanup failure then fails the task. */
    @Test
    void abandonedGeneratorIsClosedWhenItsTaskEndsAndCleanupFailureFailsTask() {
        AtomicInteger finallies = new AtomicInteger();
        ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
            Task<Integer> ok = g.spawn(() -> {
                Generator<Integer> gen = Generator.of(out -> {
                    try {
                        out.yield(1);
                        out.yield(2);
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                return gen.next();
            });
            assertEquals(1, ok.join());
            assertEquals(1, finallies.get(), "closed as the task ended, before join returned");
            g.spawn(() -> {
                Generator<Integer> gen = Generator.of(out -> {
                    try {
                        out.yield(1);
                    } finally {
                        throw new IllegalStateException("cleanup broke");
                    }
                });
                return gen.next();
            });
            return null;
        }));
        assertEquals(1, eg.exceptions().size());
        assertEquals("cleanup broke", eg.exceptions().getFirst().getMessage());
    }

    /** Many generators closed by their users do not accumulate in a long-lived group. */
    @Test
    void closedGeneratorsDoNotAccumulateInLongLivedScope() {
        TaskGroup.run(g -> {
            for (int i = 0; i < 2_000; i++) {
                try (Generator<Integer> gen = Generator.of(out -> out.yield(1))) {
                    assertEquals(1, gen.next());
                }
            }
            var bound = TestSupport.generatorsBoundTo(CancelScope.current());
            assertTrue(bound.size() <= 1024, "bound list stays small: " + bound.size());
            return null;
        });
    }
}
