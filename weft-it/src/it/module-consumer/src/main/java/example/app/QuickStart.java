package example.app;

import dev.weft.ContextVar;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Token;
import dev.weft.Weft;
import java.time.Duration;

/** README.md's quick start, copied verbatim, run as a program. */
public final class QuickStart {
    // --- README snippet begins ---
    static final ContextVar<String> REQUEST = ContextVar.of("request", "-");

    String handle(String id) {
        try (Token<String> t = REQUEST.set(id)) {                  // reset on every path
            return Timeout.failAfter(Duration.ofSeconds(2), () ->  // one budget for the whole block
                TaskGroup.run(g -> {
                    Task<String> user = g.spawn(() -> lookup("user"));  // sees REQUEST = id
                    Task<String> cart = g.spawn(() -> lookup("cart"));  // a failure cancels the other
                    return user.join() + "+" + cart.join();
                }));
        }
    }

    String lookup(String what) {
        Weft.sleep(Duration.ofMillis(10));                         // cancellable
        return what + "@" + REQUEST.get();
    }
    // --- README snippet ends ---

    /** Prints the quick start's result, the context afterwards, and the modules involved. */
    public static void main(String[] args) {
        System.out.println("handle: " + new QuickStart().handle("r-1"));
        System.out.println("after: " + REQUEST.get());
        System.out.println("weft module: " + ContextVar.class.getModule().getName());
        System.out.println("own module: " + QuickStart.class.getModule().getName());
    }
}
