package dev.weft;

import dev.weft.internal.Time;
import java.util.Optional;

/**
 * The kernel's door to JDK Flight Recorder ({@link dev.weft.internal.FlightEvents}): each hook is
 * one test of the constant {@link #PRESENT} and, when {@code jdk.jfr} is there, one check of
 * whether the event is enabled, so with no recording running the cost is a flag read.
 *
 * <p>weft-core {@code requires static jdk.jfr}: a runtime may lack the module (a jlink image
 * without it, {@code --limit-modules}), or have it but not resolved for a module-path
 * application. {@link #PRESENT} is true only when {@code jdk.jfr} is in the boot layer, readable
 * by weft's module, and the events class loads; otherwise {@code FlightEvents} is never loaded, so
 * the missing {@code jdk.jfr.Event} is never looked for. Stateless; thread-safe.
 */
final class Flight {
    /** Whether JFR events can be emitted in this runtime. */
    static final boolean PRESENT = detect(ModuleLayer.boot().findModule("jdk.jfr"), Flight.class.getModule());

    private Flight() {
    }

    /**
     * Whether weft's events can be used: {@code jfr} is present and readable by {@code self} (an
     * unnamed module reads everything), and the events class initialises.
     */
    static boolean detect(Optional<Module> jfr, Module self) {
        if (jfr.isEmpty() || self.isNamed() && !self.canRead(jfr.get())) {
            return false;
        }
        try {
            Class.forName("dev.weft.internal.FlightEvents", true, Flight.class.getClassLoader());
            return true;
        } catch (Throwable e) { // LinkageError: jdk.jfr is not there after all
            return false;
        }
    }

    /** Starts a task's life event on its thread; null when not recorded. */
    static Object taskBegin() {
        return PRESENT ? dev.weft.internal.FlightEvents.taskBegin() : null;
    }

    /** Ends a task's life event started by {@link #taskBegin()}, on the task's thread. */
    static void taskEnd(Object event, Task<?> task) {
        if (event != null) {
            dev.weft.internal.FlightEvents.taskEnd(event, task.name(), task.group().name(), task.state().name());
        }
    }

    /** A scope was cancelled for {@code why}; the cancellation reached {@code tasks} tasks. */
    static void cancelled(ScopeNode scope, ScopeOutcome why, int tasks) {
        if (PRESENT && dev.weft.internal.FlightEvents.cancelEnabled()) {
            long d = scope.deadline;
            long late = why.why() == ScopeOutcome.Why.DEADLINE && d != ScopeNode.NO_DEADLINE ? Math.max(0, Time.now() - d) : 0;
            dev.weft.internal.FlightEvents.cancelled(scope.label(), why.why().name().toLowerCase(java.util.Locale.ROOT),
                    why.failedTask(), tasks, late);
        }
    }

    /** A deadline scope's cancellation was swallowed (ADR 0012). */
    static void swallowed(ScopeNode scope, Throwable swallowed) {
        if (PRESENT && dev.weft.internal.FlightEvents.swallowedEnabled()) {
            dev.weft.internal.FlightEvents.swallowed(scope.label(), swallowed.getMessage());
        }
    }
}
