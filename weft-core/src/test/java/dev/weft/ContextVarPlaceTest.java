package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The place a set remembers ({@code ContextVar.place}): the next set of the same variable writes
 * there at once, without reading the thread's context or walking the map, while the place's
 * context is current on the setting thread, its map is the same open map and no in-place change
 * has moved the map's layout. Each test first sets the variable twice (the second set finds the
 * value in place and remembers it), then does what must make the place unusable, then sets again
 * and checks where the value went. Each was seen to fail with the corresponding check removed
 * (the layout moved by a put, by a remove, by a freeze; the place's context current on the
 * setting thread).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextVarPlaceTest {
    private final ContextVar<String> v = ContextVar.of("v");

    /** A put of a new variable replaces the node that held v's slot: the next set must find the new one. */
    @Test
    void aSetAfterAnotherVariableCameWritesTheNodeThatReplacedTheOld() {
        for (int others : new int[] {0, 1, 40, 200}) {
            Context ctx = Context.empty();
            List<ContextVar<String>> before = vars("before", others);
            ctx.run(() -> {
                before.forEach(o -> o.set("o"));
                v.set("1");
                v.set("2"); // remembered
                ContextVar<String> w = ContextVar.of("w");
                w.set("w");
                v.set("3");
                assertEquals("3", v.get());
                assertEquals("3", Context.copyCurrent().get(v), "with " + others + " other variables set");
                assertEquals("w", w.get());
            });
            assertEquals("3", ctx.get(v));
        }
    }

    /** A remove (a token restoring "unset") replaces the node too. */
    @Test
    void aSetAfterAnotherVariableWentWritesTheNodeThatReplacedTheOld() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            ContextVar<String> w = ContextVar.of("w");
            Token<String> tw = w.set("w"); // w was unset: its reset removes it
            v.set("1");
            v.set("2");
            tw.close();
            v.set("3");
            assertEquals("3", Context.copyCurrent().get(v));
            assertNull(w.get(null));
        });
        assertEquals("3", ctx.get(v));
    }

    /** A copy by the writer freezes the map it shares; the next set must not write into it. */
    @Test
    void aSetAfterACopyLeavesTheCopyAlone() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            v.set("1");
            v.set("2");
            Context copy = Context.copyCurrent();
            v.set("3");
            assertEquals("2", copy.get(v));
            assertEquals("3", v.get());
        });
    }

    /**
     * A copy by another thread while no thread is in the context freezes its map from outside;
     * the writer that enters it again must not write into the map the copy shares.
     */
    @Test
    void aSetAfterAnOutsideCopyOfTheIdleContextLeavesTheCopyAlone() throws Exception {
        Context ctx = Context.empty();
        ctx.run(() -> {
            v.set("1");
            v.set("2");
        });
        Context[] copy = new Context[1];
        TestSupport.Background.start(TestSupport.ThreadKind.VIRTUAL, "copier", () -> copy[0] = ctx.copy())
                .join(TestSupport.PROMPT);
        ctx.run(() -> v.set("3"));
        assertEquals("2", copy[0].get(v));
        assertEquals("3", ctx.get(v));
    }

    /** A place whose context is current on another thread is not this thread's to write. */
    @Test
    void aPlaceInAContextCurrentOnAnotherThreadIsNotUsed() throws Exception {
        Context other = Context.empty();
        CountDownLatch remembered = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        TestSupport.Background owner = TestSupport.Background.start(TestSupport.ThreadKind.VIRTUAL, "owner",
                () -> other.run(() -> {
                    v.set("a1");
                    v.set("a2");
                    remembered.countDown();
                    try {
                        TestSupport.await(done, "the other thread's sets");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertEquals("a2", v.get());
                }));
        TestSupport.await(remembered, "the owner's sets");
        Context mine = Context.empty();
        mine.run(() -> {
            v.set("b1");
            v.set("b2");
            assertEquals("b2", v.get());
        });
        done.countDown();
        owner.join(TestSupport.PROMPT);
        assertEquals("a2", other.get(v));
        assertEquals("b2", mine.get(v));
    }

    /** A place in a context this thread has left is not used for a set in another context. */
    @Test
    void aPlaceInAContextThisThreadHasLeftIsNotUsed() {
        Context first = Context.empty();
        first.run(() -> {
            v.set("1");
            v.set("2");
        });
        Context second = Context.empty();
        second.run(() -> {
            v.set("other");
            v.set("other again");
        });
        assertEquals("2", first.get(v));
        assertEquals("other again", second.get(v));
    }

    /**
     * A generator's step runs on its own thread in its consumer's context; its sets land there,
     * and the consumer's remembered place stays right across them.
     */
    @Test
    void setsOfAGeneratorStepAndOfItsConsumerInterleave() {
        Context ctx = Context.empty();
        ctx.run(() -> {
            v.set("c1");
            v.set("c2");
            try (Generator<Integer> g = Generator.of(out -> {
                v.set("g1");
                out.yield(1);
                v.set("g2");
                ContextVar.of("new in the step").set("x"); // the layout moves under the consumer
                out.yield(2);
            })) {
                g.next();
                assertEquals("g1", v.get());
                v.set("c3");
                assertEquals("c3", v.get());
                g.next();
                assertEquals("g2", v.get());
                v.set("c4");
                assertEquals("c4", Context.copyCurrent().get(v));
            }
        });
        assertEquals("c4", ctx.get(v));
    }

    /**
     * Threads that set the same variables in contexts of their own, with copies and resets in
     * between, each see exactly their own writes: checked against a plain map after every step
     * and in every copy at the end. The variables' remembered places are shared by all threads.
     */
    @Test
    void threadsSettingSharedVariablesInTheirOwnContextsSeeTheirOwnWrites() throws Exception {
        List<ContextVar<String>> vars = vars("shared", 40);
        TestSupport.seededIterations("ContextVarPlaceTest", Duration.ofSeconds(1), 5, (seed, iteration) -> {
            List<TestSupport.Background> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long s = seed + t;
                TestSupport.ThreadKind kind = t % 2 == 0 ? TestSupport.ThreadKind.VIRTUAL : TestSupport.ThreadKind.PLATFORM;
                threads.add(TestSupport.Background.start(kind, "setter-" + t,
                        () -> Context.empty().run(() -> randomWrites(vars, new Random(s), "seed " + s))));
            }
            for (TestSupport.Background t : threads) {
                t.join(TestSupport.BODY_BOUND);
            }
        });
    }

    private static void randomWrites(List<ContextVar<String>> vars, Random random, String seed) {
        Map<ContextVar<String>, String> model = new HashMap<>();
        ArrayDeque<Token<String>> tokens = new ArrayDeque<>();
        ArrayDeque<Map<ContextVar<String>, String>> models = new ArrayDeque<>();
        List<Context> copies = new ArrayList<>();
        List<Map<ContextVar<String>, String>> copied = new ArrayList<>();
        for (int step = 0; step < 2_000; step++) {
            int op = random.nextInt(10);
            ContextVar<String> var = vars.get(random.nextInt(random.nextBoolean() ? 3 : vars.size()));
            if (op < 6) {
                String value = seed + "/" + step;
                models.push(new HashMap<>(model));
                tokens.push(var.set(value));
                model.put(var, value);
            } else if (op < 9 && !tokens.isEmpty()) {
                tokens.pop().close();
                model = models.pop();
            } else {
                copies.add(Context.copyCurrent());
                copied.add(new HashMap<>(model));
            }
            assertEquals(model.get(var), var.get(null), seed + ", step " + step);
        }
        for (ContextVar<String> var : vars) {
            assertEquals(model.get(var), var.get(null), seed + ", at the end");
        }
        for (int i = 0; i < copies.size(); i++) {
            for (ContextVar<String> var : vars) {
                assertEquals(copied.get(i).get(var), copies.get(i).get(var), seed + ", copy " + i);
            }
        }
    }

    private static List<ContextVar<String>> vars(String prefix, int n) {
        List<ContextVar<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ContextVar.of(prefix + i));
        }
        return out;
    }
}
