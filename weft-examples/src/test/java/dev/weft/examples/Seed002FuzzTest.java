package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.weft.test.CancellationFuzzer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The cancellation fuzzer on story 002's pool: the naive release leaks a connection at a
 * checkpoint it names; the shielded release returns it wherever the job is cancelled.
 */
@org.junit.jupiter.api.Timeout(120)
class Seed002FuzzTest {
    /** The naive release is found to leave a connection borrowed, at checkpoint 1, with the stack and the rerun. */
    @Test
    void naiveReleaseLeaksAtANamedCheckpoint() throws Exception {
        try (HikariDataSource pool = Seed002PoolStory.newPool("fuzz-naive")) {
            AtomicInteger closed = new AtomicInteger();
            CancellationFuzzer fuzzer = CancellationFuzzer.of(() -> Seed002PoolStory.fuzzedJob(pool, false, closed))
                    .invariant("no connection borrowed", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
            AssertionError e = assertThrows(AssertionError.class, fuzzer::check);
            String m = e.getMessage();
            System.out.println("[Seed002FuzzTest] naive: " + m);
            assertTrue(m.startsWith("cancellation fuzzing: invariant 'no connection borrowed' does not hold after the block"
                    + " was cancelled at checkpoint 1, seed 1; rerun this case alone with .rerun(1)"), m);
            assertTrue(m.contains("at dev.weft.Weft.sleep"), m);
            assertTrue(m.contains("Seed002PoolStory.fuzzedJob"), m);
            assertThrows(AssertionError.class, () -> fuzzer.rerun(1));
        }
    }

    /** The shielded release keeps the pool whole at every checkpoint and at 20 random ones. */
    @Test
    void shieldedReleasePassesEveryCheckpoint() throws Exception {
        try (HikariDataSource pool = Seed002PoolStory.newPool("fuzz-shielded")) {
            AtomicInteger closed = new AtomicInteger();
            CancellationFuzzer.Report r = CancellationFuzzer.of(() -> Seed002PoolStory.fuzzedJob(pool, true, closed))
                    .invariant("no connection borrowed", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0)
                    .randomRuns(20)
                    .check();
            System.out.println("[Seed002FuzzTest] shielded: " + r);
            assertTrue(r.checkpoints() >= 4, r.toString());
            assertEquals(r.runs(), closed.get(), "every run closed its connection");
        }
    }

    /**
     * With the story's own release, a {@code Thread.sleep}: the naive one leaks, the shielded one
     * keeps the pool whole also when the cancellation lands inside that JDK call.
     */
    @Test
    void jdkBlockingReleaseIsFuzzedInsideItsBlockingCall() throws Exception {
        try (HikariDataSource pool = Seed002PoolStory.newPool("fuzz-jdk")) {
            AtomicInteger closed = new AtomicInteger();
            AssertionError e = assertThrows(AssertionError.class,
                    () -> CancellationFuzzer.of(() -> Seed002PoolStory.jdkJob(pool, false, closed))
                            .invariant("no connection borrowed", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0)
                            .inJdkBlockingCalls()
                            .check());
            System.out.println("[Seed002FuzzTest] naive, JDK release: " + e.getMessage());
            assertTrue(e.getMessage().contains("cancelled in the JDK blocking call after checkpoint"), e.getMessage());
            assertTrue(e.getMessage().contains("at java.base/java.lang.Thread.sleep"), e.getMessage());
            assertTrue(e.getMessage().contains("Seed002PoolStory.release"), e.getMessage());
        }
        try (HikariDataSource pool = Seed002PoolStory.newPool("fuzz-jdk-shielded")) {
            AtomicInteger closed = new AtomicInteger();
            CancellationFuzzer.Report r = CancellationFuzzer.of(() -> Seed002PoolStory.jdkJob(pool, true, closed))
                    .invariant("no connection borrowed", () -> pool.getHikariPoolMXBean().getActiveConnections() == 0)
                    .inJdkBlockingCalls()
                    .check();
            System.out.println("[Seed002FuzzTest] shielded, JDK release: " + r);
            assertTrue(r.jdkCalls() >= 1, "a run was cancelled inside the release's Thread.sleep: " + r);
            assertEquals(r.runs(), closed.get(), "every run closed its connection");
        }
    }
}
