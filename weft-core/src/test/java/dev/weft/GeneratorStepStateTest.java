package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * What a step takes from its consumer when the consumer's state changes between steps: a step
 * switches the body's context, chain and task only when they change, and must still switch every
 * time they do (the steady loop writes nothing, see Generator's overview).
 */
class GeneratorStepStateTest {
    static final ContextVar<String> VAR = ContextVar.of("step_state_var", "-");

    /** Each step runs in the context its consumer has current at that step, also when it alternates. */
    @Test
    void eachStepRunsInTheContextItsConsumerHasThen() {
        Context a = Context.empty();
        Context b = Context.empty();
        a.run(() -> VAR.set("a"));
        b.run(() -> VAR.set("b"));
        List<String> seen = new ArrayList<>();
        try (Generator<Integer> g = Generator.of(out -> {
            for (int i = 0; ; i++) {
                seen.add(VAR.get());
                VAR.set("step " + i); // lands in the consumer's context of this step
                out.yield(i);
            }
        })) {
            a.run(() -> g.next());
            a.run(() -> g.next());
            b.run(() -> g.next());
            a.run(() -> g.next());
            g.next(); // this thread's own context
        }
        assertEquals(List.of("a", "step 0", "b", "step 1", "-"), seen);
        assertEquals("step 3", a.get(VAR));
        assertEquals("step 2", b.get(VAR));
        assertEquals("step 4", VAR.get());
    }

    /**
     * A body that makes a context of its own current around a yield resumes in its consumer's
     * context, like every step, and the next step in the same consumer context still sees it.
     */
    @Test
    void bodyThatEntersItsOwnContextAroundAYieldResumesInTheConsumersContext() {
        Context own = Context.empty();
        own.run(() -> VAR.set("own"));
        List<String> seen = new ArrayList<>();
        try (Token<String> t = VAR.set("consumer"); Generator<Integer> g = Generator.of(out -> {
            own.run(() -> {
                seen.add(VAR.get());
                out.yield(1);
                seen.add(VAR.get());
            });
            out.yield(2);
            seen.add(VAR.get());
            out.yield(3);
        })) {
            assertEquals(1, g.next());
            assertEquals(2, g.next());
            assertEquals(3, g.next());
        }
        assertEquals(List.of("own", "consumer", "consumer"), seen);
    }

    /**
     * A body that yields inside a context of its own, resumed from another consumer context, stays
     * in that consumer's context when its own context ends: it does not go back to the first
     * step's context, and what it reads (through the variable's cache or not), sets and resets
     * all agree on where it is. The consumer reads the variable in each context first, so that the
     * variable's cache holds entries for them.
     */
    @Test
    void bodyThatLeavesItsOwnContextAfterAYieldStaysInTheCurrentStepsContext() {
        Context a = Context.empty();
        Context b = Context.empty();
        Context own = Context.empty();
        a.run(() -> VAR.set("a"));
        b.run(() -> VAR.set("b"));
        List<String> seen = new ArrayList<>();
        try (Generator<Integer> g = Generator.of(out -> {
            own.run(() -> {
                out.yield(1);
                Context.empty().run(() -> { }); // enter and leave a context inside the second step
            });
            seen.add(VAR.get());
            try (Token<String> t = VAR.set("set in step 2")) {
                seen.add(VAR.get());
                seen.add(Context.copyCurrent().get(VAR));
            }
            seen.add(VAR.get());
            out.yield(2);
        })) {
            a.run(() -> assertEquals(1, g.next()));
            b.run(() -> {
                assertEquals("b", VAR.get());
                assertEquals(2, g.next());
                assertEquals("b", VAR.get());
            });
        }
        assertEquals(List.of("b", "set in step 2", "set in step 2", "b"), seen);
        assertEquals("a", a.get(VAR));
        assertEquals("b", b.get(VAR));
    }

    /** Task.current() in the body is the task that runs each step, also when the consumer changes. */
    @Test
    void eachStepReportsTheTaskThatRunsIt() throws Exception {
        List<Optional<Task<?>>> seen = new ArrayList<>();
        Generator<Integer> g = Generator.of(out -> {
            for (int i = 0; ; i++) {
                seen.add(Task.current());
                out.yield(i);
            }
        });
        g.next(); // plain thread code: no task
        Task<?> stepper = TaskGroup.run(group -> {
            CountDownLatch stepped = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Task<Integer> t = group.spawn(() -> {
                int v = g.next();
                stepped.countDown();
                release.await();
                return v;
            });
            TestSupport.await(stepped, "the task steps");
            g.next(); // taken over by the group's own thread, which runs no task
            release.countDown();
            t.join();
            g.next();
            g.close();
            return t;
        });
        assertEquals(List.of(Optional.empty(), Optional.of(stepper), Optional.empty(), Optional.empty()), seen);
    }
}
