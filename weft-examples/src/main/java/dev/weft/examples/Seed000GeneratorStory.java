package dev.weft.examples;

import dev.weft.CallableOp;
import dev.weft.ContextVar;
import dev.weft.Generator;
import dev.weft.TaskGroup;
import dev.weft.Token;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Story 000 of {@code docs/stories.md}, second half: a generator that sets a context variable around its yields, abandoned
 * by {@code break}. In Python the generator is finalized later, in another task, so
 * {@code ctx.reset(token)} fails with "Token was created in a different Context" unless the
 * consumer wraps it in {@code contextlib.aclosing}. In weft closing always happens in the
 * consumer: with try-with-resources at the {@code break}, or, if the consumer forgot, when the
 * task that created the generator ends, in that task's context, with a warning.
 */
public final class Seed000GeneratorStory implements Story {
    static final ContextVar<String> CTX = ContextVar.of("context_var", "-");

    @Override
    public String number() {
        return "000";
    }

    @Override
    public String title() {
        return "A generator abandoned by break cleans up in its consumer";
    }

    @Override
    public String python() {
        return "break leaves the async generator suspended; asyncio finalizes it later in a new task, where"
                + " ctx.reset(token) raises ValueError (\"created in a different Context\") and the cleanup runs"
                + " in the wrong place. contextlib.aclosing is the documented fix, if you remember it.";
    }

    @Override
    public String weft() {
        return "a Generator's steps and its close() run in the consumer's context. try-with-resources closes it at"
                + " the break; a generator nobody closed is closed as its task ends, in that task's context, with a"
                + " warning naming where it was created. No aclosing to remember.";
    }

    /** The story's {@code runner_with_context}: set the var, run the block, reset in finally. */
    static <T> T runnerWithContext(String name, List<String> log, CallableOp<T, Exception> block) throws Exception {
        Token<String> token = CTX.set(name);
        try {
            log.add("before yield: " + name + ", context_var=" + CTX.get());
            return block.call();
        } finally {
            log.add("after yield: " + name + ", context_var=" + CTX.get());
            CTX.reset(token); // Python's ValueError happens here when cleanup runs elsewhere
        }
    }

    /** The story's {@code iterator()}: three items, yielded inside runner_with_context("demo_context"). */
    static Generator<String> iterator(List<String> log) {
        return Generator.of(out -> runnerWithContext("demo_context", log, () -> {
            for (int i = 0; i < 3; i++) {
                out.yield("Iterator i=" + i + " in " + CTX.get());
            }
            return null;
        }));
    }

    @Override
    public Result run() throws Exception {
        Evidence ev = new Evidence();

        // 1. The consumer closes with try-with-resources: cleanup at the break, in main's context.
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        String[] afterLoop = new String[1];
        TaskGroup.run("story000-main", g -> g.spawn(() -> runnerWithContext("main_context", log, () -> {
            try (Generator<String> it = iterator(log)) {
                for (String item : it) {
                    log.add("got: " + item);
                    break; // the problematic line in Python
                }
            }
            afterLoop[0] = CTX.get();
            return null;
        })).join());
        log.forEach(l -> ev.line("  " + l));
        ev.check(log.contains("after yield: demo_context, context_var=demo_context"),
                "the generator's finally ran at the break, before the consumer's next line");
        ev.check("main_context".equals(afterLoop[0]),
                "its reset succeeded in the consumer's context: context_var is back to %s", afterLoop[0]);

        // 2. The consumer forgets to close: the task's end closes it, in the task's context, and says so.
        List<String> log2 = Collections.synchronizedList(new ArrayList<>());
        List<String> warnings = new ArrayList<>();
        Logger jul = Logger.getLogger(Generator.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean parents = jul.getUseParentHandlers();
        jul.setUseParentHandlers(false);
        jul.addHandler(capture);
        try {
            TaskGroup.run("story000-forgetful", g -> g.spawn(() -> runnerWithContext("main_context", log2, () -> {
                for (String item : iterator(log2)) {
                    log2.add("got: " + item);
                    break; // and no try-with-resources
                }
                return null;
            })).join());
        } finally {
            jul.removeHandler(capture);
            jul.setUseParentHandlers(parents);
        }
        ev.line("without try-with-resources:");
        log2.forEach(l -> ev.line("  " + l));
        ev.check(log2.stream().anyMatch(l -> l.startsWith("after yield: demo_context")),
                "the task's end closed the generator, in the task's context, and its reset succeeded (no"
                        + " ValueError; main's block had already ended, so the generator's cleanup came last)");
        ev.check(warnings.size() == 1 && warnings.getFirst().contains("Seed000GeneratorStory"),
                "one warning, naming where the generator was created: %s",
                warnings.isEmpty() ? "(none)" : warnings.getFirst());
        ev.check("-".equals(CTX.get()), "the tour's own context is untouched: context_var = %s", CTX.get());
        return ev.result();
    }
}
