package dev.weft;

import static dev.weft.TestSupport.PROMPT;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.spi.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A task whose thread cannot be started (here: a {@link Clock} hook that throws as the thread is
 * about to start) is taken back out of its group: the spawn throws, the group still ends, and its
 * other tasks are cancelled and joined as for any failure of the body.
 */
class SpawnStartFailureTest {
    @AfterEach
    void clean() {
        assertSame(Clock.system(), Clock.current(), "a test left its clock installed");
        assertFalse(Thread.interrupted(), "the test thread was left interrupted");
    }

    /** A clock that refuses to let the {@code failOn}-th thread start, and records every hook call. */
    private static final class RefusingClock implements Clock {
        final int failOn;
        final AtomicInteger starts = new AtomicInteger();
        final Set<Thread> started = ConcurrentHashMap.newKeySet();
        final Set<Thread> ended = ConcurrentHashMap.newKeySet();

        RefusingClock(int failOn) {
            this.failOn = failOn;
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void threadStarted(Thread thread) {
            started.add(thread);
            if (starts.incrementAndGet() == failOn) {
                throw new IllegalStateException("refused to start " + thread.getName());
            }
        }

        @Override
        public void threadEnded(Thread thread) {
            ended.add(thread);
        }
    }

    @Test
    void aTaskThatNeverStartedDoesNotKeepItsGroupWaiting() throws Exception {
        for (int i = 0; i < 50; i++) {
            RefusingClock clock = new RefusingClock(3);
            List<Task<?>> spawned = new CopyOnWriteArrayList<>();
            AtomicInteger spawnFailures = new AtomicInteger();
            try (var installed = Clock.install(clock)) {
                ExceptionGroup eg = assertTimeoutPreemptively(PROMPT, () -> assertThrows(ExceptionGroup.class,
                        () -> TaskGroup.run("refused", g -> {
                            for (int k = 0; k < 5; k++) {
                                try {
                                    spawned.add(g.spawn(() -> {
                                        Weft.sleep(TestSupport.FOREVER);
                                        return null;
                                    }));
                                } catch (IllegalStateException e) {
                                    spawnFailures.incrementAndGet();
                                    throw e;
                                }
                            }
                            return null;
                        })));
                assertEquals(1, spawnFailures.get(), "the third spawn throws the hook's exception");
                assertEquals(1, eg.exceptions().size(), eg.toString());
                assertTrue(eg.exceptions().getFirst().getMessage().startsWith("refused to start"), eg.toString());
                // Every thread the clock saw start also ends for it, the refused one included, so
                // a virtual clock never waits for a thread that never ran. (A task's thread says
                // so after the group has seen it complete: wait, boundedly.)
                TestSupport.awaitCondition(() -> clock.ended.containsAll(clock.started), "every started thread ended");
                assertEquals(clock.started, clock.ended);
                assertEquals(3, clock.started.size());
            }
            assertEquals(2, spawned.size());
            for (Task<?> t : spawned) {
                assertTrue(t.isDone(), t + " was joined by the group");
            }
        }
    }
}
