package dev.weft;

import java.time.Duration;

/**
 * A small weft program for {@link FlightGuardTest}, run in a child JVM whose runtime lacks
 * {@code jdk.jfr} (and, in one run, {@code java.management}): tasks that succeed, fail and are
 * cancelled, a deadline that fires, a swallowed cancellation and a task tree. It touches neither
 * JFR nor JMX itself and prints {@code ok} at the end.
 */
final class NoJfrMain {
    private NoJfrMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("Flight.PRESENT=" + Flight.PRESENT);
        try {
            TaskGroup.run("no-jfr", g -> {
                g.spawn("ok", () -> 1);
                g.spawn("sleeper", () -> {
                    Weft.sleep(Duration.ofMinutes(5));
                    return null;
                });
                g.spawn("bad", () -> {
                    Weft.sleep(Duration.ofMillis(20));
                    throw new IllegalStateException("boom");
                });
                System.out.println(Weft.taskTree().toJson().contains("\"no-jfr\"") ? "tree" : "no tree");
                return null;
            });
        } catch (ExceptionGroup expected) {
            System.out.println("group failed as expected");
        }
        System.out.println("moveOnAfter empty=" + Timeout.moveOnAfter(Duration.ofMillis(10), () -> {
            Weft.sleep(Duration.ofMinutes(5));
            return 1;
        }).isEmpty());
        try {
            Timeout.failAfter(Duration.ofMillis(10), () -> {
                try {
                    Weft.sleep(Duration.ofMinutes(5));
                } catch (CancelledException swallowed) {
                    // swallowed on purpose
                }
                return 1;
            });
        } catch (DeadlineExceededException expected) {
            System.out.println("swallowed is loud");
        }
        Thread.sleep(200); // let the lazy MBean registration run (and fail quietly without java.management)
        System.out.println("ok");
    }
}
