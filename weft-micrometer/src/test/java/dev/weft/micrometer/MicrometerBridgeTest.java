package dev.weft.micrometer;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.ContextExecutors;
import dev.weft.ContextVar;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import dev.weft.spi.Bridges;
import io.micrometer.context.ContextExecutorService;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Micrometer's ContextRegistry and weft, both ways. */
class MicrometerBridgeTest {
    /** A user's own thread-local, registered in the ContextRegistry as Spring Security's would be. */
    static final ThreadLocal<String> TENANT = new ThreadLocal<>();
    static final ContextVar<String> REQUEST = ContextVar.of("request", "-");

    private TestObservationRegistry registry;
    private final List<LogRecord> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    static {
        ContextRegistry.getInstance().registerThreadLocalAccessor("tenant", TENANT::get, TENANT::set, TENANT::remove);
    }

    @BeforeEach
    void setUp() {
        registry = TestObservationRegistry.create();
        ObservationThreadLocalAccessor.getInstance().setObservationRegistry(registry);
        Logger.getLogger("io.micrometer").addHandler(handler);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("io.micrometer").removeHandler(handler);
        TENANT.remove();
        assertNull(registry.getCurrentObservation(), "an observation was left current");
        assertTrue(warnings.isEmpty(), () -> "Micrometer warned: " + warnings.stream().map(LogRecord::getMessage).toList());
    }

    /** The jar on the class path is the whole setup: the bridge and weft's accessor were both found. */
    @Test
    void bridgeAndAccessorAreFoundByServiceLoader() {
        assertTrue(Bridges.bridges().stream().anyMatch(b -> b instanceof MicrometerBridge), Bridges.bridges().toString());
        assertTrue(ContextRegistry.getInstance().getThreadLocalAccessors().stream()
                .anyMatch(a -> a instanceof WeftContextAccessor));
    }

    /** Observations started in tasks have the spawner's observation as parent; scopes close cleanly. */
    @Test
    void childObservationsInTasksHaveTheRightParent() {
        Observation parent = Observation.start("request", registry);
        try (Observation.Scope s = parent.openScope()) {
            TaskGroup.run(g -> {
                for (int i = 0; i < 3; i++) {
                    g.spawn(() -> Observation.createNotStarted("child", registry).observe(() -> {
                        assertNotNull(registry.getCurrentObservation());
                    }));
                }
                return null;
            });
            assertSame(parent, registry.getCurrentObservation());
        } finally {
            parent.stop();
        }
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("child", 3)
                .forAllObservationsWithNameEqualTo("child",
                        o -> o.hasParentObservationEqualTo(parent));
    }

    /** A generator step's observation has the consumer's observation as parent. */
    @Test
    void generatorStepObservationHasTheConsumersParent() {
        Observation consumer = Observation.start("consumer", registry);
        try (Observation.Scope s = consumer.openScope();
             Generator<Integer> gen = Generator.of(out -> {
                 Observation.createNotStarted("step", registry).observe(() -> { });
                 out.yield(1);
             })) {
            gen.next();
        } finally {
            consumer.stop();
        }
        TestObservationRegistryAssert.assertThat(registry).forAllObservationsWithNameEqualTo("step",
                o -> o.hasParentObservationEqualTo(consumer));
    }

    /** Any accessor in the registry (here a user's tenant) follows tasks and wrapped executors; pool threads stay clean. */
    @Test
    void userAccessorFollowsTasksAndExecutors() throws Exception {
        TENANT.set("acme");
        assertEquals("acme", TaskGroup.run(g -> g.spawn(TENANT::get).join()));
        ExecutorService raw = Executors.newSingleThreadExecutor();
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            assertEquals("acme", pool.submit(TENANT::get).get(5, TimeUnit.SECONDS));
            assertNull(raw.submit(TENANT::get).get(5, TimeUnit.SECONDS));
        }
    }

    /** weft's Context is a ThreadLocalAccessor: Micrometer's own ContextExecutorService carries ContextVars. */
    @Test
    void weftContextTravelsThroughMicrometersExecutor() throws Exception {
        ExecutorService raw = Executors.newSingleThreadExecutor();
        try (ExecutorService pool = ContextExecutorService.wrap(raw,
                () -> ContextSnapshotFactory.builder().build().captureAll())) {
            try (var t = REQUEST.set("r-7")) {
                assertEquals("r-7", pool.submit(() -> REQUEST.get()).get(5, TimeUnit.SECONDS));
            }
            assertEquals("-", raw.submit(() -> REQUEST.get()).get(5, TimeUnit.SECONDS), "the pool thread kept the context");
        }
    }

    /** The accessor is an ordinary ThreadLocalAccessor: set and restore nest. */
    @Test
    void accessorSetAndRestoreNest() {
        ThreadLocalAccessor<dev.weft.Context> a = new WeftContextAccessor();
        dev.weft.Context outer;
        try (var t = REQUEST.set("outer")) {
            outer = a.getValue();
        }
        a.setValue(outer);
        assertEquals("outer", REQUEST.get());
        a.setValue();
        assertEquals("-", REQUEST.get());
        a.restore();
        assertEquals("outer", REQUEST.get());
        a.restore(null);
        assertEquals("-", REQUEST.get());
        assertThrows(IllegalStateException.class, a::restore);
        assertNotNull(ObservationRegistry.NOOP);
    }
}
