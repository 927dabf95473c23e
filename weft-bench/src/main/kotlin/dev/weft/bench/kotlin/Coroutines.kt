package dev.weft.bench.kotlin

import java.util.concurrent.Executors
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.produce
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.openjdk.jmh.infra.Blackhole

/**
 * kotlinx-coroutines peers for the JMH benchmarks, called from Java.
 *
 * A suspending function cannot be called from Java, so each entry point here is a plain function
 * that starts a coroutine with `runBlocking`, does the measured operation inside it (once for the
 * spawn benchmark, or [LOOP] times for the per-operation ones), and returns when the coroutine
 * completes. The Java benchmark declares the loop count as its operations per invocation, so
 * `runBlocking`'s own entry and exit (an event loop on the calling thread, or a dispatch to the
 * given dispatcher and the caller's park and unpark: tens of microseconds when the caller is a
 * platform thread) are spread over the loop: about 1 ns per operation at most. The spawn
 * benchmark, 1 000 coroutines per invocation, carries that cost once, as the weft and JDK peers
 * carry their group's entry and their caller's wake-up.
 */
object Coroutines {
    /** Operations per invocation for the per-operation entry points (see the class comment). */
    const val LOOP: Int = 100_000

    private val RESULT: Any = 42
    private val ITEM: Any = Any()
    private val TEN_SECONDS_MS: Long = 10_000

    // ---- spawn ---------------------------------------------------------------------------

    /** A dispatcher that runs every dispatched block on a new virtual thread; close it after use. */
    @JvmStatic
    fun virtualThreadDispatcher(): ExecutorCoroutineDispatcher =
        Executors.newVirtualThreadPerTaskExecutor().asCoroutineDispatcher()

    /** `Dispatchers.Default`, the shared pool of (here, 2) platform threads. */
    @JvmStatic
    fun defaultDispatcher(): CoroutineDispatcher = Dispatchers.Default

    /**
     * `coroutineScope { repeat(tasks) { launch { } } }` on [dispatcher]: spawns [tasks]
     * coroutines and returns when all have completed. Returns [tasks].
     */
    @JvmStatic
    fun spawnJoin(tasks: Int, dispatcher: CoroutineDispatcher): Int = runBlocking(dispatcher) {
        coroutineScope {
            repeat(tasks) {
                launch { }
            }
        }
        tasks
    }

    // ---- deadlines -----------------------------------------------------------------------

    /**
     * [LOOP] times `withTimeout(10 s) { x }` that does not expire, in a coroutine on
     * `Dispatchers.Default` (whose timeouts are kept by kotlinx's shared delay thread, as in a
     * server). Returns the sum of the results.
     */
    @JvmStatic
    fun withTimeoutLoop(): Int = runBlocking(Dispatchers.Default) {
        var sum = 0
        repeat(LOOP) {
            sum += withTimeout(TEN_SECONDS_MS) { RESULT } as Int
        }
        sum
    }

    // ---- channels ------------------------------------------------------------------------

    /**
     * [items] items handed from [pairs] producer coroutines to [pairs] consumer coroutines
     * through `Channel(capacity)` (0 is `Channel.RENDEZVOUS`), all on `Dispatchers.Default`.
     * Each consumer checks every item it receives, so the work cannot be dropped.
     */
    @JvmStatic
    fun channelHandOff(capacity: Int, items: Int, pairs: Int) {
        runBlocking(Dispatchers.Default) {
            val channel = Channel<Any>(capacity)
            val per = items / pairs
            repeat(pairs) {
                launch {
                    repeat(per) { channel.send(ITEM) }
                }
                launch {
                    repeat(per) {
                        if (channel.receive() !== ITEM) throw AssertionError("wrong item")
                    }
                }
            }
        }
    }

    // ---- generators ----------------------------------------------------------------------

    /**
     * `sequence { for (item in items) yield(item) }` iterated to its end on the calling thread,
     * each item given to [bh]; returns the number of items. A stackless generator: `yield`
     * saves the body's state machine and returns to the iterator's `next`, so there is no second
     * thread and no hand-off, only a call and a return per item (a different model from a
     * generator whose body runs on its own thread).
     */
    @JvmStatic
    fun sequenceIterate(items: Array<Any>, bh: Blackhole): Int {
        val seq = sequence {
            for (item in items) yield(item)
        }
        var n = 0
        for (v in seq) {
            bh.consume(v)
            n++
        }
        if (n != items.size) throw AssertionError("lost items")
        return n
    }

    /**
     * A `produce(capacity = RENDEZVOUS) { repeat(items) { send(x) } }` producer consumed by a
     * coroutine's `for (x in channel)`, both on `Dispatchers.Default`: each item is a rendezvous
     * between two coroutines, the closest kotlinx has to a generator whose body runs on its own
     * thread (the producer computes its next item while the consumer handles the last, so it runs
     * one item ahead, which a lock-step generator does not). Returns the number of items, each
     * checked by the consumer.
     */
    @OptIn(ExperimentalCoroutinesApi::class)
    @JvmStatic
    fun produceConsume(items: Int): Int = runBlocking(Dispatchers.Default) {
        val channel = produce(capacity = Channel.RENDEZVOUS) {
            repeat(items) { send(ITEM) }
        }
        var n = 0
        for (v in channel) {
            if (v !== ITEM) throw AssertionError("wrong item")
            n++
        }
        if (n != items) throw AssertionError("lost items")
        n
    }

    // ---- context -------------------------------------------------------------------------

    /** The key of one benchmark context element; keys compare by identity, as kotlinx's do. */
    class VarKey(val index: Int) : CoroutineContext.Key<VarElement>

    /** A context element carrying one value: the coroutine analogue of a context variable. */
    class VarElement(override val key: VarKey, val value: Any) : CoroutineContext.Element

    private val KEYS: List<VarKey> = List(100) { VarKey(it) }

    /**
     * A coroutine context holding [vars] elements (1 to 100), added in key order: key 0, the one
     * [contextGet] reads, is added first, so it sits at the far end of kotlinx's context list,
     * as a variable set early in a request and read deep inside it does.
     */
    @JvmStatic
    fun contextWith(vars: Int, value: Any): CoroutineContext {
        require(vars in 1..KEYS.size) { "vars must be between 1 and ${KEYS.size}, got $vars" }
        var context: CoroutineContext = VarElement(KEYS[0], value)
        for (i in 1 until vars) {
            context += VarElement(KEYS[i], i + 10_000)
        }
        return context
    }

    /**
     * `context[key0]?.value`: reading an element of a coroutine's context, what a suspending
     * function does through `currentCoroutineContext()[key]` (plus one field load there).
     */
    @JvmStatic
    fun contextGet(context: CoroutineContext): Any? = context[KEYS[0]]?.value

    /**
     * Inside a coroutine started with `threadLocal.asContextElement(value)` (a
     * `ThreadContextElement`), [LOOP] reads of the thread-local it installs, each given to [bh].
     * The element writes the thread-local when the coroutine resumes on a thread and restores it
     * when it suspends; a read is then a plain `ThreadLocal.get`.
     */
    @JvmStatic
    fun threadContextElementGetLoop(threadLocal: ThreadLocal<Any>, value: Any, bh: Blackhole) {
        runBlocking(threadLocal.asContextElement(value)) {
            repeat(LOOP) {
                bh.consume(threadLocal.get())
            }
        }
    }

    /**
     * [LOOP] times `withContext(threadLocal.asContextElement(newValue)) { threadLocal.get() }`
     * inside a coroutine: the coroutine way to set a value for a block and restore it after,
     * the analogue of weft's `set` + `reset`. Each result goes to [bh].
     */
    @JvmStatic
    fun withContextSetResetLoop(threadLocal: ThreadLocal<Any>, oldValue: Any, newValue: Any, bh: Blackhole) {
        runBlocking(threadLocal.asContextElement(oldValue)) {
            repeat(LOOP) {
                bh.consume(withContext(threadLocal.asContextElement(newValue)) { threadLocal.get() })
            }
        }
    }
}
