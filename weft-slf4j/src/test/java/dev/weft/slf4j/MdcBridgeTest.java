package dev.weft.slf4j;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.Context;
import dev.weft.ContextExecutors;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import dev.weft.spi.Bridges;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;

/** The MDC follows weft contexts, seen through real Logback log events. */
class MdcBridgeTest {
    private static final Logger LOG = LoggerFactory.getLogger("weft.mdc.test");

    /** Records each event with the MDC it was logged with (read at append time, on the logging thread). */
    private ListAppender<ILoggingEvent> appender;

    @BeforeEach
    void attachAppender() {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger logger = lc.getLogger("weft.mdc.test");
        appender = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent e) {
                e.prepareForDeferredProcessing();
                super.append(e);
            }
        };
        appender.setContext(lc);
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        MDC.clear();
    }

    @AfterEach
    void detachAppender() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("weft.mdc.test").detachAppender(appender);
        MDC.clear();
    }

    private Map<String, String> mdcOf(String message) {
        return appender.list.stream().filter(e -> e.getFormattedMessage().equals(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no event '" + message + "' in " + appender.list))
                .getMDCPropertyMap();
    }

    /** The jar on the class path is the whole setup: ServiceLoader found the bridge. */
    @Test
    void bridgeIsFoundByServiceLoader() {
        assertTrue(Bridges.bridges().stream().anyMatch(b -> b instanceof MdcBridge), Bridges.bridges().toString());
    }

    /** A value put before a spawn is seen by the child; a child's put is invisible to its parent and siblings. */
    @Test
    void childSeesParentMdcAndItsPutsStayInTheChild() {
        MDC.put("request", "r-1");
        TaskGroup.run(g -> {
            g.spawn(() -> {
                MDC.put("child", "a");
                LOG.info("child a");
            }).join();
            g.spawn(() -> LOG.info("child b")).join();
            return null;
        });
        LOG.info("parent after");
        assertEquals(Map.of("request", "r-1", "child", "a"), mdcOf("child a"));
        assertEquals(Map.of("request", "r-1"), mdcOf("child b"));
        assertEquals(Map.of("request", "r-1"), mdcOf("parent after"));
    }

    /** Many concurrent tasks each log with their own MDC and never another's. */
    @Test
    void concurrentTasksNeverSeeEachOthersMdc() {
        MDC.put("request", "r-2");
        int n = 200;
        TaskGroup.run(g -> {
            for (int i = 0; i < n; i++) {
                String id = "t" + i;
                g.spawn(() -> {
                    MDC.put("task", id);
                    Thread.yield();
                    LOG.info("task {}", id);
                });
            }
            return null;
        });
        assertEquals(n, appender.list.size());
        for (ILoggingEvent e : appender.list) {
            assertEquals("task " + e.getMDCPropertyMap().get("task"), e.getFormattedMessage());
            assertEquals("r-2", e.getMDCPropertyMap().get("request"));
        }
    }

    /** Context.run shows the context's MDC; what the body put stays in the context; the caller's MDC is back after. */
    @Test
    void contextRunKeepsPutsInTheContext() {
        MDC.put("request", "r-3");
        Context ctx = Context.copyCurrent();
        MDC.put("request", "r-3b");
        ctx.run(() -> {
            LOG.info("in ctx");
            MDC.put("step", "1");
        });
        LOG.info("caller");
        ctx.run(() -> LOG.info("in ctx again"));
        assertEquals(Map.of("request", "r-3"), mdcOf("in ctx"));
        assertEquals(Map.of("request", "r-3b"), mdcOf("caller"));
        assertEquals(Map.of("request", "r-3", "step", "1"), mdcOf("in ctx again"));
    }

    /** A generator step logs the MDC of the consumer that stepped it. */
    @Test
    void generatorStepLogsItsConsumersMdc() throws Exception {
        try (Generator<Integer> gen = Generator.of(out -> {
            for (int i = 0; ; i++) {
                LOG.info("step " + i);
                out.yield(i);
            }
        })) {
            MDC.put("consumer", "main");
            gen.next();
            Thread other = Thread.ofVirtual().start(() -> {
                MDC.put("consumer", "other");
                gen.next();
            });
            assertTrue(other.join(Duration.ofSeconds(5)));
            MDC.put("consumer", "main-again");
            gen.next();
        }
        assertEquals(Map.of("consumer", "main"), mdcOf("step 0"));
        assertEquals(Map.of("consumer", "other"), mdcOf("step 1"));
        assertEquals(Map.of("consumer", "main-again"), mdcOf("step 2"));
    }

    /** A pooled thread used through ContextExecutors logs the submitter's MDC and has an empty MDC afterwards. */
    @Test
    void pooledThreadHasEmptyMdcAfterAWrappedJob() throws Exception {
        ExecutorService raw = Executors.newFixedThreadPool(1);
        try (ExecutorService pool = ContextExecutors.wrap(raw)) {
            for (int i = 0; i < 20; i++) {
                MDC.put("request", "r-" + i);
                pool.submit(() -> LOG.info("job")).get(5, TimeUnit.SECONDS);
                assertNull(raw.submit(() -> MDC.getCopyOfContextMap()).get(5, TimeUnit.SECONDS),
                        "the pool thread kept an MDC");
            }
        }
        List<String> seen = appender.list.stream().map(e -> e.getMDCPropertyMap().get("request")).toList();
        assertEquals(20, seen.size());
        for (int i = 0; i < 20; i++) {
            assertEquals("r-" + i, seen.get(i));
        }
    }

    /** A task spawned in Context.empty() logs with an empty MDC, whatever its spawner had. */
    @Test
    void emptyContextMeansEmptyMdc() {
        MDC.put("request", "r-5");
        TaskGroup.run(g -> g.spawn(() -> LOG.info("empty"), Context.empty()).join());
        assertEquals(Map.of(), mdcOf("empty"));
    }

    /** Any SLF4J backend: the bridge works through a plain MDCAdapter as well. */
    @Test
    void worksWithAnyMdcAdapter() throws Exception {
        BasicMDCAdapter basic = new BasicMDCAdapter();
        MdcBridge bridge = new MdcBridge(basic);
        basic.put("k", "v");
        Object snapshot = bridge.capture();
        basic.put("k", "changed");
        // BasicMDCAdapter keeps its map in an InheritableThreadLocal: start the worker without it.
        java.util.concurrent.FutureTask<List<String>> job = new java.util.concurrent.FutureTask<>(() -> {
            Object previous = bridge.install(snapshot);
            String inside = basic.get("k");
            bridge.restore(previous);
            return java.util.Arrays.asList(inside, String.valueOf(basic.getCopyOfContextMap()));
        });
        Thread t = Thread.ofVirtual().inheritInheritableThreadLocals(false).start(job);
        assertTrue(t.join(Duration.ofSeconds(5)));
        assertEquals(List.of("v", "null"), job.get());
        assertEquals("changed", basic.get("k"), "the snapshot is a copy");
    }
}
