package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A generator handed from one task to another is owned by whoever consumed it last: the task
 * that steps it takes it over, and only the end of its owner's scope closes it (in the owner's
 * context). An unstarted generator has nothing to clean up, so its creator's end does not close
 * it. A generator closed by its owner's end is never silently empty afterwards: asking it for a
 * value throws {@link IllegalStateException}.
 */
class GeneratorHandoffTest {
    private static final ContextVar<String> WHO = ContextVar.of("who", "-");

    /** Values 1..n; the cleanup records the context it ran in. */
    private static Generator<Integer> counting(int n, List<String> cleanups) {
        return Generator.of(out -> {
            try {
                for (int i = 1; i <= n; i++) {
                    out.yield(i);
                }
            } finally {
                cleanups.add(WHO.get());
            }
        });
    }

    /** Created by A and handed over before its first step: B gets every value, after A has ended. */
    @Test
    void unstartedGeneratorHandedToAnotherTaskKeepsAllItsValues() {
        List<String> cleanups = new CopyOnWriteArrayList<>();
        List<Integer> got = new ArrayList<>();
        TaskGroup.run(g -> {
            Channel<Generator<Integer>> handOff = Channel.bounded(1);
            Task<Object> a = g.spawn("A", () -> {
                WHO.set("A");
                handOff.send(counting(3, cleanups));
                return null;
            });
            a.join();
            g.spawn("B", () -> {
                WHO.set("B");
                handOff.receive().forEachRemaining(got::add);
                return null;
            }).join();
            return null;
        });
        assertEquals(List.of(1, 2, 3), got);
        assertEquals(List.of("B"), cleanups);
    }

    /**
     * Consumed partly by A, then taken over by B before A ends: A's end leaves it alone, B gets
     * the remaining values, and B's end, which leaves it open, closes it in B's context.
     */
    @Test
    void generatorTakenOverByAnotherTaskIsClosedByItsNewOwner() {
        List<String> cleanups = new CopyOnWriteArrayList<>();
        List<Integer> got = new CopyOnWriteArrayList<>();
        TaskGroup.run(g -> {
            Channel<Generator<Integer>> handOff = Channel.bounded(1);
            Channel<String> tookOver = Channel.bounded(1);
            Channel<String> aEnded = Channel.bounded(1);
            Task<Object> a = g.spawn("A", () -> {
                WHO.set("A");
                Generator<Integer> gen = counting(5, cleanups);
                got.add(gen.next());
                handOff.send(gen);
                tookOver.receive();
                return null;
            });
            g.spawn("B", () -> {
                WHO.set("B");
                Generator<Integer> gen = handOff.receive();
                got.add(gen.next());
                tookOver.send("mine now");
                aEnded.receive();
                got.add(gen.next());
                got.add(gen.next());
                return null; // left open on purpose: B's end closes it
            });
            a.join();
            assertTrue(cleanups.isEmpty(), "A's end closed a generator B had taken over: " + cleanups);
            aEnded.send("A ended");
            return null;
        });
        assertEquals(List.of(1, 2, 3, 4), got);
        assertEquals(List.of("B"), cleanups);
    }

    /**
     * Consumed by A, which ends before anyone else steps it: A's end closes it in A's context,
     * and B's later request for a value is refused loudly instead of seeing an empty generator.
     */
    @Test
    void generatorClosedByItsOwnersEndRefusesLaterSteps() {
        List<String> cleanups = new CopyOnWriteArrayList<>();
        AtomicReference<Generator<Integer>> left = new AtomicReference<>();
        AtomicReference<IllegalStateException> refused = new AtomicReference<>();
        TaskGroup.run(g -> {
            g.spawn("A", () -> {
                WHO.set("A");
                Generator<Integer> gen = counting(3, cleanups);
                assertEquals(1, gen.next());
                left.set(gen);
                return null;
            }).join();
            assertEquals(List.of("A"), cleanups, "closed as A ended, in A's context");
            g.spawn("B", () -> {
                refused.set(assertThrows(IllegalStateException.class, () -> left.get().hasNext()));
                return null;
            }).join();
            return null;
        });
        String message = refused.get().getMessage();
        assertTrue(message.contains("task 'A'") && message.contains("closed"), message);
        assertEquals(List.of("A"), cleanups, "the cleanup ran once");
        left.get().close(); // closing again does nothing
    }

    /** Within one task, nested scopes do not change the owner: the task's end closes it, not the inner group's. */
    @Test
    void consumingInsideANestedGroupOfTheSameTaskKeepsTheOwner() {
        List<String> cleanups = new CopyOnWriteArrayList<>();
        List<Integer> got = new ArrayList<>();
        TaskGroup.run(g -> g.spawn("A", () -> {
            WHO.set("A");
            Generator<Integer> gen = counting(3, cleanups);
            TaskGroup.run(inner -> got.add(gen.next()));
            assertTrue(cleanups.isEmpty(), "the inner group's end closed the task's generator");
            got.add(gen.next());
            return null;
        }).join());
        assertEquals(List.of(1, 2), got);
        assertEquals(List.of("A"), cleanups);
    }

    /** Two tasks stepping at once are still refused: one consumer at a time. */
    @Test
    void concurrentStepsAreStillRefused() {
        AtomicReference<Throwable> second = new AtomicReference<>();
        Channel<String> inStep = Channel.bounded(1);
        Channel<String> release = Channel.bounded(1);
        TaskGroup.run(g -> {
            Generator<Integer> gen = Generator.of(out -> {
                inStep.send("in step");
                release.receive();
                out.yield(1);
            });
            Task<Integer> first = g.spawn(gen::next);
            inStep.receive();
            g.spawn(() -> {
                try {
                    gen.hasNext();
                } catch (Throwable t) {
                    second.set(t);
                }
            }).join();
            release.send("go");
            assertEquals(1, first.join());
            gen.close();
            return null;
        });
        assertTrue(second.get() instanceof IllegalStateException, String.valueOf(second.get()));
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
