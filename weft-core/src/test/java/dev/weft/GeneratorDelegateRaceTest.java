package dev.weft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cancellation of the consumer racing the start of a step must reach a body that blocks in a
 * JDK call at once: only weft's interrupt wakes it, and it is sent through the consumer's
 * delegate, which the consumer publishes before the step starts, and then looks at its chain for
 * the step (Generator's overview, ThreadRecord#beginStep). Had the delegate been published after
 * the step started, or had nobody looked at the chain after publishing it, a canceller could find
 * no delegate while the step saw no cancellation, and the consumer would wait forever. (The
 * second step reuses the first one's scope, the path on which the body does not read the chain.)
 */
@Tag("stress")
class GeneratorDelegateRaceTest {
    private static final int ITERATIONS = 1_000;

    /** The consumer's scope is cancelled at a random moment around the start of a step that blocks at once. */
    @Test
    void cancellationRacingAStepsStartReachesABodyBlockedInAJdkCall() throws Exception {
        for (int it = 0; it < ITERATIONS; it++) {
            AtomicReference<CancelScope> scopeRef = new AtomicReference<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            CountDownLatch stepping = new CountDownLatch(1);
            CountDownLatch never = new CountDownLatch(1);
            Thread consumer = Thread.ofVirtual().start(() -> {
                try (Generator<Integer> g = Generator.of(out -> {
                    out.yield(0);
                    never.await(); // a JDK call: only an interrupt ends it
                    out.yield(1);
                })) {
                    CancelScope.run(scope -> {
                        g.next();
                        scopeRef.set(scope);
                        stepping.countDown();
                        g.next();
                        return null;
                    });
                } catch (CancelledException expected) {
                    // the blocked body's InterruptedException carried the cancellation out
                } catch (Throwable t) {
                    if (!(t.getCause() instanceof InterruptedException)) {
                        failed.set(t);
                    }
                }
                assertFalse(Thread.currentThread().isInterrupted(), "an interrupt leaked into the consumer");
            });
            TestSupport.await(stepping, "the consumer reaches its second step");
            int spins = ThreadLocalRandom.current().nextInt(300);
            for (int i = 0; i < spins; i++) {
                Thread.onSpinWait();
            }
            scopeRef.get().cancel();
            assertTrue(consumer.join(TestSupport.PROMPT), "iteration " + it + ": the cancellation did not reach the body");
            assertNull(failed.get(), "iteration " + it);
        }
    }
}
