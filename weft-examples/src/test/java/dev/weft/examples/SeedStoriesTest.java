package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each seed story runs on its real parts and every one of its checks holds. */
class SeedStoriesTest {

    private static void assertPasses(Story s) throws Exception {
        Story.Result r = s.run();
        String shown = String.join("\n", r.evidence());
        assertTrue(r.passed(), "story " + s.number() + " failed:\n" + shown);
        assertFalse(r.evidence().isEmpty());
        assertTrue(r.evidence().stream().noneMatch(l -> l.startsWith("FAILED")), shown);
        assertFalse(s.python().isBlank());
        assertFalse(s.weft().isBlank());
    }

    /** Seed 000: fifty concurrent connections each get their own client address from the context. */
    @Test
    void seed000EachConnectionSeesItsOwnClientAddress() throws Exception {
        assertPasses(new Seed000ServerStory());
    }

    /** Seed 001: handlers spawned with app.copy() see the lifespan's values and cannot change them for others. */
    @Test
    void seed001HandlersSeeTheLifespanContextAndKeepTheirSetsToThemselves() throws Exception {
        assertPasses(new Seed001LifespanStory());
    }

    /** Seed 002: the shielded release returns every connection to the pool; the naive one leaks. */
    @Test
    void seed002ShieldedReleaseNeverLeaksAPooledConnection() throws Exception {
        assertPasses(new Seed002PoolStory());
    }

    /** Seed 003: O(1) copies, sets stay in their context, onFork fixes the shallow-copy trap. */
    @Test
    void seed003CopiesAreCheapAndOnForkFixesTheShallowCopyTrap() throws Exception {
        assertPasses(new Seed003CopyOnWriteStory());
    }

    /** Seed 004: one deadline over two HTTP calls cuts the second at the shared budget. */
    @Test
    void seed004OneDeadlineCutsTheSecondCallAtTheSharedBudget() throws Exception {
        assertPasses(new Seed004DeadlineStory());
    }

    /** Seed 000: a generator abandoned by break cleans up in its consumer's context, closed or forgotten. */
    @Test
    void seed000AbandonedGeneratorCleansUpInItsConsumer() throws Exception {
        assertPasses(new Seed000GeneratorStory());
    }

    /** Seed 004: a failing handler stops receiver, producer and groups, and is reported once. */
    @Test
    void seed004FailingHandlerStopsTheWholeTreeAndIsReported() throws Exception {
        assertPasses(new Seed004ChannelStory());
    }

    /** The tour's list has the stories in seed order, both stories of seeds 000 and 004, then the bridges story. */
    @Test
    void storiesAreInSeedOrder() {
        assertEquals(List.of("000", "000", "001", "002", "003", "004", "004", "MDC"),
                Stories.all().stream().map(Story::number).toList());
    }
}
