package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Story 003 of {@code docs/stories.md}: contexts are copied cheaply (a persistent trie, copy on write), but the copy is
 * shallow: a mutable value set in the parent is the same object in every child, so a child's
 * mutation leaks back (Python's {@code ctx.get()["fun"] = "xxx"} trap). weft keeps the shallow,
 * O(1) copy and adds {@link ContextVar.Builder#onFork}: a variable may declare a copier that runs
 * on every fork ({@link Context#copy()}, {@link Context#copyCurrent()}, spawn, wrap), so a
 * child's mutations stay in the child.
 *
 * <p>The first tests show the trap as it is (it must still exist for plain variables: the copy
 * is shallow by design), the rest show the fix on every fork path.
 */
class ContextForkTest {
    /** Story 003's {@code ctx}: a dict, shared by reference between parent and children. */
    private final ContextVar<Map<String, String>> plainMap = ContextVar.of("dict");
    /** Story 003's {@code ctx2}: a number, which copy on write keeps per task. */
    private final ContextVar<Integer> number = ContextVar.of("number");
    /** The fix: each fork gets its own HashMap. */
    private final ContextVar<Map<String, String>> forkedMap =
            ContextVar.<Map<String, String>>builder("forked-dict").onFork(HashMap::new).build();

    @AfterEach
    void noInterruptLeaks() {
        assertFalse(Thread.interrupted(), "a test left the interrupt flag set");
    }

    /** Story 003's first example: a child running in a copy extends a string; the parent keeps its own. */
    @Test
    void childSetsOfImmutableValuesStayInTheChild() {
        ContextVar<String> trace = ContextVar.of("trace");
        Context.empty().run(() -> {
            trace.set("begin");
            Runnable fun = () -> trace.set(trace.get() + "|fun");
            List<String> seen = new ArrayList<>();
            Runnable main = () -> {
                trace.set(trace.get() + "|main");
                seen.add(trace.get());
                fun.run(); // a plain call: same context
                seen.add(trace.get());
            };
            TaskGroup.run(g -> g.spawn(main::run).join()); // a task: a copy of the context
            assertEquals(List.of("begin|main", "begin|main|fun"), seen);
            assertEquals("begin", trace.get());
        });
    }

    /** The trap: without onFork, a child task's mutation of a HashMap value is visible to the parent, though its set of a number is not. */
    @Test
    void withoutOnForkAChildsMutationLeaksToTheParent() {
        Context.empty().run(() -> {
            plainMap.set(new HashMap<>());
            number.set(0);
            TaskGroup.run(g -> g.spawn(() -> {
                number.set(1); // copy on write: only the child's context changes
                plainMap.get().put("fun", "xxx"); // the shared object changes
            }).join());
            assertEquals(0, number.get());
            assertEquals(Map.of("fun", "xxx"), plainMap.get(), "the shallow-copy trap of story 003");
        });
    }

    /** The trap on every fork path: copy(), copyCurrent() and wrap share a mutable value by reference. */
    @Test
    void withoutOnForkEveryCopySharesTheSameObject() {
        Context.empty().run(() -> {
            Map<String, String> parent = new HashMap<>();
            plainMap.set(parent);
            Context.copyCurrent().run(() -> plainMap.get().put("copyCurrent", "1"));
            Context.empty().call(() -> null); // unrelated context switch changes nothing
            Runnable wrapped = Context.wrap(() -> {
                plainMap.get().put("wrap", "1");
            });
            wrapped.run();
            assertSame(parent, Context.copyCurrent().copy().get(plainMap));
            assertEquals(Map.of("copyCurrent", "1", "wrap", "1"), parent);
        });
    }

    /** The fix, for spawn: with onFork(HashMap::new) a child task's mutations stay in the child, and the parent's later ones do not reach it. */
    @Test
    void onForkKeepsATasksMutationsInTheTask() {
        Context.empty().run(() -> {
            Map<String, String> parent = new HashMap<>(Map.of("k", "parent"));
            forkedMap.set(parent);
            CountDownLatch parentMutated = new CountDownLatch(1);
            Map<String, String> childSaw = TaskGroup.run(g -> {
                Task<Map<String, String>> child = g.spawn(() -> {
                    Map<String, String> mine = forkedMap.get();
                    assertNotSame(parent, mine);
                    mine.put("fun", "xxx");
                    TestSupport.await(parentMutated, "parentMutated");
                    return Map.copyOf(forkedMap.get());
                });
                parent.put("late", "parent");
                parentMutated.countDown();
                return child.join();
            });
            assertEquals(Map.of("k", "parent", "fun", "xxx"), childSaw, "the parent's later put did not reach the child");
            assertEquals(Map.of("k", "parent", "late", "parent"), parent, "the child's put did not reach the parent");
            assertSame(parent, forkedMap.get(), "the parent keeps its own object");
        });
    }

    /** The fix, for copy() and copyCurrent(): each copy holds its own map. */
    @Test
    void onForkGivesEveryCopyItsOwnValue() {
        Context original = Context.empty();
        Map<String, String> parent = new HashMap<>();
        original.run(() -> forkedMap.set(parent));

        Context byCopy = original.copy();
        byCopy.run(() -> forkedMap.get().put("copy", "1"));
        Context byCopyCurrent = original.call(Context::copyCurrent);
        byCopyCurrent.run(() -> forkedMap.get().put("copyCurrent", "1"));

        assertTrue(parent.isEmpty(), parent.toString());
        assertEquals(Map.of("copy", "1"), byCopy.get(forkedMap));
        assertEquals(Map.of("copyCurrent", "1"), byCopyCurrent.get(forkedMap));
        Context copyOfCopy = byCopy.copy();
        copyOfCopy.run(() -> forkedMap.get().put("grandchild", "1"));
        assertEquals(Map.of("copy", "1"), byCopy.get(forkedMap), "copies of copies fork too");
        assertEquals(Map.of("copy", "1", "grandchild", "1"), copyOfCopy.get(forkedMap));
    }

    /** The fix, for Context.wrap and ContextExecutors: the wrapped body's mutations stay in its run, and each run starts from the snapshot. */
    @Test
    void onForkKeepsWrappedMutationsInTheirRun() throws Exception {
        ExecutorService pool = ContextExecutors.wrap(Executors.newSingleThreadExecutor());
        try {
            Context.empty().run(() -> {
                Map<String, String> parent = new HashMap<>(Map.of("k", "v"));
                forkedMap.set(parent);
                Callable<Integer> addOne = () -> {
                    Map<String, String> m = forkedMap.get();
                    m.put("run" + m.size(), "x");
                    return m.size();
                };
                Callable<Integer> wrapped = Context.wrap(addOne);
                parent.put("after-wrap", "not seen");
                try {
                    assertEquals(2, wrapped.call());
                    assertEquals(2, wrapped.call(), "each run starts from the snapshot taken at wrap");
                    assertEquals(3, pool.submit(addOne).get(10, TimeUnit.SECONDS), "submit copies at submit time");
                    assertEquals(3, pool.submit(addOne).get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                assertEquals(Map.of("k", "v", "after-wrap", "not seen"), parent);
            });
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** spawn(callable, ctx) runs in exactly ctx, not a fork: the copier does not run and mutations are visible in ctx. */
    @Test
    void explicitContextIsNotForked() {
        AtomicInteger forks = new AtomicInteger();
        ContextVar<Map<String, String>> counted = ContextVar.<Map<String, String>>builder("counted")
                .onFork(m -> {
                    forks.incrementAndGet();
                    return new HashMap<>(m);
                }).build();
        Context ctx = Context.empty();
        Map<String, String> value = new HashMap<>();
        ctx.run(() -> counted.set(value));
        TaskGroup.run(g -> g.spawn(() -> {
            counted.get().put("task", "1");
            return null;
        }, ctx).join());
        assertEquals(0, forks.get());
        assertSame(value, ctx.get(counted));
        assertEquals(Map.of("task", "1"), value);
    }

    /** The copier receives null when null was set, and the copy holds what it returned. */
    @Test
    void onForkReceivesNullWhenNullWasSet() {
        List<Map<String, String>> received = new ArrayList<>();
        Map<String, String> made = new HashMap<>(Map.of("made", "for null"));
        ContextVar<Map<String, String>> nullable = ContextVar.<Map<String, String>>builder("nullable")
                .onFork(m -> {
                    received.add(m);
                    return m == null ? made : new HashMap<>(m);
                }).build();
        Context ctx = Context.empty();
        ctx.run(() -> nullable.set(null));
        Context copy = ctx.copy();
        assertEquals(1, received.size());
        assertNull(received.getFirst());
        assertSame(made, copy.get(nullable));
        assertTrue(ctx.contains(nullable));
        assertNull(ctx.get(nullable));
    }

    /** The default is never stored in a context, so the copier does not run for it: the default object is shared (as documented). */
    @Test
    void defaultValueIsNotForked() {
        Map<String, String> shared = new HashMap<>();
        AtomicInteger forks = new AtomicInteger();
        ContextVar<Map<String, String>> withDefault = ContextVar.<Map<String, String>>builder("with-default")
                .defaultValue(shared)
                .onFork(m -> {
                    forks.incrementAndGet();
                    return new HashMap<>(m);
                }).build();
        Context ctx = Context.empty();
        ctx.copy().run(() -> assertSame(shared, withDefault.get()));
        assertEquals(0, forks.get());
    }

    /** Copy stays O(1)-shaped when no fork variable is set: the copy shares the trie and no copier runs, however many variables are set. */
    @Test
    void copyWithoutForkVariablesSharesTheTrieAndRunsNoCopier() {
        AtomicInteger forks = new AtomicInteger();
        ContextVar<Map<String, String>> counted = ContextVar.<Map<String, String>>builder("counted")
                .onFork(m -> {
                    forks.incrementAndGet();
                    return new HashMap<>(m);
                }).build();
        List<ContextVar<Integer>> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(ContextVar.of("v" + i));
        }
        Context ctx = Context.empty();
        ctx.run(() -> many.forEach(v -> v.set(1)));
        Context copy = ctx.copy();
        assertSame(ctx.map, copy.map, "white-box: a copy without fork variables shares the trie");
        assertFalse(ctx.forks || copy.forks, "white-box: no fork variable was set, so copies skip the fork list");
        assertEquals(1000, copy.size());

        // A fork variable that was set and then reset leaves nothing behind.
        ctx.run(() -> counted.set(new HashMap<>()).close());
        assertSame(ctx.map, ctx.copy().map);
        assertEquals(0, forks.get());

        // With one fork variable set, each copy runs its copier exactly once, whatever else is set.
        ctx.run(() -> counted.set(new HashMap<>()));
        assertTrue(ctx.forks && ctx.copy().forks, "white-box: set once, looked for in every copy");
        forks.set(0);
        ctx.copy();
        Context.empty().run(() -> { }); // unrelated
        ctx.call(Context::copyCurrent);
        assertEquals(2, forks.get());
        assertEquals(1001, ctx.copy().size(), "the bookkeeping of fork variables is not a variable");
        assertEquals(1001, ctx.vars().size());
    }

    /** Out-of-order resets keep the set of fork variables right: the copier runs exactly when the variable is present. */
    @Test
    void forkBookkeepingSurvivesOutOfOrderResets() {
        Function<Context, Boolean> forksOnCopy = ctx -> {
            Map<String, String> before = ctx.get(forkedMap);
            Map<String, String> after = ctx.copy().get(forkedMap);
            return before != null && after != null && before != after;
        };
        Context ctx = Context.empty();
        Map<String, String> first = new HashMap<>();
        ctx.run(() -> {
            Token<Map<String, String>> t1 = forkedMap.set(first);
            Token<Map<String, String>> t2 = forkedMap.set(new HashMap<>());
            forkedMap.reset(t1); // absent now
            assertFalse(Context.copyCurrent().contains(forkedMap));
            forkedMap.reset(t2); // back to first
            assertSame(first, forkedMap.get());
        });
        assertTrue(forksOnCopy.apply(ctx), "the variable came back and is forked again");
        assertEquals(1, ctx.size());
        assertEquals(List.of(forkedMap), List.copyOf(ctx.vars()));
    }

    /** Several fork variables are each copied; a plain variable in the same context stays shared. */
    @Test
    void eachForkVariableIsCopiedAndPlainOnesAreShared() {
        ContextVar<List<String>> forkedList =
                ContextVar.<List<String>>builder("forked-list").onFork(ArrayList::new).build();
        Context ctx = Context.empty();
        Map<String, String> plain = new HashMap<>();
        ctx.run(() -> {
            forkedMap.set(new HashMap<>());
            forkedList.set(new ArrayList<>());
            plainMap.set(plain);
        });
        Context child = ctx.copy();
        child.run(() -> {
            forkedMap.get().put("a", "1");
            forkedList.get().add("b");
            plainMap.get().put("c", "3");
        });
        assertTrue(ctx.get(forkedMap).isEmpty());
        assertTrue(ctx.get(forkedList).isEmpty());
        assertEquals(Map.of("c", "3"), plain);
        assertEquals(List.of("b"), child.get(forkedList));
    }

    /** A copier may be any UnaryOperator: here one that makes immutable snapshots, so a child cannot mutate at all. */
    @Test
    void copierCanFreezeTheValue() {
        UnaryOperator<Map<String, String>> freeze = Map::copyOf;
        ContextVar<Map<String, String>> frozen =
                ContextVar.<Map<String, String>>builder("frozen").onFork(freeze).build();
        Context.empty().run(() -> {
            frozen.set(new HashMap<>(Map.of("k", "v")));
            boolean childCouldMutate = TaskGroup.run(g -> g.spawn(() -> {
                try {
                    frozen.get().put("x", "y");
                    return true;
                } catch (UnsupportedOperationException e) {
                    return false;
                }
            }).join());
            assertFalse(childCouldMutate);
            assertEquals(Map.of("k", "v"), frozen.get());
        });
    }
}
