package example.bridges;

import dev.weft.TaskGroup;
import dev.weft.spi.Bridges;
import dev.weft.spi.ContextBridge;
import io.micrometer.context.ContextRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import org.slf4j.MDC;

/**
 * With the bridges on the module path only, a weft task sees its spawner's MDC, OpenTelemetry
 * Context and Micrometer thread-local, and its own sets stay its own. Prints one line per check;
 * verify.groovy reads them.
 */
public final class BridgesOnModulePath {
    private static final ContextKey<String> REQUEST = ContextKey.named("request");
    private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

    private BridgesOnModulePath() {
    }

    /** Runs the checks and prints what the child task saw. */
    public static void main(String[] args) {
        ContextRegistry.getInstance().registerThreadLocalAccessor("tenant", TENANT::get, TENANT::set, TENANT::remove);
        for (ContextBridge b : Bridges.bridges()) {
            System.out.println("bridge: " + b.getClass().getModule().getName() + "/" + b.getClass().getSimpleName());
        }
        System.out.println("mdc adapter: " + MDC.getMDCAdapter().getClass().getName());
        System.out.println("otel storage: " + io.opentelemetry.context.ContextStorage.get().getClass().getName());
        MDC.put("request", "r-1");
        TENANT.set("acme");
        try (Scope s = Context.current().with(REQUEST, "r-1").makeCurrent()) {
            String seen = TaskGroup.run(g -> g.spawn(() -> {
                String r = "mdc=" + MDC.get("request") + " otel=" + Context.current().get(REQUEST)
                        + " micrometer=" + TENANT.get();
                MDC.put("request", "child's own");
                return r;
            }).join());
            System.out.println("child saw: " + seen);
            System.out.println("parent after: mdc=" + MDC.get("request"));
        } finally {
            MDC.clear();
            TENANT.remove();
        }
        System.out.println("otel after: " + Context.current().get(REQUEST));
    }
}
