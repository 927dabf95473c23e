package dev.weft;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers the {@code dev.weft:type=TaskTree} platform MBean ({@link dev.weft.internal.TaskTreeBean}),
 * so that a JVM can be asked for its {@link TaskTree} from outside ({@code ./run tasks PID}, JDK
 * Mission Control, {@code jconsole}) without changing its code.
 *
 * <p>Lazily, once per JVM: the first time a thread weft did not start opens a task group (there
 * is no tree to show before), on a short-lived virtual thread, because creating the platform
 * MBean server loads much of {@code java.management} (tens of milliseconds) and the group that
 * triggers it must not wait. Nothing on the spawn path. {@code -Ddev.weft.mbean=false} turns it
 * off; a runtime without {@code java.management} (a class path launched with
 * {@code --limit-modules}) simply has no MBean.
 */
final class TaskTreeManagement {
    private static final AtomicBoolean REQUESTED = new AtomicBoolean();

    private TaskTreeManagement() {
    }

    /** Starts the registration once; later calls return at once. */
    static void registerOnce() {
        if (REQUESTED.get() || !REQUESTED.compareAndSet(false, true)) {
            return;
        }
        if ("false".equals(System.getProperty("dev.weft.mbean"))) {
            return;
        }
        try {
            Thread.ofVirtual().name("weft-mbean-registration").start(TaskTreeManagement::register);
        } catch (Throwable e) {
            // no thread, no MBean: the tree is still there for Weft.taskTree()
        }
    }

    private static void register() {
        try {
            if (ModuleLayer.boot().findModule("java.management").isEmpty()) {
                return;
            }
            dev.weft.internal.TaskTreeBean.register(() -> Weft.taskTree().toText(), () -> Weft.taskTree().toJson());
        } catch (Throwable e) {
            System.getLogger(TaskTreeManagement.class.getName()).log(System.Logger.Level.DEBUG,
                    "weft: the TaskTree MBean was not registered", e);
        }
    }
}
