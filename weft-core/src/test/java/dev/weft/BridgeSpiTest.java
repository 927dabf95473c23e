package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.spi.Bridges;
import dev.weft.spi.ContextAttachment;
import dev.weft.spi.ContextBridge;
import dev.weft.spi.TaskObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bridge SPI: other libraries' thread-bound state follows weft contexts. */
class BridgeSpiTest {
    /** A stand-in for a library that keeps its state in a ThreadLocal (as an MDC does). */
    static final class Library implements ContextBridge {
        final ThreadLocal<String> value = new ThreadLocal<>();
        final String name;
        final List<String> trail;

        Library(String name, List<String> trail) {
            this.name = name;
            this.trail = trail;
        }

        @Override
        public Object capture() {
            return value.get();
        }

        @Override
        public Object install(Object snapshot) {
            trail.add("install " + name);
            String old = value.get();
            value.set((String) snapshot);
            return old;
        }

        @Override
        public void restore(Object previous) {
            trail.add("restore " + name);
            value.set((String) previous);
        }
    }

    private final List<String> trail = Collections.synchronizedList(new ArrayList<>());
    private final Library lib = new Library("a", trail);
    private Bridges.Registration registration;

    @BeforeEach
    void register() {
        registration = Bridges.register(lib);
    }

    @AfterEach
    void unregister() {
        registration.close();
        lib.value.remove();
    }

    /** A value set before a spawn is seen by the child; the child's change reaches neither parent nor sibling. */
    @Test
    void childSeesParentStateAndItsOwnChangesStayInTheChild() {
        lib.value.set("parent");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        TaskGroup.run(g -> {
            Task<?> a = g.spawn(() -> {
                seen.add("a saw " + lib.value.get());
                lib.value.set("child-a");
                return null;
            });
            a.join();
            g.spawn(() -> seen.add("b saw " + lib.value.get())).join();
            return null;
        });
        assertEquals(List.of("a saw parent", "b saw parent"), seen);
        assertEquals("parent", lib.value.get());
    }

    /** Context.run installs the context's state and restores the caller's; what the body set stays in the context. */
    @Test
    void runInstallsAndRestoresAndKeepsWhatTheBodySetInTheContext() {
        lib.value.set("caller");
        Context ctx = Context.copyCurrent();
        lib.value.set("caller-later");
        ctx.run(() -> {
            assertEquals("caller", lib.value.get());
            lib.value.set("inside");
        });
        assertEquals("caller-later", lib.value.get());
        ctx.run(() -> assertEquals("inside", lib.value.get()));
        Context.empty().run(() -> assertNull(lib.value.get(), "an empty context installs the empty state"));
        assertEquals("caller-later", lib.value.get());
    }

    /** A pooled thread runs a wrapped job with the submitter's state and has its own (none) again afterwards. */
    @Test
    void executorJobSeesSubmitterStateAndThePoolThreadIsCleanAfterwards() throws Exception {
        ExecutorService raw = Executors.newSingleThreadExecutor();
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            for (int i = 0; i < 50; i++) {
                lib.value.set("request-" + i);
                assertEquals("request-" + i, pool.submit(() -> lib.value.get()).get(5, TimeUnit.SECONDS));
                assertNull(raw.submit(() -> lib.value.get()).get(5, TimeUnit.SECONDS), "leaked into the pool thread");
            }
        }
    }

    /** Each generator step sees the state of the consumer that stepped it, even after a hand-off. */
    @Test
    void generatorStepSeesItsConsumersState() throws Exception {
        try (Generator<String> gen = Generator.of(out -> {
            for (int i = 0; i < 4; i++) {
                out.yield(lib.value.get());
            }
        })) {
            lib.value.set("first");
            assertEquals("first", gen.next());
            lib.value.set("second");
            assertEquals("second", gen.next());
            AtomicReference<String> other = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                lib.value.set("other thread");
                other.set(gen.next());
            });
            assertTrue(t.join(java.time.Duration.ofSeconds(5)));
            assertEquals("other thread", other.get());
            assertEquals("second", gen.next());
        }
    }

    /** Bridges install in registration order and restore in reverse order. */
    @Test
    void bridgesRestoreInReverseOrder() {
        Library b = new Library("b", trail);
        try (Bridges.Registration r = Bridges.register(b)) {
            Context ctx = Context.copyCurrent();
            trail.clear();
            ctx.run(() -> { });
            assertEquals(List.of("install a", "install b", "restore b", "restore a"), trail);
        }
    }

    /** A bridge that throws is reported and skipped; weft's own context switch still completes. */
    @Test
    void throwingBridgeDoesNotBreakTheContextSwitch() {
        ContextBridge broken = new ContextBridge() {
            @Override
            public Object capture() {
                throw new IllegalStateException("capture on purpose");
            }

            @Override
            public Object install(Object snapshot) {
                throw new IllegalStateException("install on purpose");
            }

            @Override
            public void restore(Object previous) {
                fail("not installed, so never restored");
            }
        };
        ContextVar<String> v = ContextVar.of("v", "-");
        try (Bridges.Registration r = Bridges.register(broken)) {
            lib.value.set("x");
            Context ctx = Context.copyCurrent();
            ctx.run(() -> v.set("in"));
            assertEquals("in", ctx.get(v));
            assertEquals("-", v.get());
            assertEquals("x", lib.value.get());
        }
    }

    /** Registering the same bridge twice is refused with a message. */
    @Test
    void registeringTwiceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bridges.register(lib));
        assertTrue(e.getMessage().contains("registered already"), e.getMessage());
        assertTrue(Bridges.bridges().contains(lib));
    }

    /** Task observers see start and end with the outcome, on the task's thread, in the task's context. */
    @Test
    void taskObserverSeesStartAndEndWithTheOutcome() {
        ContextVar<String> who = ContextVar.of("who", "-");
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        TaskObserver o = new TaskObserver() {
            @Override
            public void started(Task<?> task) {
                events.add("start " + task.name() + " " + who.get() + " " + lib.value.get());
            }

            @Override
            public void ended(Task<?> task, Task.State outcome, Throwable failure) {
                events.add("end " + task.name() + " " + outcome + " " + (failure == null ? "" : failure.getMessage()));
            }
        };
        try (Bridges.Registration r = Bridges.register(o)) {
            who.set("parent");
            lib.value.set("mdc");
            assertThrows(ExceptionGroup.class, () -> TaskGroup.run(g -> {
                g.spawn("ok", () -> "v").join();
                Task<?> c = g.spawn("cancelled", () -> {
                    Weft.sleep(java.time.Duration.ofDays(1));
                    return null;
                });
                c.cancel();
                assertThrows(CancelledException.class, c::join);
                g.spawn("bad", () -> {
                    throw new IllegalStateException("boom");
                });
                return null;
            }));
        }
        assertTrue(events.contains("start ok parent mdc"), events.toString());
        assertTrue(events.contains("end ok SUCCESS "), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("end cancelled CANCELLED")), events.toString());
        assertTrue(events.contains("end bad FAILED boom"), events.toString());
    }

    /** A context entered by another thread can be attached here without entering it; close restores. */
    @Test
    void attachmentDoesNotOwnTheContextAndRestoresOnClose() throws Exception {
        ContextVar<String> v = ContextVar.of("v", "-");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Context> owned = new AtomicReference<>();
        Thread owner = Thread.ofVirtual().start(() -> {
            Context c = Context.empty();
            c.run(() -> {
                v.set("owner");
                lib.value.set("owner-lib");
                owned.set(c);
                entered.countDown();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
        });
        try {
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            Context ctx = owned.get();
            assertThrows(IllegalStateException.class, () -> ctx.run(() -> { }), "entering it would claim it");
            v.set("mine");
            try (ContextAttachment a = ContextAttachment.attach(ctx)) {
                assertEquals("owner", v.get());
                v.set("private");
                Thread other = Thread.ofVirtual().start(() ->
                        assertThrows(WrongThreadException.class, a::close));
                assertTrue(other.join(java.time.Duration.ofSeconds(5)));
            }
            assertEquals("mine", v.get());
            assertEquals("owner", ctx.get(v), "the attachment's sets stay private");
        } finally {
            done.countDown();
            assertTrue(owner.join(java.time.Duration.ofSeconds(5)));
        }
    }

    /** Closing attachments out of order is refused with a message. */
    @Test
    void attachmentsCloseInReverseOrder() {
        ContextAttachment outer = ContextAttachment.attach(Context.empty());
        ContextAttachment inner = ContextAttachment.attach(Context.empty());
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        inner.close();
        outer.close();
        outer.close(); // idempotent
    }

    /**
     * InheritableThreadLocals: a task inherits them from its spawner (at spawn, as its context
     * copy); a generator's thread inherits nothing (it serves whichever consumer steps it).
     */
    @Test
    void inheritableThreadLocalsFollowSpawnButNotGenerators() {
        InheritableThreadLocal<String> itl = new InheritableThreadLocal<>();
        itl.set("spawner");
        try {
            assertEquals("spawner", TaskGroup.run(g -> g.spawn(itl::get).join()));
            try (Generator<String> gen = Generator.of(out -> out.yield(String.valueOf(itl.get())))) {
                assertEquals("null", gen.next());
            }
        } finally {
            itl.remove();
        }
    }

    /**
     * Many rounds of spawn, generator steps and pooled jobs with a bridge: every piece of work
     * sees exactly its own state, and neither the caller nor a pool thread keeps any afterwards.
     */
    @Test
    void manyRoundsLeaveNoStateBehind() throws Exception {
        ExecutorService raw = Executors.newFixedThreadPool(2);
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            for (int round = 0; round < 300; round++) {
                String mine = "round-" + round;
                lib.value.set(mine);
                List<String> bad = Collections.synchronizedList(new ArrayList<>());
                TaskGroup.run(g -> {
                    for (int i = 0; i < 8; i++) {
                        String own = mine + "/" + i;
                        g.spawn(() -> {
                            if (!mine.equals(lib.value.get())) bad.add("task saw " + lib.value.get());
                            lib.value.set(own);
                            Thread.yield();
                            if (!own.equals(lib.value.get())) bad.add("task lost its own value");
                            return null;
                        });
                    }
                    return null;
                });
                try (Generator<String> gen = Generator.of(out -> {
                    out.yield(lib.value.get());
                    out.yield(lib.value.get());
                })) {
                    for (String seen : gen) {
                        if (!mine.equals(seen)) bad.add("generator step saw " + seen);
                    }
                }
                if (!mine.equals(pool.submit(() -> lib.value.get()).get(5, TimeUnit.SECONDS))) bad.add("job");
                assertEquals(List.of(), bad);
                assertEquals(mine, lib.value.get(), "the caller's state changed");
            }
            for (int i = 0; i < 4; i++) {
                assertNull(raw.submit(() -> lib.value.get()).get(5, TimeUnit.SECONDS), "a pool thread kept state");
            }
        }
    }
}
