package dev.weft;

import dev.weft.internal.AutojumpClock;
import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Runs a test method on virtual time ({@code @ExtendWith(OnVirtualTime.class)} on the method or
 * the class): weft's sleeps and deadlines jump when every thread of the test waits in weft, so a
 * test of timeout <em>logic</em> runs in milliseconds and its timings are exact
 * ({@link #elapsed()}). The engine is the one behind weft-test's {@code VirtualTime}, which
 * weft-core's tests cannot depend on (weft-test is built after the core). A test that blocks in
 * a JDK call ({@code Thread.sleep}, a socket) or measures real-time precision stays on real time:
 * here it would fail with the virtual clock's "stuck" report after {@link #STALL} of real time.
 */
final class OnVirtualTime implements InvocationInterceptor {
    /** Real time without progress after which a test on virtual time fails (scaled). */
    static final Duration STALL = TestSupport.scaled(Duration.ofSeconds(5));

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext extensionContext) throws Throwable {
        run(invocation);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext extensionContext) throws Throwable {
        run(invocation);
    }

    private static void run(Invocation<Void> invocation) throws Throwable {
        Throwable[] failed = new Throwable[1];
        AutojumpClock.run(STALL, () -> {
            try {
                invocation.proceed();
            } catch (Throwable t) {
                failed[0] = t;
            }
            return null;
        });
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    /** The virtual time elapsed in the running test. */
    static Duration elapsed() {
        AutojumpClock c = AutojumpClock.current();
        if (c == null) {
            throw new IllegalStateException("not on virtual time: annotate the test with @ExtendWith(OnVirtualTime.class)");
        }
        return c.elapsed();
    }
}
