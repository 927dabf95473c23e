package dev.weft.bench;

import com.softwaremill.jox.Channel;
import dev.weft.bench.kotlin.Coroutines;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * weft's {@code Channel} and {@code Generator} beside their peers: the weft channels are the
 * {@code WEFT_*} {@link Impl} constants, the generator is {@link #generatorWeft}.
 *
 * <p>Channel peers ({@link #handOff}): items handed from producers to consumers, all virtual
 * threads, through {@code ArrayBlockingQueue} (capacity 16 and 1024),
 * {@code LinkedTransferQueue}, {@code SynchronousQueue}, and Jox channels (buffered 16 and 1024,
 * rendezvous), with 1 producer/1 consumer and 4/4 ({@code pairs}). Score: time per item, so
 * lower is better and throughput is its inverse. {@link #kotlinHandOff} does the same with
 * kotlinx-coroutines {@code Channel(capacity)} between coroutines on {@code Dispatchers.Default}
 * (its threads, one per core, stand where the virtual threads' carriers stand).
 *
 * <p>Generator peers: a plain {@link Iterator} per item ({@link #generatorPeerIterator}, no
 * thread at all), and a {@code SynchronousQueue} hand-off between two virtual threads per item
 * ({@link #generatorPeerSynchronousQueue}: a one-way stream in which the producer runs ahead by
 * one item, so not what a generator can do); the kotlinx-coroutines peers
 * {@link #generatorPeerKotlinSequence} (a stackless {@code sequence}, on one thread) and
 * {@link #generatorPeerKotlinProduce} (a rendezvous {@code produce} consumed by a coroutine).
 * A generator is lock-step: the body computes the
 * next value only when asked, and the consumer waits meanwhile, so each item costs a round trip
 * between two threads. The {@code generatorFloor*} benchmarks measure that round trip alone, two
 * virtual threads and nothing else: {@link #generatorFloorPark} (park/unpark),
 * {@link #generatorFloorYield2} and {@link #generatorFloorYield8} (yield the carrier 2 or 8 times
 * before parking), {@link #generatorFloorSpin} (spin only while the partner has announced that
 * it runs, which at the start of a wait it has not yet, so it mostly yields),
 * {@link #generatorFloorSpin32Yield8} (spin 32 rounds whatever the partner does, then yield 8
 * times, then park: weft's generator waits so while its spins pay, else as
 * {@link #generatorFloorYield8}), and
 * {@link #generatorFloorSynchronousQueues} (a request queue and an answer queue). Any
 * thread-backed generator pays at least the best of them per item; quote {@link #generatorWeft}
 * as a ratio to them from the same run.
 *
 * <p>Performance targets ({@code docs/benchmarks.md}, "Targets at a glance") these are baselines for: channel hand-off at least
 * {@code ArrayBlockingQueue} throughput between virtual threads; generator at most 1 us per item
 * (stretch 200 ns).
 *
 * <p>Each invocation starts its producer and consumer virtual threads, moves {@value #ITEMS}
 * items and joins them from JMH's platform worker thread ({@link OperationsPerInvocation}); the
 * start and the platform thread's join (under 100 us) add under 5 ns per item. The queue is
 * created once per trial and is empty between invocations. Consumers check each item they
 * receive, so the JIT cannot drop the work.
 *
 * <p>Jox is pinned at 1.0.1: 1.1.1's POM names a parent POM that Maven Central does not have.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class QueueBaselineBenchmark {
    /** Items moved per invocation; divisible by every {@code pairs} value. */
    static final int ITEMS = 20_000;
    static final Object ITEM = new Object();
    /**
     * Distinct items for the iterator floor: yielding one constant let the JIT fold the whole
     * loop (0.02 ns per item in a first run), which is not what a generator's consumer sees.
     */
    static final Object[] DISTINCT = new Object[ITEMS];

    static {
        for (int i = 0; i < ITEMS; i++) {
            DISTINCT[i] = Integer.valueOf(i);
        }
    }

    /** A blocking hand-off between threads: the common shape of every channel peer. */
    interface Pipe {
        void send(Object item) throws InterruptedException;

        Object receive() throws InterruptedException;
    }

    /** The channel implementations. Add weft's channel here when it exists. */
    public enum Impl {
        ABQ_16 {
            @Override
            Pipe create() {
                return queue(new ArrayBlockingQueue<>(16));
            }
        },
        ABQ_1024 {
            @Override
            Pipe create() {
                return queue(new ArrayBlockingQueue<>(1024));
            }
        },
        LINKED_TRANSFER_QUEUE {
            @Override
            Pipe create() {
                return queue(new LinkedTransferQueue<>());
            }
        },
        SYNCHRONOUS_QUEUE {
            @Override
            Pipe create() {
                return queue(new SynchronousQueue<>());
            }
        },
        JOX_BUFFERED_16 {
            @Override
            Pipe create() {
                return jox(Channel.newBufferedChannel(16));
            }
        },
        JOX_BUFFERED_1024 {
            @Override
            Pipe create() {
                return jox(Channel.newBufferedChannel(1024));
            }
        },
        JOX_RENDEZVOUS {
            @Override
            Pipe create() {
                return jox(Channel.newRendezvousChannel());
            }
        },
        WEFT_BOUNDED_16 {
            @Override
            Pipe create() {
                return weft(dev.weft.Channel.bounded(16));
            }
        },
        WEFT_BOUNDED_1024 {
            @Override
            Pipe create() {
                return weft(dev.weft.Channel.bounded(1024));
            }
        },
        WEFT_UNBOUNDED {
            @Override
            Pipe create() {
                return weft(dev.weft.Channel.unbounded());
            }
        },
        WEFT_RENDEZVOUS {
            @Override
            Pipe create() {
                return weft(dev.weft.Channel.rendezvous());
            }
        };

        abstract Pipe create();

        static Pipe queue(BlockingQueue<Object> q) {
            return new Pipe() {
                @Override
                public void send(Object item) throws InterruptedException {
                    q.put(item);
                }

                @Override
                public Object receive() throws InterruptedException {
                    return q.take();
                }
            };
        }

        static Pipe weft(dev.weft.Channel<Object> c) {
            return new Pipe() {
                @Override
                public void send(Object item) {
                    c.send(item);
                }

                @Override
                public Object receive() {
                    return c.receive();
                }
            };
        }

        static Pipe jox(Channel<Object> c) {
            return new Pipe() {
                @Override
                public void send(Object item) throws InterruptedException {
                    c.send(item);
                }

                @Override
                public Object receive() throws InterruptedException {
                    return c.receive();
                }
            };
        }
    }

    /** The channel under test and the number of producer/consumer pairs. */
    @State(Scope.Thread)
    public static class Channels {
        /** The implementation. */
        @Param
        public Impl impl;

        /** Producers, and as many consumers. */
        @Param({"1", "4"})
        public int pairs;

        Pipe pipe;

        /** Creates the channel. */
        @Setup(Level.Trial)
        public void create() {
            pipe = impl.create();
        }
    }

    /** Channel peers: time per item handed from {@code pairs} producers to {@code pairs} consumers. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void handOff(Channels s) throws InterruptedException {
        Pipe pipe = s.pipe;
        int per = ITEMS / s.pairs;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[2 * s.pairs];
        for (int p = 0; p < s.pairs; p++) {
            threads[2 * p] = Thread.ofVirtual().start(guarded(failure, () -> {
                for (int i = 0; i < per; i++) {
                    pipe.send(ITEM);
                }
            }));
            threads[2 * p + 1] = Thread.ofVirtual().start(guarded(failure, () -> {
                for (int i = 0; i < per; i++) {
                    if (pipe.receive() != ITEM) {
                        throw new AssertionError("wrong item");
                    }
                }
            }));
        }
        joinAll(threads, failure);
    }

    /** The kotlinx channel under test and the number of producer/consumer pairs. */
    @State(Scope.Thread)
    public static class KotlinChannels {
        /** {@code Channel(capacity)}: 16 is buffered, 0 is {@code Channel.RENDEZVOUS}. */
        @Param({"16", "0"})
        public int capacity;

        /** Producers, and as many consumers. */
        @Param({"1", "4"})
        public int pairs;
    }

    /** kotlinx peers: time per item handed between coroutines through {@code Channel(capacity)}. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void kotlinHandOff(KotlinChannels s) {
        Coroutines.channelHandOff(s.capacity, ITEMS, s.pairs);
    }

    /** Generator floor: a plain {@link Iterator} producing {@value #ITEMS} distinct items, per item. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorPeerIterator(Blackhole bh) {
        Iterator<Object> it = new Counting(DISTINCT);
        while (it.hasNext()) {
            bh.consume(it.next());
        }
    }

    /** Generator peer: one virtual thread puts each item in a SynchronousQueue, another takes it. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorPeerSynchronousQueue() throws InterruptedException {
        SynchronousQueue<Object> q = new SynchronousQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = Thread.ofVirtual().start(guarded(failure, () -> {
            for (int i = 0; i < ITEMS; i++) {
                q.put(ITEM);
            }
        }));
        Thread consumer = Thread.ofVirtual().start(guarded(failure, () -> {
            for (int i = 0; i < ITEMS; i++) {
                if (q.take() != ITEM) {
                    throw new AssertionError("wrong item");
                }
            }
        }));
        joinAll(new Thread[] {producer, consumer}, failure);
    }


    /**
     * Generator peer, kotlinx-coroutines: {@code sequence { yield(item) }} iterated on JMH's
     * thread, {@value #ITEMS} distinct items, per item. A stackless generator: the body is a
     * state machine resumed by the iterator's {@code next} on the same thread, so an item costs a
     * call and a return, no hand-off between threads; a different model from weft's.
     */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public int generatorPeerKotlinSequence(Blackhole bh) {
        return Coroutines.sequenceIterate(DISTINCT, bh);
    }

    /**
     * Generator peer, kotlinx-coroutines: a {@code produce { send(item) }} rendezvous producer
     * consumed by a coroutine, both on {@code Dispatchers.Default}, per item: two coroutines and
     * a hand-off per item, the closest kotlinx has to weft's two-thread generator (its producer
     * runs one item ahead, as in {@link #generatorPeerSynchronousQueue}).
     */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public int generatorPeerKotlinProduce() {
        return Coroutines.produceConsume(ITEMS);
    }

    /**
     * The floor of any generator backed by a thread: two virtual threads in lock-step, one round
     * trip per item (the consumer asks, the producer answers, the consumer waits meanwhile), by a
     * volatile turn word and {@code LockSupport.park/unpark}, yielding the carrier {@code yields}
     * times before parking. Unlike {@link #generatorPeerSynchronousQueue}, the producer never runs
     * ahead: this is what a generator pays per item before any of its own work.
     */
    static final class PingPong {
        private final int spins;
        private final int yields;
        private volatile int turn; // 0: the consumer's, 1: the producer's
        private volatile Thread consumer;
        private volatile Thread producer;
        private Object item;

        PingPong(int yields) {
            this(0, yields);
        }

        /** Spins {@code spins} rounds of {@link Thread#onSpinWait} first, then yields and parks. */
        PingPong(int spins, int yields) {
            this.spins = spins;
            this.yields = yields;
        }

        private void await(int mine) {
            for (int i = 0; i < spins && turn != mine; i++) {
                Thread.onSpinWait();
            }
            for (int round = 0; turn != mine; round++) {
                if (round < yields) {
                    Thread.yield();
                } else {
                    java.util.concurrent.locks.LockSupport.park(this);
                }
            }
        }

        /** The consumer's side: hands the turn over and waits for the item. */
        Object ask() {
            turn = 1;
            java.util.concurrent.locks.LockSupport.unpark(producer);
            await(0);
            Object v = item;
            item = null;
            return v;
        }

        /** The producer's side: waits for a request and answers it. */
        void answer(Object v) {
            await(1);
            item = v;
            turn = 0;
            java.util.concurrent.locks.LockSupport.unpark(consumer);
        }

        void run() throws InterruptedException {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            turn = 0;
            Thread p = Thread.ofVirtual().unstarted(guarded(failure, () -> {
                for (int i = 0; i < ITEMS; i++) {
                    answer(ITEM);
                }
            }));
            producer = p;
            Thread c = Thread.ofVirtual().unstarted(guarded(failure, () -> {
                for (int i = 0; i < ITEMS; i++) {
                    if (ask() != ITEM) {
                        throw new AssertionError("wrong item");
                    }
                }
            }));
            consumer = c;
            p.start();
            c.start();
            joinAll(new Thread[] {p, c}, failure);
        }
    }

    /** Generator floor: lock-step round trip per item, park/unpark only. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorPark() throws InterruptedException {
        new PingPong(0).run();
    }

    /** Generator floor: lock-step round trip per item, yielding the carrier twice before parking. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorYield2() throws InterruptedException {
        new PingPong(2).run();
    }

    /** Generator floor: lock-step round trip per item, yielding the carrier 8 times before parking. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorYield8() throws InterruptedException {
        new PingPong(8).run();
    }

    /**
     * Generator floor: lock-step round trip per item, spinning 32 rounds of
     * {@link Thread#onSpinWait} whatever the partner does, then yielding 8 times, then parking.
     * While both threads are mounted on different carriers a hand-off costs no scheduling at all
     * (a yield alone costs about 500 ns on this machine); when the partner waits for a carrier
     * the spin is wasted. weft's generator spins so while its spins pay.
     */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorSpin32Yield8() throws InterruptedException {
        new PingPong(32, 8).run();
    }

    /**
     * Generator floor with JDK queues: two {@code SynchronousQueue}s, one for the request and one
     * for the answer, one round trip per item.
     */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorSynchronousQueues() throws InterruptedException {
        SynchronousQueue<Object> requests = new SynchronousQueue<>();
        SynchronousQueue<Object> answers = new SynchronousQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = Thread.ofVirtual().start(guarded(failure, () -> {
            for (int i = 0; i < ITEMS; i++) {
                requests.take();
                answers.put(ITEM);
            }
        }));
        Thread consumer = Thread.ofVirtual().start(guarded(failure, () -> {
            for (int i = 0; i < ITEMS; i++) {
                requests.put(ITEM);
                if (answers.take() != ITEM) {
                    throw new AssertionError("wrong item");
                }
            }
        }));
        joinAll(new Thread[] {producer, consumer}, failure);
    }


    /**
     * A lock-step pair that spins instead of switching while its partner is known to be running:
     * the state word says whose turn it is and whether that side has woken up ({@code *_RUN}); a
     * waiter spins (up to {@code spins} rounds) only while its partner is running, so the partner
     * is on another carrier, then yields twice, then parks. The waker unparks only a parked waiter.
     * This is the floor when both threads stay mounted: two cache-line transfers per round trip.
     */
    static final class SpinPingPong {
        static final int TO_P = 0, P_RUN = 1, TO_C = 2, C_RUN = 3;
        private final int spins;
        private volatile int state = C_RUN;
        private volatile boolean consumerParked, producerParked;
        private Thread consumer, producer;
        private Object item;

        SpinPingPong(int spins) {
            this.spins = spins;
        }

        private void await(boolean isConsumer) {
            int mine = isConsumer ? TO_C : TO_P;
            int partnerRunning = isConsumer ? P_RUN : C_RUN;
            int spun = 0, yielded = 0;
            for (;;) {
                int s = state;
                if (s == mine) {
                    state = mine + 1;
                    return;
                }
                if (s == partnerRunning && spun < spins) {
                    spun++;
                    Thread.onSpinWait();
                } else if (yielded < 2) {
                    yielded++;
                    Thread.yield();
                } else {
                    if (isConsumer) {
                        consumerParked = true;
                    } else {
                        producerParked = true;
                    }
                    if (state != mine) {
                        java.util.concurrent.locks.LockSupport.park(this);
                    }
                    if (isConsumer) {
                        consumerParked = false;
                    } else {
                        producerParked = false;
                    }
                }
            }
        }

        Object ask() {
            state = TO_P;
            if (producerParked) {
                java.util.concurrent.locks.LockSupport.unpark(producer);
            }
            await(true);
            Object v = item;
            item = null;
            return v;
        }

        void answer(Object v) {
            await(false);
            item = v;
            state = TO_C;
            if (consumerParked) {
                java.util.concurrent.locks.LockSupport.unpark(consumer);
            }
        }

        void run() throws InterruptedException {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            producer = Thread.ofVirtual().unstarted(guarded(failure, () -> {
                for (int i = 0; i < ITEMS; i++) {
                    answer(ITEM);
                }
            }));
            consumer = Thread.ofVirtual().unstarted(guarded(failure, () -> {
                for (int i = 0; i < ITEMS; i++) {
                    if (ask() != ITEM) {
                        throw new AssertionError("wrong item");
                    }
                }
            }));
            producer.start();
            consumer.start();
            joinAll(new Thread[] {producer, consumer}, failure);
        }
    }

    /** Generator floor when both threads stay mounted: lock-step, spinning while the partner runs. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorFloorSpin() throws InterruptedException {
        new SpinPingPong(200).run();
    }

    /**
     * weft's {@link dev.weft.Generator}: a virtual-thread consumer iterates {@value #ITEMS} values
     * yielded by the generator's body, each step handed back and forth (compare with
     * {@link #generatorPeerSynchronousQueue}, two virtual threads, and the plain iterator).
     */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void generatorWeft() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread consumer = Thread.ofVirtual().start(guarded(failure, () -> {
            try (dev.weft.Generator<Object> g = dev.weft.Generator.of(out -> {
                for (int i = 0; i < ITEMS; i++) {
                    out.yield(ITEM);
                }
            })) {
                int n = 0;
                for (Object o : g) {
                    if (o != ITEM) {
                        throw new AssertionError("wrong item");
                    }
                    n++;
                }
                if (n != ITEMS) {
                    throw new AssertionError("lost items");
                }
            }
        }));
        joinAll(new Thread[] {consumer}, failure);
    }

    /** An iterator over the elements of an array, as simple as an iterator gets. */
    static final class Counting implements Iterator<Object> {
        private final Object[] items;
        private int i;

        Counting(Object[] items) {
            this.items = items;
        }

        @Override
        public boolean hasNext() {
            return i < items.length;
        }

        @Override
        public Object next() {
            if (i >= items.length) {
                throw new NoSuchElementException();
            }
            return items[i++];
        }
    }

    /** A body that may throw; its failure is recorded instead of lost in a virtual thread. */
    interface Body {
        void run() throws Exception;
    }

    static Runnable guarded(AtomicReference<Throwable> failure, Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
    }

    /** Joins every thread (within 60 s each) and fails the benchmark if one failed or hung. */
    static void joinAll(Thread[] threads, AtomicReference<Throwable> failure) throws InterruptedException {
        for (Thread t : threads) {
            if (!t.join(java.time.Duration.ofSeconds(60))) {
                throw new IllegalStateException("a producer or consumer hung: " + t);
            }
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("a producer or consumer failed", f);
        }
    }
}
