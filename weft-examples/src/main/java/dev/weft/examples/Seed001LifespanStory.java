package dev.weft.examples;

import dev.weft.Context;
import dev.weft.ContextVar;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Weft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Story 001 of {@code docs/stories.md}: an application's lifespan task sets context variables that the request handlers,
 * spawned later as tasks of their own, must see, without being able to change them for each
 * other.
 *
 * <p>Real parts: a {@link TaskGroup} standing for an ASGI-style server. First the trap of the
 * story, reproduced: the lifespan spawned the usual way sets its variables in its own copy, and a
 * handler spawned afterwards does not see them. Then the fix: the lifespan is spawned <em>in</em>
 * an application {@link Context} ({@code g.spawn(lifespan, app)}), stays running for the
 * application's lifetime, and {@value #HANDLERS} handlers are spawned with {@code app.copy()}.
 */
public final class Seed001LifespanStory implements Story {
    static final ContextVar<String> APP_NAME = ContextVar.of("app-name");
    static final ContextVar<String> DATABASE = ContextVar.of("database");
    static final ContextVar<String> REQUEST = ContextVar.of("request", "-");
    static final int HANDLERS = 10;

    @Override
    public String number() {
        return "001";
    }

    @Override
    public String title() {
        return "The lifespan's context, seen by every request handler";
    }

    @Override
    public String python() {
        return "lifespan() runs as a task and sets ctxvar; endpoint() runs as a later task and finds ctxvar unset,"
                + " because each task works on a copy of the context. Until 3.11's create_task(..., context=ctx)"
                + " people copied variables between contexts by hand.";
    }

    @Override
    public String weft() {
        return "g.spawn(lifespan, app) runs the lifespan in exactly the Context app, so what it sets stays in app;"
                + " each handler is spawned with app.copy(): it sees the lifespan's values, and its own sets stay"
                + " in its copy.";
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();

        // The trap, as in Python: the lifespan's set stays in the lifespan task's own copy.
        String seenByLateEndpoint = TaskGroup.run("story001-trap", g -> {
            g.spawn(() -> APP_NAME.set("spam")).join();
            return g.spawn(() -> APP_NAME.get("<unset>")).join();
        });
        ev.check("<unset>".equals(seenByLateEndpoint),
                "spawn(lifespan) with the usual copy: a handler spawned afterwards sees app-name = %s (Python's trap,"
                        + " by design)", seenByLateEndpoint);

        // The fix: the lifespan runs in the application's context, handlers in copies of it.
        Context app = Context.empty();
        CountDownLatch started = new CountDownLatch(1);
        String[] atShutdown = new String[1];
        List<String> seen = TaskGroup.run("story001-app", g -> {
            Task<Void> lifespan = g.spawn(() -> {
                APP_NAME.set("spam");
                DATABASE.set("jdbc:h2:mem:app");
                started.countDown();
                try {
                    Weft.sleep(Duration.ofDays(1)); // the application's lifetime
                } finally {
                    atShutdown[0] = APP_NAME.get() + " " + REQUEST.get();
                }
                return null;
            }, app);
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the lifespan did not start");
            }
            List<Task<String>> handlers = new ArrayList<>();
            for (int i = 0; i < HANDLERS; i++) {
                int n = i;
                handlers.add(g.spawn(() -> endpoint(n), app.copy()));
            }
            List<String> out = new ArrayList<>();
            for (Task<String> h : handlers) {
                out.add(h.join());
            }
            lifespan.cancel(); // application shutdown
            return out;
        });

        int sawSpam = 0;
        int sawOwn = 0;
        for (int i = 0; i < seen.size(); i++) {
            String[] parts = seen.get(i).split("\\|");
            if (parts[0].equals("spam jdbc:h2:mem:app")) {
                sawSpam++;
            }
            if (parts[1].equals("req-" + i + " changed-by-req-" + i)) {
                sawOwn++;
            }
        }
        ev.line("g.spawn(lifespan, app): the lifespan set app-name and database in app, then kept running");
        ev.check(sawSpam == HANDLERS, "%d of %d handlers spawned with app.copy() saw app-name = spam,"
                + " database = jdbc:h2:mem:app", sawSpam, HANDLERS);
        ev.check(sawOwn == HANDLERS, "%d of %d handlers then set request and app-name and saw only their own values",
                sawOwn, HANDLERS);
        ev.check("spam".equals(app.get(APP_NAME)) && !app.contains(REQUEST),
                "afterwards app still holds app-name = %s and no request (handlers' sets stayed in their copies)",
                app.get(APP_NAME));
        ev.check("spam -".equals(atShutdown[0]), "the lifespan, at shutdown, still saw app-name = spam, request = -");
        return ev.result();
    }

    /** A request handler: reads the lifespan's values, then sets its own. */
    private static String endpoint(int n) {
        String before = APP_NAME.get() + " " + DATABASE.get();
        REQUEST.set("req-" + n);
        APP_NAME.set("changed-by-req-" + n);
        Weft.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(5))); // let the handlers interleave
        return before + "|" + REQUEST.get() + " " + APP_NAME.get();
    }
}
