package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each story of {@code docs/stories.md} runs on its real parts and every one of its checks holds. */
class StoriesTest {

    private static void assertPasses(Story s) throws Exception {
        Story.Result r = s.run();
        String shown = String.join("\n", r.evidence());
        assertTrue(r.passed(), "story " + s.number() + " failed:\n" + shown);
        assertFalse(r.evidence().isEmpty());
        assertTrue(r.evidence().stream().noneMatch(l -> l.startsWith("FAILED")), shown);
        assertFalse(s.python().isBlank());
        assertFalse(s.weft().isBlank());
    }

    /** Story 000: fifty concurrent connections each get their own client address from the context. */
    @Test
    void eachConnectionSeesItsOwnClientAddress() throws Exception {
        assertPasses(new Seed000ServerStory());
    }

    /** Story 001: handlers spawned with app.copy() see the lifespan's values and cannot change them for others. */
    @Test
    void handlersSeeTheLifespanContextAndKeepTheirSetsToThemselves() throws Exception {
        assertPasses(new Seed001LifespanStory());
    }

    /** Story 002: the shielded release returns every connection to the pool; the naive one leaks. */
    @Test
    void shieldedReleaseNeverLeaksAPooledConnection() throws Exception {
        assertPasses(new Seed002PoolStory());
    }

    /** Story 003: O(1) copies, sets stay in their context, onFork fixes the shallow-copy trap. */
    @Test
    void copiesAreCheapAndOnForkFixesTheShallowCopyTrap() throws Exception {
        assertPasses(new Seed003CopyOnWriteStory());
    }

    /** Story 004: one deadline over two HTTP calls cuts the second at the shared budget. */
    @Test
    void oneDeadlineCutsTheSecondCallAtTheSharedBudget() throws Exception {
        assertPasses(new Seed004DeadlineStory());
    }

    /** Story 000: a generator abandoned by break cleans up in its consumer's context, closed or forgotten. */
    @Test
    void abandonedGeneratorCleansUpInItsConsumer() throws Exception {
        assertPasses(new Seed000GeneratorStory());
    }

    /** Story 004: a failing handler stops receiver, producer and groups, and is reported once. */
    @Test
    void failingHandlerStopsTheWholeTreeAndIsReported() throws Exception {
        assertPasses(new Seed004ChannelStory());
    }

    /** The tour's list has the stories in story order, both stories of 000 and 004. */
    @Test
    void storiesAreInNumberOrder() {
        assertEquals(List.of("000", "000", "001", "002", "003", "004", "004", "MDC"),
                Stories.all().stream().map(Story::number).toList());
    }
}
