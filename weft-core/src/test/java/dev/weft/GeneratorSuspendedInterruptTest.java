package dev.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An interrupt that reaches a generator's thread while it is suspended at a yield (a foreign one
 * here; weft's own comes from a cancellation that raced the step's end) must not make the thread
 * spin until the next step: it parks again, and the interrupt is still there for the next step.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GeneratorSuspendedInterruptTest {

    @Test
    void aSuspendedBodyThatIsInterruptedParksAgainAndTheNextStepSeesTheInterrupt() throws Exception {
        AtomicReference<Thread> body = new AtomicReference<>();
        AtomicBoolean interruptedInNextStep = new AtomicBoolean();
        try (Generator<Integer> g = Generator.of(out -> {
            body.set(Thread.currentThread());
            out.yield(1);
            interruptedInNextStep.set(Thread.interrupted());
            out.yield(2);
        })) {
            assertEquals(1, g.next());
            Thread t = body.get();
            TestSupport.awaitCondition(() -> t.getState() == Thread.State.WAITING, "the body parks at its yield");
            t.interrupt();
            // With the interrupt flag set, every park returns at once: a thread that spun on it
            // would never be seen waiting again.
            TestSupport.awaitCondition(() -> t.getState() == Thread.State.WAITING && !t.isInterrupted(),
                    "the interrupted body parks again");
            assertEquals(2, g.next());
            assertTrue(interruptedInNextStep.get(), "the interrupt reaches the next step");
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
