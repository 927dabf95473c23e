package dev.weft.slf4j;

import dev.weft.spi.ContextBridge;
import java.util.Map;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * Carries the SLF4J {@link MDC} along with weft's contexts, with the semantics of a
 * {@link dev.weft.ContextVar} (PEP 567):
 *
 * <ul>
 * <li>a value put before a spawn is seen by the task; what a task puts is seen by neither its
 *     spawner nor its siblings;
 * <li>{@link dev.weft.Context#run} shows the context's MDC, and what the body put stays in that
 *     context (entering it again shows it); the caller's MDC is back afterwards;
 * <li>a generator step logs with the MDC of the consumer that stepped it;
 * <li>a job submitted through {@link dev.weft.ContextExecutors} logs with its submitter's MDC,
 *     and the pool thread's MDC is what it was (empty) when the job ends.
 * </ul>
 *
 * <p>There is nothing to set up: this bridge is found by {@link java.util.ServiceLoader} when
 * weft-slf4j is on the class path or module path. It works with any SLF4J backend, through the
 * backend's {@link MDCAdapter}; with Logback, capturing reads Logback's cached read-only snapshot
 * of the MDC (no copy), so spawning a task costs no map copy until the MDC changes.
 *
 * <p>Not carried: the MDC's per-key stacks ({@code MDC.pushByKey}), which are rarely used and
 * have no snapshot API. A generator body's own {@code MDC.put} stays in its step (as a
 * {@code ThreadLocal} set in the body would): use {@link dev.weft.ContextVar}s for state a
 * generator hands back.
 *
 * @implNote A snapshot is the backend's map of the MDC at capture time (Logback: its
 * unmodifiable read-only copy; others: {@link MDCAdapter#getCopyOfContextMap()}), null when the MDC
 * is empty. Installing and restoring skip the backend when the map is the very one already
 * current: with Logback, whose snapshot stays the same object until the MDC changes, entering a
 * context whose MDC is the caller's, and leaving a body that did not touch the MDC, copy nothing.
 */
public final class MdcBridge implements ContextBridge {
    private static final String LOGBACK_ADAPTER = "ch.qos.logback.classic.util.LogbackMDCAdapter";

    private final MDCAdapter fixed;
    /** The backend's adapter, looked up on first use (so that discovery does not start logging). */
    private volatile MDCAdapter adapter;
    private volatile boolean logback;

    /** Creates the bridge over SLF4J's own {@link MDC}; used by {@link java.util.ServiceLoader}. */
    public MdcBridge() {
        this(null);
    }

    /**
     * Creates a bridge over a given adapter (tests, or an application with its own MDC).
     *
     * @param adapter the adapter, or null for {@link MDC#getMDCAdapter()}
     */
    MdcBridge(MDCAdapter adapter) {
        this.fixed = adapter;
    }

    private MDCAdapter adapter() {
        MDCAdapter a = adapter;
        if (a == null) {
            a = fixed != null ? fixed : MDC.getMDCAdapter();
            logback = a != null && a.getClass().getName().equals(LOGBACK_ADAPTER);
            adapter = a;
        }
        return a;
    }

    @Override
    public Object capture() {
        MDCAdapter a = adapter();
        if (a == null) {
            return null;
        }
        Map<String, String> m = logback ? LogbackSnapshots.of(a) : a.getCopyOfContextMap();
        return m == null || m.isEmpty() ? null : m;
    }

    @Override
    public Object install(Object snapshot) {
        Object previous = capture();
        if (snapshot != previous) {
            set(snapshot);
        }
        return previous;
    }

    @Override
    public void restore(Object previous) {
        if (previous != capture()) {
            set(previous);
        }
    }

    @SuppressWarnings("unchecked")
    private void set(Object snapshot) {
        MDCAdapter a = adapter();
        if (a == null) {
            return;
        }
        if (snapshot == null) {
            a.clear();
        } else {
            a.setContextMap((Map<String, String>) snapshot);
        }
    }

    @Override
    public String toString() {
        return "MdcBridge[" + (adapter == null ? "not used yet" : adapter.getClass().getName()) + "]";
    }
}
