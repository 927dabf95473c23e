package dev.weft.outside;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.CancelScope;
import dev.weft.CancelledException;
import dev.weft.Suspension;
import dev.weft.Task;
import dev.weft.TaskGroup;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The protocol of {@link Suspension}, from outside the package: each step of its Javadoc. */
class SuspensionTest {
    /** A resume that comes before await is kept: await returns its value at once. */
    @Test
    void resumeBeforeAwaitIsKept() {
        Suspension<String> s = Suspension.create();
        assertTrue(s.resume("early"));
        assertTrue(s.isDecided());
        assertEquals("early", s.await());
    }

    /** Exactly one decision: a second resume, or a fail after a resume, returns false and changes nothing. */
    @Test
    void onlyTheFirstDecisionCounts() {
        Suspension<String> s = Suspension.create();
        assertTrue(s.resume("first"));
        assertFalse(s.resume("second"));
        assertFalse(s.fail(new IllegalStateException("late")));
        assertEquals("first", s.await());
    }

    /** fail(e) makes await throw e. */
    @Test
    void failMakesAwaitThrow() {
        Suspension<String> s = Suspension.create();
        IllegalStateException closed = new IllegalStateException("closed");
        assertTrue(s.fail(closed));
        assertSame(closed, assertThrows(IllegalStateException.class, s::await));
    }

    /** A resume from another thread wakes a parked await and hands over its value. */
    @Test
    void resumeFromAnotherThreadWakesTheWaiter() throws Exception {
        AtomicReference<Suspension<String>> ref = new AtomicReference<>();
        CountDownLatch created = new CountDownLatch(1);
        String v = TaskGroup.run(g -> {
            Task<String> t = g.spawn(() -> {
                Suspension<String> s = Suspension.create();
                ref.set(s);
                created.countDown();
                return s.await();
            });
            created.await();
            Thread.sleep(5); // usually parked by now; either order must work
            assertTrue(ref.get().resume("handed over"));
            return t.join();
        });
        assertEquals("handed over", v);
    }

    /** A cancelled waiter aborts: await throws, and a later resume returns false (nothing handed over). */
    @Test
    void cancellationAbortsAndLaterResumeFails() {
        AtomicReference<Suspension<String>> ref = new AtomicReference<>();
        Object r = CancelScope.run(scope -> {
            Suspension<String> s = Suspension.create();
            ref.set(s);
            scope.cancel();
            return s.await();
        });
        assertNull(r);
        assertTrue(ref.get().isCancelled());
        assertFalse(ref.get().resume("too late"));
    }

    /** Decided before the cancellation: await returns the value; the cancellation surfaces at the next weft call. */
    @Test
    void aDecisionBeforeTheCancellationWins() {
        CancelScope.run(scope -> {
            Suspension<String> s = Suspension.create();
            assertTrue(s.resume("won"));
            scope.cancel();
            assertEquals("won", s.await());
            assertThrows(CancelledException.class, dev.weft.Weft::checkpoint);
            return null;
        });
    }

    /** Only the creating thread may await, and only once. */
    @Test
    void awaitIsForTheCreatorOnce() throws Exception {
        Suspension<String> s = Suspension.create();
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                s.await();
            } catch (Throwable e) {
                other.set(e);
            }
        });
        t.join();
        assertInstanceOf(IllegalStateException.class, other.get());
        s.resume("x");
        assertEquals("x", s.await());
        IllegalStateException twice = assertThrows(IllegalStateException.class, s::await);
        assertTrue(twice.getMessage().contains("once"), twice.getMessage());
    }
}
