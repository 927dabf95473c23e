package dev.weft.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A persistent hash map that can also be written in place while one owner holds it open: the
 * storage behind weft's {@code Context}.
 *
 * <p>One file of some 680 lines: the trie, its node encoding and its invariants belong together,
 * and the design essay below is kept beside the code it explains (as CPython's {@code hamt.c}).
 *
 * <h2>Algorithm</h2>
 * A hash array mapped trie (Bagwell) in the compressed "CHAMP" layout (Steindorfer and Vinju).
 * A key's {@code hashCode()} is spread ({@link #spread}) and then consumed five bits at a time,
 * lowest bits first: the node at depth {@code d} branches 32 ways on bits {@code 5d..5d+4}
 * (the seventh level, shift 30, sees the last two bits). An update copies the path from the root
 * to the changed node and shares every other node with the old map ("path copying"), so
 * {@code put}/{@code remove} allocate O(log32 n) small arrays and every older version stays valid.
 *
 * <h2>Node encoding</h2>
 * <ul>
 * <li>{@link BitmapNode}: {@code dataMap} marks the slots that hold one entry inline,
 *     {@code nodeMap} the slots that hold a sub-node; the two are disjoint. Entries are stored
 *     compactly in slot order: key/value pairs interleaved at the front of {@code slots}, sub-nodes
 *     from the back in reverse slot order, so a slot's array index is one {@link Integer#bitCount}
 *     of a bitmap below the slot's bit. {@code hashes[i]} caches the spread hash of data entry
 *     {@code i}: a lookup tries {@code ==} on the key (a hit with the very key object, weft's common
 *     case, never reads {@code hashes}), then compares ints before it calls {@code equals}, so a
 *     miss calls no {@code equals} at all; and pushing an entry one level down never re-invokes user
 *     {@code hashCode()} (which could be slow or throw). Keeping data and sub-nodes apart (CHAMP)
 *     lets a lookup test one bitmap and reach the entry without a type check, and lets iteration
 *     and equality walk flat arrays.</li>
 * <li>{@link CollisionNode}: two or more entries whose full 32-bit spread hashes are equal, in a
 *     linear array (unordered; insertion order). It stands wherever its group would otherwise need
 *     a chain of single-child bitmap nodes, which keeps colliding keys shallow.</li>
 * </ul>
 * Spreading ({@code h ^ (h >>> 16)}, as in {@code java.util.HashMap}) lets keys that differ only in
 * high bits part at the root; it is a bijection (an involution, even), so distinct hashes stay
 * distinct and equal full hashes are exactly the collisions. Small sequential hashes are unchanged,
 * so up to 32 keys with consecutive hash codes (e.g. counter-assigned ids) share the root node.
 * There is deliberately no separate "array map" for tiny maps: a root lookup is already one
 * bitmap test, one bitCount and one load, with no loop. With arbitrary hashes (identity hashes,
 * say) ten keys share a root slot with probability about 0.8 (the birthday bound), which costs
 * one more such step; a key type on the hot path should therefore hand out sequential hashes.
 *
 * <h2>Open maps</h2>
 * A map made by {@link #putInPlace} or {@link #removeInPlace} is <em>open</em>: it belongs to one
 * owner, who may keep changing it in place, until {@link #freeze()} makes it immutable for good
 * (as Clojure's transients, with the map itself as the edit token). Every node that an open map
 * creates is tagged with that map ({@code BitmapNode.edit}); a later in-place operation of the
 * same open map overwrites a value or a sub-node reference in a node tagged with it instead of
 * copying the node, and replaces {@link #root} and {@link #size} in place. Nodes that it did not
 * create (shared with the frozen map it started from) are copied as in a persistent update, and
 * the copies are tagged. A persistent {@link #put}/{@link #remove} of an open map is refused:
 * its result would share nodes that the owner may still write.
 *
 * <h2>Invariants</h2>
 * <ol>
 * <li>A node's bitmaps and array lengths never change after construction. In place, only a
 *     value slot (with another value) or a sub-node slot (with another node for the same slot)
 *     is overwritten, and only in a node tagged with an open map, by that map's owner. A node
 *     tagged with an open map is reachable from that map only ({@link #snapshot()} copies the
 *     tagged nodes, freezing does not untag them but no one writes through a frozen map). Hence
 *     a frozen map never changes, and a racy reader of an open map always walks well-formed
 *     nodes and sees each slot either before or after a write. An exception from a key's
 *     {@code hashCode}/{@code equals} leaves every map intact: every in-place write happens
 *     after the last call of user code of its operation.</li>
 * <li>Canonical shape: the trie depends only on the set of entries (up to the order inside a
 *     collision node). Every non-root node holds at least two entries; a non-root bitmap node is
 *     never "one data entry and nothing else" (that entry is inlined into the parent) nor "only one
 *     sub-node, which is a collision node" (the collision node takes its place). {@code put} only
 *     creates canonical nodes; {@code remove} restores canonicity bottom-up as it copies the path.
 *     {@link #equals} relies on this: it compares tries structurally, with an identity shortcut
 *     that makes comparing a map with its close relatives cheap.</li>
 * <li>Depth: at most seven bitmap levels (shifts 0..30) plus one collision node, so the recursive
 *     {@code put}/{@code remove} recurse at most eight deep and the iterator needs a fixed stack.</li>
 * <li>A key that is already present keeps its original key object (as in {@code HashMap}); a put
 *     of the identical ({@code ==}) value returns the same map, so callers can detect no-ops.</li>
 * </ol>
 *
 * <h2>Memory ordering</h2>
 * Every field of every node is {@code final}: by the final-field rule of the JMM, a thread that
 * obtains a reference to a node, even through a data race, sees it and its array as constructed.
 * The map object's {@link #root} and {@link #size} are not final (an open map replaces them), so
 * a map must be handed to another thread with a happens-before edge (weft's {@code Context}
 * publishes it with a release write and reads it with an acquire). {@link #freeze()} is a release
 * write and {@link #snapshot()} an acquire read of the open flag, so a reader that finds a map
 * frozen sees every write made while it was open. A reader that must see several entries of an
 * open map as one state (a copy from another thread) needs the owner's cooperation: weft's
 * {@code Context} wraps every write in a sequence lock and validates {@link #snapshot()} with it.
 *
 * <p>Null keys are rejected with {@link NullPointerException} by every operation; {@code null} is a
 * legal value, distinct from "absent".
 *
 * @param <K> key type, compared by {@code hashCode()} and {@code equals()}
 * @param <V> value type
 */
public final class Hamt<K, V> implements Iterable<Map.Entry<K, V>> {

    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    /** Largest shift at which a bitmap node can sit (it branches on hash bits 30 and 31). */
    private static final int MAX_SHIFT = 30;
    /** Seven bitmap levels plus one collision node. */
    private static final int MAX_DEPTH = MAX_SHIFT / BITS + 2;
    private static final int[] NO_HASHES = new int[0];
    /** Result of {@link #find} for an absent key; distinct from every storable value, null included. */
    private static final Object NOT_FOUND = new Object();
    private static final Hamt<?, ?> EMPTY = new Hamt<>(BitmapNode.EMPTY, 0, false);
    private static final VarHandle OPEN;

    static {
        try {
            OPEN = MethodHandles.lookup().findVarHandle(Hamt.class, "open", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Replaced in place only while {@link #open}, by the owner. */
    private BitmapNode root;
    /** Replaced in place only while {@link #open}, by the owner. */
    private int size;
    /** Whether the owner may still write this map in place; once false, false for good. */
    private boolean open;
    /**
     * Moves on every in-place operation of this open map and when it is frozen; see
     * {@link #layout()}. Written by the owner only (or by the thread that freezes it).
     */
    private int layout;

    private Hamt(BitmapNode root, int size, boolean open) {
        this.root = root;
        this.size = size;
        this.open = open;
    }

    /** The empty map (a shared instance). */
    @SuppressWarnings("unchecked")
    public static <K, V> Hamt<K, V> empty() {
        return (Hamt<K, V>) EMPTY;
    }

    /** The number of entries, in O(1). */
    public int size() {
        return size;
    }

    /** The value mapped to {@code key} (possibly {@code null}), or {@code fallback} if absent. */
    @SuppressWarnings("unchecked")
    public V getOrDefault(Object key, V fallback) {
        Object v = find(key);
        return v == NOT_FOUND ? fallback : (V) v;
    }

    /** Whether {@code key} is mapped, even to {@code null}. */
    public boolean containsKey(Object key) {
        return find(key) != NOT_FOUND;
    }

    /**
     * The hot path of {@code ContextVar.get}: an iterative descent without allocation, boxing or
     * virtual calls other than the key's own {@code hashCode}/{@code equals}.
     */
    private Object find(Object key) {
        int h = spread(key.hashCode());
        Slot at = new Slot(); // scalar-replaced: descend inlines
        Node n = descend(key, h, at);
        if (n instanceof BitmapNode b) {
            return b.slots[at.index];
        }
        return n == null ? NOT_FOUND : ((CollisionNode) n).find(key, h);
    }

    /**
     * The one descent of {@link #find} and {@link #locate}: returns the bitmap node that holds
     * {@code key}'s entry, with {@code at.index} set to its value's index; or the collision node
     * where {@code key} would be; or null when {@code key} is absent.
     */
    private Node descend(Object key, int h, Slot at) {
        BitmapNode n = root;
        for (int shift = 0; ; shift += BITS) {
            int bit = 1 << ((h >>> shift) & MASK);
            int dataMap = n.dataMap;
            if ((dataMap & bit) != 0) {
                int i = Integer.bitCount(dataMap & (bit - 1));
                Object k = n.slots[2 * i];
                // Identity first: a hit with the same key object (ContextVar's case) skips hashes[].
                if (k == key || n.hashes[i] == h && key.equals(k)) {
                    at.index = 2 * i + 1;
                    return n;
                }
                return null;
            }
            int nodeMap = n.nodeMap;
            if ((nodeMap & bit) == 0) {
                return null;
            }
            Object[] slots = n.slots;
            Object sub = slots[slots.length - 1 - Integer.bitCount(nodeMap & (bit - 1))];
            if (!(sub instanceof BitmapNode b)) {
                return (CollisionNode) sub;
            }
            n = b;
        }
    }

    /**
     * This map with {@code key} mapped to {@code value}; {@code this} if {@code key} already maps
     * to the identical ({@code ==}) value.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public Hamt<K, V> put(K key, V value) {
        int h = spread(Objects.requireNonNull(key, "key").hashCode());
        requireFrozen();
        return put(key, h, value, new Update());
    }

    /**
     * As {@link #put(Object, Object)}, and leaves in {@code update} the value {@code key} mapped
     * to before ({@link Update#old(Object)}), found by the same descent: a caller that needs the old
     * value and the new map pays one traversal, not two. {@code update} is overwritten by each
     * call and may be reused by one thread at a time.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public Hamt<K, V> put(K key, V value, Update update) {
        int h = spread(Objects.requireNonNull(key, "key").hashCode());
        requireFrozen();
        update.old = NOT_FOUND;
        return put(key, h, value, update);
    }

    private Hamt<K, V> put(K key, int h, V value, Update change) {
        BitmapNode r = (BitmapNode) root.put(key, h, value, 0, change, null);
        return r == root ? this : new Hamt<>(r, change.old == NOT_FOUND ? size + 1 : size, false);
    }

    /**
     * This map without {@code key}; {@code this} if {@code key} is absent.
     *
     * @throws IllegalStateException if this map is open
     */
    public Hamt<K, V> remove(Object key) {
        int h = spread(key.hashCode());
        requireFrozen();
        Update change = new Update();
        BitmapNode r = (BitmapNode) root.remove(key, h, 0, change, null); // the root never collapses
        if (r == root) {
            return this;
        }
        return size == 1 ? empty() : new Hamt<>(r, size - 1, false);
    }

    /**
     * As {@link #put(Object, Object, Update)}, written in place: if this map is open, it is
     * changed and returned; otherwise (this map is frozen and stays unchanged) the result is a new
     * open map, or {@code this} when {@code key} already maps to the identical value. Only the
     * owner of an open map may call this.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public Hamt<K, V> putInPlace(K key, V value, Update update) {
        int h = spread(Objects.requireNonNull(key, "key").hashCode());
        update.old = NOT_FOUND;
        Hamt<K, V> target = open ? this : new Hamt<>(root, size, true);
        BitmapNode r = (BitmapNode) target.root.put(key, h, value, 0, update, target);
        if (target != this && r == root) {
            return this; // nothing changed: the new open map is not needed
        }
        target.layout++; // nodes may have been replaced: slots located before may be stale
        target.root = r;
        if (update.old == NOT_FOUND) {
            target.size++;
        }
        return target;
    }

    /**
     * This map without {@code key}, written in place as {@link #putInPlace}: this map changed,
     * a new open map, or {@code this} unchanged when {@code key} is absent. {@code update} gets
     * the removed value ({@link Update#old(Object)}). Only the owner of an open map may call this.
     */
    public Hamt<K, V> removeInPlace(Object key, Update update) {
        int h = spread(key.hashCode());
        update.old = NOT_FOUND;
        Hamt<K, V> target = open ? this : new Hamt<>(root, size, true);
        BitmapNode r = (BitmapNode) target.root.remove(key, h, 0, update, target);
        if (update.old == NOT_FOUND) {
            return this;
        }
        target.layout++;
        target.root = r;
        target.size--;
        return target;
    }

    /**
     * Finds {@code key}'s entry if this map is open and the entry sits in a node it may write in
     * place; then {@code slot} points at the entry's value and true is returned. No allocation,
     * no recursion: the fast path of a context's set. Only the owner of an open map may call this.
     */
    public boolean locate(Object key, Slot slot) {
        if (!open) {
            return false;
        }
        if (descend(key, spread(key.hashCode()), slot) instanceof BitmapNode b && b.edit == this) {
            slot.slots = b.slots;
            return true;
        }
        return false;
    }

    /**
     * A number that stays the same only while every slot {@link #locate} found in this map is
     * still the key's place in it and may still be written: it moves on every in-place
     * {@link #putInPlace} and {@link #removeInPlace} of this map and when it is frozen. Equal
     * layouts of two different maps mean nothing. Read by the owner of an open map only.
     *
     * @return the layout; compare it with the layout read when the slot was located
     */
    public int layout() {
        return layout;
    }

    /** Whether this map may still be written in place ({@link #putInPlace}); false once frozen. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Makes this map immutable for good (a release write: see the class overview); it may then
     * be shared. Returns {@code this}. Only the owner of an open map may call this.
     */
    public Hamt<K, V> freeze() {
        if (open) {
            layout++; // a slot located while open must not be written any more
            OPEN.setRelease(this, false);
        }
        return this;
    }

    /**
     * An immutable map with this map's entries: {@code this} if frozen, else a copy of the nodes
     * this open map may still write, sharing all others. Safe to call from any thread while the
     * owner writes: every node walked is well-formed; whether the entries read belong to one state
     * is for the caller to check (the class overview's sequence lock).
     */
    public Hamt<K, V> snapshot() {
        if (!(boolean) OPEN.getAcquire(this)) {
            return this;
        }
        int n = size;
        return new Hamt<>(root.detach(this), n, false);
    }

    private void requireFrozen() {
        if (open) {
            throw new IllegalStateException("a persistent update of an open Hamt would share nodes its owner"
                    + " still writes: freeze() it first, or use putInPlace/removeInPlace");
        }
    }

    /** Calls {@code action} on every entry, in iteration order. */
    @SuppressWarnings("overloads") // the lambda's arity tells it apart from Iterable.forEach
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Objects.requireNonNull(action, "action");
        root.forEach(action);
    }

    /** The entries, as immutable {@link AbstractMap.SimpleImmutableEntry}s (values may be null). */
    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        return new Iter<>(root);
    }

    /** Equal iff {@code o} is a {@code Hamt} with equal keys mapped to {@link Objects#equals} values. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Hamt<?, ?> other && other.size == size && root.sameContent(other.root);
    }

    /** The {@link Map#hashCode()} of a map with the same entries; O(n), calls only values' hashCode. */
    @Override
    public int hashCode() {
        return root.hashSum();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        forEach((k, v) -> sb.append(sb.length() == 1 ? "" : ", ").append(k).append('=').append(v));
        return sb.append('}').toString();
    }

    /** Hash bits as the trie sees them. An involution: {@code spread(spread(h)) == h}. */
    static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /**
     * Checks every structural invariant (bitmaps against arrays, cached hashes, placement, canonical
     * shape, collision groups, size) and throws {@link IllegalStateException} on the first breach.
     * For tests; calls keys' {@code hashCode}/{@code equals}.
     */
    void checkInvariants() {
        int n = root.check(0, 0, true);
        require(n == size, "size " + size + " but " + n + " entries");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("Hamt invariant broken: " + what);
        }
    }

    private static int index(int bitmap, int bit) {
        return Integer.bitCount(bitmap & (bit - 1));
    }

    /**
     * The out-parameter of a {@code put} or {@code removeInPlace}: the value it replaced or
     * removed, or none when the key was new (absent). Mutable scratch, used by one thread at a time
     * and never reachable from a map. Best made fresh for each call: when the put inlines, the JIT
     * then keeps it in registers.
     */
    public static final class Update {
        /** The replaced value, or {@link #NOT_FOUND} for a new key (so also: whether one was added). */
        Object old = NOT_FOUND;

        /** A fresh scratch object. */
        public Update() {
        }

        /**
         * Returns the value the last {@code put} replaced, or {@code absent} if the key was new.
         *
         * @param absent what to return for a new key
         * @return the old value (possibly null) or {@code absent}
         */
        public Object old(Object absent) {
            Object o = old;
            return o == NOT_FOUND ? absent : o;
        }
    }

    /**
     * A value's place in a node that an open map may write in place, found by {@link #locate}.
     * Scratch for one thread, as {@link Update}; valid until the map's next structural change.
     */
    public static final class Slot {
        Object[] slots;
        int index;

        /** A fresh slot, pointing nowhere. */
        public Slot() {
        }

        /**
         * Returns a new slot pointing where this one points, to keep beyond the scratch use of
         * this one.
         *
         * @return the copy
         */
        public Slot copy() {
            Slot c = new Slot();
            c.slots = slots;
            c.index = index;
            return c;
        }

        /**
         * Returns whether {@link #locate} found the key and this slot points at its value.
         *
         * @return true once located
         */
        public boolean found() {
            return slots != null;
        }

        /**
         * Returns the value in the slot.
         *
         * @return the value, possibly null
         */
        public Object get() {
            return slots[index];
        }

        /**
         * Overwrites the value in the slot: an in-place put of the located key.
         *
         * @param value the new value
         */
        public void set(Object value) {
            slots[index] = value;
        }
    }

    private abstract static sealed class Node permits BitmapNode, CollisionNode {
        /**
         * Returns this node if nothing changed here (or it was changed in place); sets
         * {@code change.old} when the key was present. {@code edit} is the open map doing the
         * put, or null for a persistent one: nodes tagged with it are written in place, new nodes
         * are tagged with it.
         */
        abstract Node put(Object key, int hash, Object value, int shift, Update change, Object edit);

        /**
         * Returns this node if the key is absent (or it was removed in place). Otherwise the
         * replacement, which may be a non-canonical bitmap node holding a single entry: the parent
         * always inlines it. Sets {@code change.old} when the key was present; {@code edit} as in
         * {@link #put}.
         */
        abstract Node remove(Object key, int hash, int shift, Update change, Object edit);

        abstract <K, V> void forEach(BiConsumer<? super K, ? super V> action);

        abstract boolean sameContent(Node other);

        abstract int hashSum();

        /** Checks invariants below this node, whose entries' hashes end in {@code prefix}. */
        abstract int check(int prefix, int shift, boolean isRoot);
    }

    private static final class BitmapNode extends Node {
        static final BitmapNode EMPTY = new BitmapNode(0, 0, NO_HASHES, new Object[0], null);

        final int dataMap;
        final int nodeMap;
        /** Spread hash of each data entry, in slot order. */
        final int[] hashes;
        /** {@code k0, v0, k1, v1, ..., sub[m-1], ..., sub[1], sub[0]}. */
        final Object[] slots;
        /** The open map that created this node and may write it in place, or null. */
        final Object edit;

        BitmapNode(int dataMap, int nodeMap, int[] hashes, Object[] slots, Object edit) {
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
            this.hashes = hashes;
            this.slots = slots;
            this.edit = edit;
        }

        /** Whether the open map {@code edit} may write this node in place. */
        private boolean writableBy(Object edit) {
            return edit != null && this.edit == edit;
        }

        @Override
        Node put(Object key, int hash, Object value, int shift, Update change, Object edit) {
            int bit = 1 << ((hash >>> shift) & MASK);
            if ((dataMap & bit) != 0) {
                int i = index(dataMap, bit);
                Object k = slots[2 * i];
                if (hashes[i] == hash && (k == key || key.equals(k))) {
                    Object old = slots[2 * i + 1];
                    change.old = old;
                    if (old == value) {
                        return this;
                    }
                    if (writableBy(edit)) {
                        slots[2 * i + 1] = value;
                        return this;
                    }
                    Object[] s = slots.clone();
                    s[2 * i + 1] = value;
                    return new BitmapNode(dataMap, nodeMap, hashes, s, edit);
                }
                Node sub = mergeEntries(k, slots[2 * i + 1], hashes[i], key, value, hash, shift + BITS, edit);
                return dataToNode(bit, i, sub, edit);
            }
            if ((nodeMap & bit) != 0) {
                int j = slots.length - 1 - index(nodeMap, bit);
                Node sub = (Node) slots[j];
                Node newSub = sub.put(key, hash, value, shift + BITS, change, edit);
                return newSub == sub ? this : withNodeAt(j, newSub, edit);
            }
            return insertData(bit, hash, key, value, edit);
        }

        @Override
        Node remove(Object key, int hash, int shift, Update change, Object edit) {
            int bit = 1 << ((hash >>> shift) & MASK);
            if ((dataMap & bit) != 0) {
                int i = index(dataMap, bit);
                Object k = slots[2 * i];
                if (hashes[i] != hash || !(k == key || key.equals(k))) {
                    return this;
                }
                change.old = slots[2 * i + 1];
                // Left with only a collision node: hoist it (a single data entry is the parent's job).
                if (shift > 0 && hashes.length == 1 && slots.length == 3 && slots[2] instanceof CollisionNode c) {
                    return c;
                }
                return removeData(bit, i, edit);
            }
            if ((nodeMap & bit) == 0) {
                return this;
            }
            int j = slots.length - 1 - index(nodeMap, bit);
            Node sub = (Node) slots[j];
            Node newSub = sub.remove(key, hash, shift + BITS, change, edit);
            if (newSub == sub) {
                return this;
            }
            if (newSub instanceof BitmapNode b && b.nodeMap == 0 && b.hashes.length == 1) {
                return nodeToData(bit, j, b.hashes[0], b.slots[0], b.slots[1], edit); // inline the survivor
            }
            if (shift > 0 && hashes.length == 0 && slots.length == 1 && newSub instanceof CollisionNode) {
                return newSub; // our only content is now a collision group: it takes our place
            }
            return withNodeAt(j, newSub, edit);
        }

        /** This node with sub-node {@code sub} at array index {@code j}: in place if {@code edit} may. */
        private BitmapNode withNodeAt(int j, Node sub, Object edit) {
            if (writableBy(edit)) {
                slots[j] = sub;
                return this;
            }
            Object[] s = slots.clone();
            s[j] = sub;
            return new BitmapNode(dataMap, nodeMap, hashes, s, edit);
        }

        private BitmapNode insertData(int bit, int hash, Object key, Object value, Object edit) {
            int i = index(dataMap, bit);
            Object[] s = new Object[slots.length + 2];
            System.arraycopy(slots, 0, s, 0, 2 * i);
            s[2 * i] = key;
            s[2 * i + 1] = value;
            System.arraycopy(slots, 2 * i, s, 2 * i + 2, slots.length - 2 * i);
            return new BitmapNode(dataMap | bit, nodeMap, withHash(i, hash), s, edit);
        }

        private BitmapNode removeData(int bit, int i, Object edit) {
            Object[] s = new Object[slots.length - 2];
            System.arraycopy(slots, 0, s, 0, 2 * i);
            System.arraycopy(slots, 2 * i + 2, s, 2 * i, s.length - 2 * i);
            return new BitmapNode(dataMap ^ bit, nodeMap, withoutHash(i), s, edit);
        }

        /** Replaces data entry {@code i} (in slot {@code bit}) by sub-node {@code sub}. */
        private BitmapNode dataToNode(int bit, int i, Node sub, Object edit) {
            Object[] s = new Object[slots.length - 1];
            int at = s.length - 1 - index(nodeMap, bit);
            System.arraycopy(slots, 0, s, 0, 2 * i);
            System.arraycopy(slots, 2 * i + 2, s, 2 * i, at - 2 * i); // later data, higher sub-nodes
            s[at] = sub;
            System.arraycopy(slots, at + 2, s, at + 1, s.length - at - 1); // lower sub-nodes
            return new BitmapNode(dataMap ^ bit, nodeMap ^ bit, withoutHash(i), s, edit);
        }

        /** Replaces the sub-node at array index {@code j} (in slot {@code bit}) by a data entry. */
        private BitmapNode nodeToData(int bit, int j, int hash, Object key, Object value, Object edit) {
            int i = index(dataMap, bit);
            Object[] s = new Object[slots.length + 1];
            System.arraycopy(slots, 0, s, 0, 2 * i);
            s[2 * i] = key;
            s[2 * i + 1] = value;
            System.arraycopy(slots, 2 * i, s, 2 * i + 2, j - 2 * i); // later data, higher sub-nodes
            System.arraycopy(slots, j + 1, s, j + 2, slots.length - j - 1); // lower sub-nodes
            return new BitmapNode(dataMap | bit, nodeMap ^ bit, withHash(i, hash), s, edit);
        }

        /**
         * This node with every node below that {@code edit} may write replaced by an untagged
         * copy: what a snapshot of the open map {@code edit} may share. Reads the slots racily.
         */
        BitmapNode detach(Object edit) {
            if (this.edit != edit) {
                return this;
            }
            Object[] s = slots.clone();
            for (int i = 2 * hashes.length; i < s.length; i++) {
                if (s[i] instanceof BitmapNode b) {
                    s[i] = b.detach(edit);
                }
            }
            return new BitmapNode(dataMap, nodeMap, hashes, s, null);
        }

        private int[] withHash(int i, int hash) {
            int[] h = new int[hashes.length + 1];
            System.arraycopy(hashes, 0, h, 0, i);
            h[i] = hash;
            System.arraycopy(hashes, i, h, i + 1, hashes.length - i);
            return h;
        }

        private int[] withoutHash(int i) {
            if (hashes.length == 1) {
                return NO_HASHES;
            }
            int[] h = new int[hashes.length - 1];
            System.arraycopy(hashes, 0, h, 0, i);
            System.arraycopy(hashes, i + 1, h, i, h.length - i);
            return h;
        }

        @Override
        @SuppressWarnings("unchecked")
        <K, V> void forEach(BiConsumer<? super K, ? super V> action) {
            int d = 2 * hashes.length;
            for (int i = 0; i < d; i += 2) {
                action.accept((K) slots[i], (V) slots[i + 1]);
            }
            for (int i = slots.length - 1; i >= d; i--) {
                ((Node) slots[i]).forEach(action);
            }
        }

        @Override
        boolean sameContent(Node other) {
            if (other == this) {
                return true;
            }
            if (!(other instanceof BitmapNode o) || o.dataMap != dataMap || o.nodeMap != nodeMap
                    || !Arrays.equals(o.hashes, hashes)) {
                return false;
            }
            int d = 2 * hashes.length;
            for (int i = 0; i < d; i += 2) {
                Object k = slots[i];
                Object ok = o.slots[i];
                if (!(k == ok || k.equals(ok)) || !Objects.equals(slots[i + 1], o.slots[i + 1])) {
                    return false;
                }
            }
            for (int i = d; i < slots.length; i++) {
                if (!((Node) slots[i]).sameContent((Node) o.slots[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        int hashSum() {
            int sum = 0;
            for (int i = 0; i < hashes.length; i++) { // Map.Entry.hashCode(): key's hash ^ value's hash
                sum += spread(hashes[i]) ^ Objects.hashCode(slots[2 * i + 1]);
            }
            for (int i = 2 * hashes.length; i < slots.length; i++) {
                sum += ((Node) slots[i]).hashSum();
            }
            return sum;
        }

        @Override
        int check(int prefix, int shift, boolean isRoot) {
            int d = hashes.length;
            int m = Integer.bitCount(nodeMap);
            require(shift <= MAX_SHIFT, "bitmap node at shift " + shift);
            require((dataMap & nodeMap) == 0, "slot both data and node");
            require(Integer.bitCount(dataMap) == d && slots.length == 2 * d + m, "bitmaps disagree with arrays");
            require(d > 0 || hashes == NO_HASHES, "empty hashes not shared");
            if (!isRoot) {
                require(d + m > 0, "empty non-root node");
                require(!(d == 1 && m == 0), "lone entry not inlined into parent");
                require(!(d == 0 && m == 1 && slots[0] instanceof CollisionNode), "lone collision node not hoisted");
            }
            int lowMask = (1 << shift) - 1;
            int count = d;
            int di = 0;
            int ni = 0;
            for (int slot = 0; slot <= MASK; slot++) {
                int bit = 1 << slot;
                if ((dataMap & bit) != 0) {
                    int h = hashes[di];
                    Object k = slots[2 * di++];
                    require(k != null && spread(k.hashCode()) == h, "stale cached hash for " + k);
                    require((h & lowMask) == prefix && ((h >>> shift) & MASK) == slot, "misplaced " + k);
                } else if ((nodeMap & bit) != 0) {
                    Object sub = slots[slots.length - 1 - ni++];
                    require(sub instanceof Node, "sub-node slot holds " + sub);
                    count += ((Node) sub).check(prefix | (slot << shift), shift + BITS, false);
                }
            }
            return count;
        }
    }

    /** Builds the subtree at {@code shift} for two entries of distinct keys. */
    private static Node mergeEntries(Object k1, Object v1, int h1, Object k2, Object v2, int h2, int shift,
                                     Object edit) {
        if (h1 == h2) {
            return new CollisionNode(h1, new Object[] {k1, v1, k2, v2});
        }
        assert shift <= MAX_SHIFT : "distinct hashes must part by shift 30";
        int s1 = (h1 >>> shift) & MASK;
        int s2 = (h2 >>> shift) & MASK;
        if (s1 == s2) {
            Node sub = mergeEntries(k1, v1, h1, k2, v2, h2, shift + BITS, edit);
            return new BitmapNode(0, 1 << s1, NO_HASHES, new Object[] {sub}, edit);
        }
        return s1 < s2
                ? new BitmapNode(1 << s1 | 1 << s2, 0, new int[] {h1, h2}, new Object[] {k1, v1, k2, v2}, edit)
                : new BitmapNode(1 << s1 | 1 << s2, 0, new int[] {h2, h1}, new Object[] {k2, v2, k1, v1}, edit);
    }

    /** Builds the subtree at {@code shift} for collision group {@code c} and an entry of another hash. */
    private static Node mergeWithCollision(CollisionNode c, Object key, Object value, int hash, int shift,
                                           Object edit) {
        assert shift <= MAX_SHIFT : "distinct hashes must part by shift 30";
        int sc = (c.hash >>> shift) & MASK;
        int sk = (hash >>> shift) & MASK;
        if (sc == sk) {
            Node sub = mergeWithCollision(c, key, value, hash, shift + BITS, edit);
            return new BitmapNode(0, 1 << sc, NO_HASHES, new Object[] {sub}, edit);
        }
        return new BitmapNode(1 << sk, 1 << sc, new int[] {hash}, new Object[] {key, value, c}, edit);
    }

    private static final class CollisionNode extends Node {
        /** The spread hash shared by every key here. */
        final int hash;
        /** {@code k0, v0, k1, v1, ...}: at least two entries, keys pairwise unequal. */
        final Object[] kvs;

        CollisionNode(int hash, Object[] kvs) {
            this.hash = hash;
            this.kvs = kvs;
        }

        Object find(Object key, int h) {
            int i = h == hash ? indexOf(key) : -1;
            return i < 0 ? NOT_FOUND : kvs[i + 1];
        }

        private int indexOf(Object key) {
            for (int i = 0; i < kvs.length; i += 2) {
                Object k = kvs[i];
                if (k == key || key.equals(k)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        Node put(Object key, int h, Object value, int shift, Update change, Object edit) {
            // Never written in place (collisions need 2^32 variables): copied in both modes.
            if (h != hash) {
                return mergeWithCollision(this, key, value, h, shift, edit);
            }
            int i = indexOf(key);
            if (i >= 0) {
                Object old = kvs[i + 1];
                change.old = old;
                if (old == value) {
                    return this;
                }
                Object[] a = kvs.clone();
                a[i + 1] = value;
                return new CollisionNode(hash, a);
            }
            Object[] a = Arrays.copyOf(kvs, kvs.length + 2);
            a[kvs.length] = key;
            a[kvs.length + 1] = value;
            return new CollisionNode(hash, a);
        }

        @Override
        Node remove(Object key, int h, int shift, Update change, Object edit) {
            int i = h == hash ? indexOf(key) : -1;
            if (i < 0) {
                return this;
            }
            change.old = kvs[i + 1];
            if (kvs.length == 4) { // one survivor: hand it up in a carrier node for the parent to inline
                int o = 2 - i;
                return new BitmapNode(1, 0, new int[] {hash}, new Object[] {kvs[o], kvs[o + 1]}, edit);
            }
            Object[] a = new Object[kvs.length - 2];
            System.arraycopy(kvs, 0, a, 0, i);
            System.arraycopy(kvs, i + 2, a, i, a.length - i);
            return new CollisionNode(hash, a);
        }

        @Override
        @SuppressWarnings("unchecked")
        <K, V> void forEach(BiConsumer<? super K, ? super V> action) {
            for (int i = 0; i < kvs.length; i += 2) {
                action.accept((K) kvs[i], (V) kvs[i + 1]);
            }
        }

        @Override
        boolean sameContent(Node other) {
            if (other == this) {
                return true;
            }
            if (!(other instanceof CollisionNode o) || o.hash != hash || o.kvs.length != kvs.length) {
                return false;
            }
            for (int i = 0; i < kvs.length; i += 2) { // same count, distinct keys: inclusion suffices
                int j = o.indexOf(kvs[i]);
                if (j < 0 || !Objects.equals(kvs[i + 1], o.kvs[j + 1])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        int hashSum() {
            int sum = 0;
            for (int i = 0; i < kvs.length; i += 2) {
                sum += spread(hash) ^ Objects.hashCode(kvs[i + 1]);
            }
            return sum;
        }

        @Override
        int check(int prefix, int shift, boolean isRoot) {
            require(!isRoot && kvs.length >= 4 && kvs.length % 2 == 0, "collision node with < 2 entries");
            int lowMask = shift >= 32 ? -1 : (1 << shift) - 1;
            require((hash & lowMask) == prefix, "misplaced collision node");
            for (int i = 0; i < kvs.length; i += 2) {
                require(kvs[i] != null && spread(kvs[i].hashCode()) == hash, "foreign key in collision node");
                for (int j = i + 2; j < kvs.length; j += 2) {
                    require(!kvs[i].equals(kvs[j]), "duplicate key " + kvs[i]);
                }
            }
            return kvs.length / 2;
        }
    }

    /** Depth-first iterator over a fixed stack (the trie is at most {@link #MAX_DEPTH} deep). */
    private static final class Iter<K, V> implements Iterator<Map.Entry<K, V>> {
        private final Node[] nodes = new Node[MAX_DEPTH];
        private final int[] nextSub = new int[MAX_DEPTH];
        private int depth = -1;
        private Object[] data; // key/value pairs of the node on top of the stack
        private int pos;
        private int end;

        Iter(BitmapNode root) {
            push(root);
        }

        private void push(Node n) {
            nodes[++depth] = n;
            nextSub[depth] = 0;
            pos = 0;
            if (n instanceof BitmapNode b) {
                data = b.slots;
                end = 2 * b.hashes.length;
            } else {
                data = ((CollisionNode) n).kvs;
                end = data.length;
            }
        }

        @Override
        public boolean hasNext() {
            while (pos >= end) {
                if (depth < 0) {
                    return false;
                }
                if (nodes[depth] instanceof BitmapNode b && nextSub[depth] < b.slots.length - 2 * b.hashes.length) {
                    push((Node) b.slots[b.slots.length - 1 - nextSub[depth]++]);
                } else {
                    nodes[depth--] = null;
                }
            }
            return true;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Map.Entry<K, V> e = new AbstractMap.SimpleImmutableEntry<>((K) data[pos], (V) data[pos + 1]);
            pos += 2;
            return e;
        }
    }
}
