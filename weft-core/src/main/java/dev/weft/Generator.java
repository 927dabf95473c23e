package dev.weft;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy sequence written as straight-line code that yields values, as a Python generator, whose
 * cleanup always runs where it is consumed.
 *
 * <pre>{@code
 * try (Generator<String> lines = Generator.of(out -> {
 *     try (Token<String> t = CTX.set("reading")) {      // the consumer's context
 *         for (String line : file) out.yield(line);
 *     }                                                 // runs in the consumer, on close
 * })) {
 *     for (String line : lines) {
 *         if (line.isEmpty()) break;                    // close() still runs the finally above
 *     }
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>The body starts at the first {@link #hasNext()} or {@link #next()} and runs one step (up to
 *     the next {@link Yielder#yield} or its end) per item.
 * <li>Every step runs in the consumer's current {@link Context} object and under the consumer's
 *     cancel scopes, while the consumer waits: a variable the body sets is set in the consumer's
 *     context (as in Python), and a consumer cancelled while the body blocks cancels the body.
 *     A body that yields inside {@link Context#run} resumes in the next consumer's context, and
 *     stays in it when that {@code run} ends (the context it had before the {@code run} belonged
 *     to an earlier step). The body runs on a virtual thread of its own ({@code Thread.currentThread()} is not the
 *     consumer's), so plain {@link ThreadLocal}s of the consumer are not visible in it: carry
 *     per-request state in {@link ContextVar}s.
 * <li>{@link #close()} of a suspended generator makes the pending {@code yield} throw a closing
 *     signal, runs the body's {@code finally} blocks to the end, in the consumer's context and
 *     scopes, before it returns. An exception from the cleanup propagates from {@code close()}.
 *     A body that yields while closing gets {@link IllegalStateException}. Closing twice, after
 *     the end, or before the start does nothing (an unstarted body never runs).
 * <li>A generator that is never closed is closed when the task or task group that owns it ends,
 *     in that scope's thread and context, with a warning naming where it was created. It never
 *     runs its cleanup later in some other thread or context (the trap of Python's async
 *     generators finalized by another task). Its owner is whoever consumed it last: the task or
 *     task group (the innermost one) of the thread that created it, until a step runs on another
 *     thread, whose task or group then owns it. An unstarted generator has nothing to clean up,
 *     so its owner's end leaves it for the next consumer. A generator owned by no task or group
 *     (created and consumed by plain thread code) must be closed by its user.
 * <li>A generator closed by its owner's end was abandoned there: asking it for a value afterwards
 *     throws {@link IllegalStateException} naming that scope, rather than looking empty.
 * <li>An exception thrown by the body reaches the consumer from {@code hasNext()}/{@code next()}
 *     after the body's {@code finally} blocks have run; checked exceptions arrive wrapped in
 *     {@link UndeclaredThrowableException}.
 * <li>Yielding inside a cancel scope, timeout or task group opened in the body is refused with
 *     {@link IllegalStateException} (PEP 789): that scope would cancel the consumer's code.
 * <li>One consumer at a time: a step started while another runs throws
 *     {@link IllegalStateException}. Handing a generator from one task to another between steps
 *     is fine: the task that steps it next owns it (see above).
 * <li>{@link Task#current()} in the body is the task that consumes the step.
 * </ul>
 *
 * <h2>Implementation overview</h2>
 * The body runs on its own virtual thread, which acts as a coroutine: exactly one of the consumer
 * and the body runs at a time. {@link #phase} is the hand-off, one volatile word:
 * <pre>
 *   NEW ─claim─▶ CLAIMED ─publish─▶ RUNNING ─yield─▶ YIELDED ─taken back─▶ SUSPENDED ─claim─▶ CLAIMED …
 *                                   RUNNING ─end───▶ DONE          (close of NEW: NEW ─▶ DONE)
 * </pre>
 * A consumer claims a step by a CAS from {@code NEW} or {@code SUSPENDED} to {@code CLAIMED} (so
 * a second consumer fails and is refused), fills in the step's fields (its thread, context,
 * scope, task, the closing flag), then publishes {@code RUNNING} and waits; the body's thread
 * moves it to {@code YIELDED} at a yield or {@code DONE} at the end and waits in turn; the
 * consumer, woken, moves {@code YIELDED} to {@code SUSPENDED}, and only then may the next step be
 * claimed (by it or by another thread), so a consumer never waits for a step that is not its own.
 * Each side first spins briefly for the other ({@link Parking#SPIN}: when both threads are mounted on
 * different carriers the hand-off then costs a few cache-line transfers and no scheduling, and a
 * side whose spins fail backs off from spinning), then waits by the {@link Parking} policy (yield
 * the carrier briefly, then park); the other unparks it after writing {@link #phase}, which
 * orders every plain field ({@link #item}, {@link #error}, the step's fields) between the two
 * threads. The hand-over writes are volatile stores, not release stores: the JDK's unpark of a
 * virtual thread whose permit is already set is no fence, so only the store's own fence orders
 * the hand-over before the unpark's look at the partner's permit ({@code docs/design.md},
 * memory-ordering argument 12; a release store there loses a wake-up,
 * GeneratorHandOffStressTest).
 *
 * <p>Invariants: only the holder of the claim ({@code CLAIMED} to {@code YIELDED}/{@code DONE})
 * writes the step's fields; only the body's thread moves {@code RUNNING} on; {@link #consumer}
 * is the thread waiting for the current step from {@code RUNNING} until it takes the step back.
 * The owner thread's next step is claimed by the CAS alone; everything else (the first step, a
 * close, a take-over by another thread, an owner's end) claims under the monitor, which orders
 * ownership changes ({@link #owner}, {@link #ownerThread}, {@link #closedBy}) against an owner's
 * end ({@link #closeAtScopeEnd}).
 *
 * <p>Each step runs under a step scope whose parent is the consumer's innermost scope at that
 * {@code next()}; the consumer registers it as its {@link ThreadRecord#delegate}, so that
 * cancelling the consumer reaches the body, and waits without being interruptible
 * ({@link Parking#awaitUninterruptibly}: the body gets the cancellation), so no step outlives the
 * call that started it. The consumer publishes the delegate before {@code RUNNING}, and a
 * canceller marks the chain before it reads the delegate, so a cancellation racing a step's
 * start either finds the step or is seen by the step's first look at its chain. The last step's
 * scope is reused when its parent is the same and nothing marked it (no cancel, deadline or
 * callback); otherwise the step gets a fresh one. A scope is reused only while it is nobody's
 * current scope (between steps), so a consumer in a steady loop allocates nothing per item here.
 *
 * <p>The consumer writes each step field (and the body's record's {@code stepTask}) only when its
 * value changes, and the body's thread switches its context and its chain only when they change:
 * in a steady loop the two threads share those cache lines read-only, and per step only
 * {@link #phase}, {@link #item}, {@link #hasItem} and the consumer's own delegate are written.
 * The kernel is mapped in {@code docs/design.md}.
 *
 * @param <T> the type of the values
 */
public final class Generator<T> implements Iterator<T>, Iterable<T>, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Generator.class.getName());
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static final int NEW = 0;
    private static final int SUSPENDED = 1;
    /** A consumer has claimed the next step and is filling in the step's fields. */
    private static final int CLAIMED = 2;
    private static final int RUNNING = 3;
    /** The body yielded; the consumer of that step has not taken the step back yet. */
    private static final int YIELDED = 4;
    private static final int DONE = 5;
    private static final VarHandle PHASE;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(Generator.class, "phase", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The body of a generator.
     *
     * @param <T> the type of the values
     */
    @FunctionalInterface
    public interface Body<T> {
        /**
         * Produces the values.
         *
         * @param out where to yield them
         * @throws Exception anything; it reaches the consumer
         */
        void run(Yielder<T> out) throws Exception;
    }

    /**
     * Where a generator's body yields its values.
     *
     * @param <T> the type of the values
     */
    @FunctionalInterface
    public interface Yielder<T> {
        /**
         * Hands {@code value} to the consumer and suspends the body until the next value is
         * asked for. Call it as {@code out.yield(v)}.
         *
         * @param value the value
         * @throws IllegalStateException if called while closing, from another thread, or inside a
         *         scope opened in the body
         */
        void yield(T value);
    }

    /** Thrown at the pending yield by {@link #close()}; an Error so that catch (Exception) lets it pass. */
    private static final class Closing extends Error {
        private static final long serialVersionUID = 1L;

        Closing() {
            super("generator closing", null, false, false);
        }
    }

    // Field order: the fields written per step (phase, hasItem, item) come first, so that the
    // JVM lays them out next to each other, after the header (ints, then shorts and booleans,
    // then references, each group in declaration order): in a steady loop the two threads then
    // trade one cache line per hand-off, not two (QueueBaselineBenchmark.generatorWeft).
    private volatile int phase = NEW;
    /**
     * The consumers' spin back-off (waits left to skip spinning, and the current skip length, at
     * most {@link Parking#MAX_SKIP}): written by the consumer holding a step, so by one thread at a time
     * (a stale value from an earlier consumer only tunes a heuristic).
     */
    private short consumerSkip, consumerBackoff;
    /** The body's spin back-off, as the consumers'; body's thread only. */
    private short bodySkip, bodyBackoff;
    private boolean hasItem;
    private boolean closing;
    /** Whether the step's chain was cancelled when the consumer handed the step over (see {@link #step}). */
    private boolean cancelledAtHandOff;
    /** Whether the body's thread was started; written by the consumer holding the claim. */
    private boolean started;
    private T item;
    /** The consumer waiting for the current step. */
    private volatile Thread consumer;
    private CancelScope stepRoot;
    private Context stepContext;
    /** Bridged state captured by the consumer for the next step / installed by the body's thread. */
    private Object bridgeStep, bridgeUndo;
    private Thread thread;
    private ThreadRecord record;
    private Throwable error;
    /**
     * The context the body's thread has current by {@link ThreadRecord#switchContextForStep}, or
     * null; body's thread only. Kept between steps, so that a step in the same context as the
     * last one switches nothing.
     */
    private Context installed;
    /**
     * The thread (record) that created or last stepped this generator. Written under the monitor;
     * read without it by the owner's fast path in {@link #step} (hence volatile).
     */
    private volatile ThreadRecord ownerThread;
    /**
     * The scope whose end closes this generator if its user does not: the closing scope of the
     * thread that created it or last stepped it; null when no task or group owns it. Guarded by
     * this object's monitor.
     */
    private CancelScope owner;
    /** The label of the owner scope whose end closed this generator, or null. Guarded by the monitor. */
    private String closedBy;
    private final Body<T> body;
    private final String name;
    private final String createdAt;
    /** The consumer's wake-up condition, made once. */
    private final BooleanSupplier stepEnded = () -> phase != RUNNING;
    /** The body's wake-up condition at a yield, made once. */
    private final BooleanSupplier stepStarted = () -> phase == RUNNING;

    private Generator(Body<T> body) {
        this.body = body;
        this.name = "generator-" + SEQUENCE.incrementAndGet();
        this.createdAt = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Generator.class.getName())
                        && !f.getClassName().startsWith(Generator.class.getName() + "$"))
                .findFirst().map(Object::toString).orElse("?"));
    }

    /**
     * Creates a generator; the body does not start until the first value is asked for.
     *
     * @param body produces the values with {@code out.yield(v)}
     * @param <T> the type of the values
     * @return the generator
     */
    public static <T> Generator<T> of(Body<T> body) {
        Generator<T> g = new Generator<>(Args.nonNull(body, "body", "pass the code that yields the values, e.g. out -> { out.yield(1); }"));
        ThreadRecord r = ThreadRecord.current();
        CancelScope scope = ScopeGenerators.closingScope(r);
        g.ownerThread = r;
        if (scope != null) {
            g.owner = scope;
            ScopeGenerators.bind(r, g, scope);
        }
        return g;
    }

    /**
     * Returns whether there is a next value, running the body up to its next yield if needed.
     *
     * @return true if {@link #next()} will return a value
     * @throws CancelledException if the consumer is cancelled
     */
    @Override
    public boolean hasNext() {
        if (hasItem) {
            return true;
        }
        if (phase == DONE) {
            refuseIfAbandoned();
            return false;
        }
        step(false, null);
        return hasItem;
    }

    /**
     * Returns the next value, running the body up to its next yield if needed.
     *
     * @return the value
     * @throws NoSuchElementException if the body has ended
     * @throws CancelledException if the consumer is cancelled
     */
    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException(name + " has no more values");
        }
        T v = item;
        item = null;
        hasItem = false;
        return v;
    }

    /**
     * Returns this generator, for a for-each loop. A generator is a single pass.
     *
     * @return this
     */
    @Override
    public Iterator<T> iterator() {
        return this;
    }

    /**
     * Returns a sequential stream of the remaining values, whose {@code close()} closes this
     * generator.
     *
     * @return the stream
     */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
                .onClose(this::close);
    }

    /**
     * Closes the generator: if suspended, its pending yield throws a closing signal and its
     * cleanup runs to the end, here, before this method returns.
     *
     * @throws IllegalStateException if the body yields while closing, or another thread is
     *         running a step
     * @throws RuntimeException what the cleanup throws (checked ones wrapped in
     *         {@link UndeclaredThrowableException})
     */
    @Override
    public void close() {
        int p = phase;
        if (p == DONE) {
            return;
        }
        if (p == NEW && casPhase(NEW, DONE)) {
            return;
        }
        step(true, null);
    }

    /** A generator its owner's end closed was abandoned there: asking it for more is a mistake. */
    private void refuseIfAbandoned() {
        String by;
        synchronized (this) {
            by = closedBy;
        }
        if (by != null) {
            throw new IllegalStateException(name + " created at " + createdAt + " was closed when " + by
                    + ", which consumed it last, ended without closing it; its remaining values are lost."
                    + " Close generators with try-with-resources, or step it in the task that receives it"
                    + " before the one that hands it over ends");
        }
    }

    private boolean casPhase(int from, int to) {
        return PHASE.compareAndSet(this, from, to);
    }

    private IllegalStateException alreadyRunning() {
        Thread c = consumer;
        return new IllegalStateException(name + " is already running a step for thread '"
                + (c == null ? "?" : c.getName()) + "': a generator serves one consumer at a time");
    }

    /**
     * Runs one step of the body in the caller's place; rethrows the body's failure. A step on a
     * thread other than the owner's moves the ownership there. {@code endOf}, when not null, is
     * the owner scope that is ending and closes the generator: nothing happens if another thread
     * has taken it over meanwhile.
     */
    private void step(boolean close, CancelScope endOf) {
        Thread me = Thread.currentThread();
        ThreadRecord owner = ownerThread;
        // A thread's record is made once and never replaced: the owner's record is this thread's
        // when it names this thread, and the owner's steps skip looking the record up.
        ThreadRecord r = owner != null && owner.thread == me ? owner : ThreadRecord.current();
        if (!close) {
            r.checkpoint();
        }
        if (close || endOf != null || owner != r || !casPhase(SUSPENDED, CLAIMED)) {
            if (!claimSlowly(r, close, endOf)) {
                return;
            }
        }
        // This thread holds the claim (CLAIMED): no other consumer writes these fields now, and
        // the body's thread reads them only after it sees RUNNING below. Each is written only
        // when it changes: in a steady loop the body's thread then finds the lines it reads
        // (these fields, its record) unchanged and shared, not moved to this core and back.
        if (consumer != me) {
            consumer = me;
        }
        if (closing != close) {
            closing = close;
        }
        // The last step's context when it is still current here: a context whose current thread
        // is this one is this thread's current context (the test ContextVar.get's cache makes),
        // so a steady loop skips the context's ThreadLocal.
        Context context = stepContext;
        if (context == null || context.current != me) {
            context = Context.currentOrImplicit();
            stepContext = context;
        }
        Object bridged = Bridging.capture();
        if (bridgeStep != bridged) {
            bridgeStep = bridged;
        }
        CancelScope root = stepScope(r.innermost);
        if (stepRoot != root) {
            stepRoot = root;
        }
        Task<?> task = r.currentTask();
        if (record.stepTask != task) {
            record.stepTask = task;
        }
        boolean first = !started;
        if (first) {
            started = true;
        }
        // The delegate is published before RUNNING: a canceller marks the consumer's chain and
        // then reads the delegate, the body's thread reads RUNNING and then the chain, so either
        // the canceller finds the step and interrupts the body's thread, or the step's first
        // check sees the mark (GeneratorDelegateRaceTest).
        r.delegate = root;
        // ... and the consumer looks at the chain after publishing it, so that a body that
        // reuses the last step's scope need not read the consumer's scopes itself (lines the
        // consumer writes beside, ThreadRecord#beginStep).
        boolean cancelled = CancelStatus.cancelledFrom(root) != null;
        if (cancelledAtHandOff != cancelled) {
            cancelledAtHandOff = cancelled;
        }
        phase = RUNNING;
        boolean foreignInterrupt = false;
        try {
            if (first) {
                Parking.threadStarted(thread);
                thread.start();
            } else {
                Parking.unpark(thread);
            }
            if (first || !spinUntilStepEnds()) { // a starting thread takes longer than any spin
                foreignInterrupt = Parking.awaitUninterruptibly(r, stepEnded, stepRoot, true, this);
            }
            if (phase == YIELDED) {
                // Only now may another consumer claim the next step: had the body's yield
                // released it, a claim could start before this thread saw the step end, and this
                // thread would wait for a step that is not its own (and be woken by no one).
                PHASE.setRelease(this, SUSPENDED);
            }
        } finally {
            r.clearDelegate();
            if (foreignInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable e = error;
        if (e != null) {
            error = null;
            if (e instanceof RuntimeException re) throw re;
            if (e instanceof Error err) throw err;
            throw new UndeclaredThrowableException(e, name + " threw " + e);
        }
    }

    /**
     * The consumer spins for the step's end, up to {@link Parking#SPIN} rounds, before the
     * {@link Parking} policy, unless it is backing off (see {@link Parking#SPIN}): true if the step ended.
     */
    private boolean spinUntilStepEnds() {
        if (consumerSkip > 0) {
            consumerSkip--;
            return false;
        }
        for (int i = 0; i < Parking.SPIN; i++) {
            if (phase != RUNNING) {
                if (consumerBackoff != 0) {
                    consumerBackoff = 0;
                }
                return true;
            }
            Thread.onSpinWait();
        }
        consumerBackoff = consumerSkip = Parking.nextSkip(consumerBackoff);
        return false;
    }

    /** The body's side of {@link #spinUntilStepEnds}: spins for the next step's start. */
    private boolean spinUntilStepStarts() {
        if (bodySkip > 0) {
            bodySkip--;
            return false;
        }
        for (int i = 0; i < Parking.SPIN; i++) {
            if (phase == RUNNING) {
                if (bodyBackoff != 0) {
                    bodyBackoff = 0;
                }
                return true;
            }
            Thread.onSpinWait();
        }
        bodyBackoff = bodySkip = Parking.nextSkip(bodyBackoff);
        return false;
    }

    /**
     * The root scope of the next step, whose parent is the consumer's innermost scope: the last
     * step's scope when it has that parent and nothing marked it (never cancelled, no deadline, no
     * callbacks), so that a steady consumer allocates no scope per item; else a fresh one. Called
     * by the consumer holding the claim, while the body is suspended, so only another thread can
     * touch the old scope meanwhile, and only by cancelling it, which the check below then sees
     * (a cancel racing the check is a cancel of the step about to run, as if it came just after).
     */
    private CancelScope stepScope(CancelScope parent) {
        CancelScope s = stepRoot;
        if (s != null && s.parent == parent && s.outcome == null && s.deadline == ScopeNode.NO_DEADLINE
                && s.callbacks == null) {
            return s;
        }
        return new CancelScope(parent, record, ScopeKind.GENERATOR_STEP, null, name);
    }

    /**
     * Claims the next step when the fast path (the owner thread's next step) does not apply: the
     * first step, a close, an owner's end, a step on another thread (which takes the generator
     * over), or a refused step. Under the monitor, so that an owner's end and a take-over are
     * ordered; the claim itself is still a CAS, as the owner's fast path claims without the monitor.
     *
     * @return true if this thread now holds the claim (CLAIMED); false if there is nothing to run
     */
    private boolean claimSlowly(ThreadRecord r, boolean close, CancelScope endOf) {
        CancelScope takeOver = null;
        synchronized (this) {
            int p;
            for (;;) {
                p = phase;
                if (endOf != null && owner != endOf) {
                    return false; // another task consumed it since: it is that task's now
                }
                if (p == RUNNING || p == CLAIMED || p == YIELDED) {
                    throw alreadyRunning();
                }
                if (p == DONE) {
                    if (!close) {
                        refuseIfAbandoned();
                    }
                    return false;
                }
                if (casPhase(p, CLAIMED)) {
                    break;
                }
                // another consumer claimed it, or a close ended it, meanwhile: look again
            }
            if (endOf != null) {
                closedBy = endOf.label();
            } else if (!close && ownerThread != r) {
                ownerThread = r;
                takeOver = ScopeGenerators.closingScope(r);
                owner = takeOver;
            }
            if (close) {
                hasItem = false;
                item = null;
            }
            if (p == NEW) {
                thread = Thread.ofVirtual().name(name).inheritInheritableThreadLocals(false).unstarted(this::runBody);
                record = ThreadRecord.forGenerator(thread);
            }
        }
        if (takeOver != null) {
            ScopeGenerators.bind(r, this, takeOver);
        }
        return true;
    }

    /** The generator's thread. */
    private void runBody() {
        record.startGenerator();
        beginStep();
        Throwable failure = null;
        try {
            body.run(this::yieldValue);
        } catch (Closing c) {
            // close() asked for this: the body's finally blocks have run
        } catch (Throwable t) {
            failure = t;
        }
        record.endStep();
        Bridging.stepEnd(bridgeUndo);
        error = failure;
        Thread waiting = consumer;
        record.endThread();
        phase = DONE;
        Parking.unpark(waiting);
    }

    private void beginStep() {
        Context context = stepContext;
        if (installed != context) {
            ThreadRecord.switchContextForStep(context);
            installed = context;
        }
        bridgeUndo = Bridging.stepBegin(bridgeStep);
        record.beginStep(stepRoot, cancelledAtHandOff);
    }

    private void yieldValue(T value) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(name + ": yield is only allowed in the generator's own body,"
                    + " not from another thread");
        }
        if (closing) {
            throw new IllegalStateException(name + " yielded a value while closing: a closing generator"
                    + " must not yield again (let the closing signal propagate)");
        }
        if (record.innermost != stepRoot) {
            throw new IllegalStateException(name + " yielded inside " + record.innermost
                    + ", opened in its body: a scope opened in a generator must end before it yields,"
                    + " or it would cancel the consumer's code (PEP 789)");
        }
        item = value;
        hasItem = true;
        record.endStep();
        Bridging.stepEnd(bridgeUndo);
        if (!ThreadRecord.isCurrentContext(installed)) {
            // The body made a context of its own current around this yield: drop it, so that the
            // next step begins in its consumer's context, as every step does.
            ThreadRecord.switchContextForStep(null);
            installed = null;
        }
        Thread waiting = consumer;
        phase = YIELDED;
        Parking.unpark(waiting);
        if (!spinUntilStepStarts()) {
            Parking.awaitHandBack(stepStarted, this);
        }
        beginStep();
        if (closing) {
            throw new Closing();
        }
    }

    /** Closes a generator its scope is ending with, logging that its user did not. */
    void closeAtScopeEnd(CancelScope scope) {
        synchronized (this) {
            if (owner != scope || phase == DONE) {
                return; // taken over by another task, or finished
            }
            if (phase == NEW) {
                owner = null; // nothing to clean up: whoever steps it first owns it
                ownerThread = null;
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, () -> name + " created at " + createdAt + " was not closed;"
                + " closing it as " + scope.label() + " ends, in that scope's thread and context."
                + " Close generators with try-with-resources.");
        step(true, scope);
    }

    boolean isDone() {
        return phase == DONE;
    }

    @Override
    public String toString() {
        return "Generator[" + name + ", created at " + createdAt + "]";
    }
}
