package dev.weft.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class HamtTest {

    /** Arms a {@link Key}'s {@code hashCode} or {@code equals} to throw. */
    static final class Trap {
        volatile boolean hashArmed;
        volatile boolean equalsArmed;
    }

    static final class HashBomb extends RuntimeException {
        HashBomb() {
            super("hashCode trap", null, false, false);
        }
    }

    static final class EqualsBomb extends RuntimeException {
        EqualsBomb() {
            super("equals trap", null, false, false);
        }
    }

    /** A key whose hash the test chooses and whose equality is by {@code id} alone. */
    static final class Key {
        final int id;
        final int hash;
        final Trap trap;

        Key(int id, int hash, Trap trap) {
            this.id = id;
            this.hash = hash;
            this.trap = trap;
        }

        Key(int id, int hash) {
            this(id, hash, null);
        }

        /** A key whose hash, as the trie sees it after spreading, is exactly {@code trieHash}. */
        static Key trieHashed(int id, int trieHash) {
            return new Key(id, Hamt.spread(trieHash));
        }

        Key copy() {
            return new Key(id, hash, trap);
        }

        @Override
        public int hashCode() {
            if (trap != null && trap.hashArmed) {
                throw new HashBomb();
            }
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (trap != null && trap.equalsArmed) {
                throw new EqualsBomb();
            }
            return o instanceof Key k && k.id == id;
        }

        @Override
        public String toString() {
            return "K" + id;
        }
    }

    /** Checks invariants and returns the contents as a HashMap (failing on a duplicate key). */
    static <K, V> Map<K, V> contents(Hamt<K, V> m) {
        m.checkInvariants();
        Map<K, V> out = new HashMap<>();
        for (Map.Entry<K, V> e : m) {
            assertFalse(out.containsKey(e.getKey()), () -> "duplicate key " + e.getKey());
            out.put(e.getKey(), e.getValue());
        }
        assertEquals(m.size(), out.size());
        return out;
    }

    static <K, V> Hamt<K, V> of(Map<K, V> entries) {
        Hamt<K, V> m = Hamt.empty();
        for (Map.Entry<K, V> e : entries.entrySet()) {
            m = m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** The empty map has no entries, finds nothing and prints as {@code {}}. */
    @Test
    void emptyMapHasNoEntries() {
        Hamt<String, String> m = Hamt.empty();
        assertEquals(0, m.size());
        assertEquals("fb", m.getOrDefault("a", "fb"));
        assertFalse(m.containsKey("a"));
        assertFalse(m.iterator().hasNext());
        assertEquals("{}", m.toString());
        assertEquals(0, m.hashCode());
        assertSame(Hamt.empty(), m);
        m.checkInvariants();
    }

    /**
     * The three-argument put reports the value it replaced (null included), or the caller's
     * "absent" marker for a new key, from the same descent, in bitmap nodes at every depth and in
     * collision nodes; it builds the same map as the two-argument put, and a reused scratch
     * object reports each put's own old value.
     */
    @Test
    void putWithUpdateReportsTheReplacedValue() {
        Object absent = new Object();
        Hamt.Update u = new Hamt.Update();
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            keys.add(new Key(i, i)); // sequential: root entries, then sub-nodes
        }
        keys.add(Key.trieHashed(100, 7 | 1 << 20)); // shares low bits with key 7: a deeper level
        keys.add(new Key(101, 12345)); // two keys with one full hash: a collision node
        keys.add(new Key(102, 12345));
        keys.add(new Key(103, 12345));
        Hamt<Key, Object> m = Hamt.empty();
        Hamt<Key, Object> plain = Hamt.empty();
        for (Key k : keys) {
            m = m.put(k, null, u);
            plain = plain.put(k, null);
            assertSame(absent, u.old(absent), () -> "new key " + k);
        }
        assertEquals(plain, m);
        m.checkInvariants();
        for (Key k : keys) {
            Hamt<Key, Object> before = m;
            m = m.put(k.copy(), "v" + k.id, u);
            assertNull(u.old(absent), () -> "null replaced at " + k);
            assertNotSame(before, m);
            m = m.put(k, "w" + k.id, u);
            assertEquals("v" + k.id, u.old(absent));
            Hamt<Key, Object> same = m;
            Object w = m.getOrDefault(k, null);
            m = m.put(k, w, u);
            assertSame(same, m, "an identical value leaves the map as it was");
            assertSame(w, u.old(absent));
        }
        assertEquals(keys.size(), m.size());
        m.checkInvariants();
    }

    /** Put then get returns each value, and size counts distinct keys only. */
    @Test
    void putThenGetReturnsValueAndSizeCountsDistinctKeys() {
        Hamt<Integer, String> m = Hamt.empty();
        for (int i = 0; i < 1000; i++) {
            m = m.put(i, "v" + i);
            assertEquals(i + 1, m.size());
        }
        for (int i = 0; i < 1000; i++) {
            m = m.put(i, "w" + i);
        }
        assertEquals(1000, m.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals("w" + i, m.getOrDefault(i, null));
            assertTrue(m.containsKey(i));
        }
        assertFalse(m.containsKey(1000));
        assertEquals(1000, contents(m).size());
    }

    /** A null value is stored and found, and differs from an absent key. */
    @Test
    void nullValueIsDistinctFromAbsent() {
        Hamt<String, String> m = Hamt.<String, String>empty().put("a", null);
        assertEquals(1, m.size());
        assertTrue(m.containsKey("a"));
        assertNull(m.getOrDefault("a", "fb"));
        assertEquals("fb", m.getOrDefault("b", "fb"));
        assertEquals("{a=null}", m.toString());
        Map.Entry<String, String> e = m.iterator().next();
        assertEquals("a", e.getKey());
        assertNull(e.getValue());
        assertNotEquals(Hamt.empty(), m);
        assertSame(m, m.put("a", null));
        Hamt<String, String> withValue = m.put("a", "x");
        assertNotSame(m, withValue);
        assertEquals("x", withValue.getOrDefault("a", null));
        assertEquals(m, withValue.put("a", null));
    }

    /** Putting the identical value under an existing key returns the very same map. */
    @Test
    void putOfIdenticalValueReturnsSameMap() {
        Object v = new Object();
        Hamt<Integer, Object> m = Hamt.empty();
        for (int i = 0; i < 100; i++) {
            m = m.put(i, v);
        }
        for (int i = 0; i < 100; i++) {
            assertSame(m, m.put(i, v));
            assertSame(m, m.put(Integer.valueOf(i + 0), m.getOrDefault(i, null)));
        }
    }

    /** Putting an equal but non-identical value gives a new map, equal to the old one. */
    @Test
    void putOfEqualButNotIdenticalValueGivesNewMap() {
        String v1 = new String("same");
        String v2 = new String("same");
        Hamt<String, String> m = Hamt.<String, String>empty().put("k", v1);
        Hamt<String, String> m2 = m.put("k", v2);
        assertNotSame(m, m2);
        assertSame(v2, m2.getOrDefault("k", null));
        assertSame(v1, m.getOrDefault("k", null));
        assertEquals(m, m2);
        assertEquals(1, m2.size());
        Hamt<Key, String> group = Hamt.<Key, String>empty().put(new Key(1, 5), v1).put(new Key(2, 5), "x");
        Hamt<Key, String> group2 = group.put(new Key(1, 5), v2); // the same inside a collision node
        assertNotSame(group, group2);
        assertSame(v2, group2.getOrDefault(new Key(1, 5), null));
        assertEquals(group, group2);
        assertSame(group2, group2.put(new Key(1, 5), v2));
    }

    /** Replacing a value through an equal key keeps the original key object, as HashMap does. */
    @Test
    void putReplacingValueKeepsOriginalKeyObject() {
        Key k1 = new Key(7, 7);
        Key k2 = new Key(7, 7);
        Hamt<Key, String> m = Hamt.<Key, String>empty().put(k1, "a").put(k2, "b");
        assertEquals(1, m.size());
        assertEquals("b", m.getOrDefault(k1, null));
        assertSame(k1, m.iterator().next().getKey());
    }

    /** Every operation rejects a null key with NullPointerException. */
    @Test
    void nullKeyIsRejected() {
        Hamt<String, String> m = Hamt.<String, String>empty().put("a", "b");
        assertThrows(NullPointerException.class, () -> m.put(null, "x"));
        assertThrows(NullPointerException.class, () -> m.getOrDefault(null, "x"));
        assertThrows(NullPointerException.class, () -> m.containsKey(null));
        assertThrows(NullPointerException.class, () -> m.remove(null));
        assertEquals(Map.of("a", "b"), contents(m));
    }

    /** Removing an absent key returns the same map: from an empty map, a slot, a path and a collision group. */
    @Test
    void removeOfAbsentKeyReturnsSameMap() {
        Hamt<Key, String> empty = Hamt.empty();
        assertSame(empty, empty.remove(new Key(1, 1)));
        Hamt<Key, String> m = empty.put(new Key(1, 1), "a")
                .put(Key.trieHashed(2, 2), "b").put(Key.trieHashed(3, 2 | 1 << 5), "c") // sub-node in slot 2
                .put(new Key(4, 99), "d").put(new Key(5, 99), "e"); // collision group
        assertSame(m, m.remove(new Key(10, 1))); // same slot and hash as a data entry, other key
        assertSame(m, m.remove(Key.trieHashed(11, 2 | 2 << 5))); // inside the sub-node's range
        assertSame(m, m.remove(new Key(12, 99))); // same hash as the collision group
        assertSame(m, m.remove(Key.trieHashed(13, Hamt.spread(99) ^ 1 << 31))); // reaches the group, other hash
        assertSame(m, m.remove(new Key(14, 31)));
        assertSame(m, m.remove("not even a Key"));
        assertEquals(5, contents(m).size());
    }

    /** Removing the last key yields the shared empty map. */
    @Test
    void removeOfLastKeyGivesEmptyMap() {
        Hamt<String, Integer> m = Hamt.<String, Integer>empty().put("a", 1);
        assertSame(Hamt.empty(), m.remove("a"));
    }

    /** Keys with the same full hash are kept apart: set, get, replace, delete and iterate. */
    @Test
    void fullHashCollisionsSupportSetGetDeleteIterate() {
        Hamt<Key, Integer> m = Hamt.empty();
        Map<Key, Integer> ref = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            Key k = new Key(i, 12345);
            m = m.put(k, i);
            ref.put(k, i);
            assertEquals(ref, contents(m));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(i, m.getOrDefault(new Key(i, 12345), -1));
        }
        assertEquals(-1, m.getOrDefault(new Key(20, 12345), -1));
        Hamt<Key, Integer> replaced = m.put(new Key(5, 12345), 500);
        assertEquals(20, replaced.size());
        assertEquals(500, replaced.getOrDefault(new Key(5, 12345), -1));
        assertEquals(5, m.getOrDefault(new Key(5, 12345), -1));
        Integer same = m.getOrDefault(new Key(6, 12345), -1);
        assertSame(m, m.put(new Key(6, 12345), same));
        for (int i = 19; i >= 0; i--) {
            m = m.remove(new Key(i, 12345));
            ref.remove(new Key(i, 12345));
            assertEquals(ref, contents(m));
            assertFalse(m.containsKey(new Key(i, 12345)));
        }
        assertSame(Hamt.empty(), m);
    }

    /** A collision group shares a slot path with keys of other hashes, and parts from them correctly. */
    @Test
    void collisionGroupMixesWithKeysOfOtherHashes() {
        int h = 0b10101_00011; // slot 3 at the root, slot 21 below
        Hamt<Key, String> m = Hamt.<Key, String>empty()
                .put(Key.trieHashed(1, h), "a").put(Key.trieHashed(2, h), "b");
        Hamt<Key, String> mixed = m.put(Key.trieHashed(3, h ^ 1 << 29), "c") // parts at shift 25
                .put(Key.trieHashed(4, h ^ 1 << 7), "d") // parts at shift 5
                .put(Key.trieHashed(5, 3), "e"); // parts at shift 5 too
        assertEquals(5, contents(mixed).size());
        assertEquals("b", mixed.getOrDefault(Key.trieHashed(2, h), null));
        assertEquals("c", mixed.getOrDefault(Key.trieHashed(3, h ^ 1 << 29), null));
        Hamt<Key, String> back = mixed.remove(Key.trieHashed(4, 0)).remove(Key.trieHashed(3, 0))
                .remove(Key.trieHashed(5, 0)); // hashes of absent-looking keys differ: nothing removed
        assertSame(mixed, back);
        back = mixed.remove(Key.trieHashed(4, h ^ 1 << 7)).remove(Key.trieHashed(3, h ^ 1 << 29))
                .remove(Key.trieHashed(5, 3));
        assertEquals(m, back);
        assertEquals(contents(m), contents(back));
    }

    /** Removing a collision group down to one key inlines the survivor: same as building it directly. */
    @Test
    void collisionGroupShrinkingToOneKeyIsInlined() {
        int h = 7 | 7 << 5 | 7 << 10;
        Hamt<Key, String> base = Hamt.<Key, String>empty().put(Key.trieHashed(100, 7), "x");
        Hamt<Key, String> m = base.put(Key.trieHashed(1, h), "a").put(Key.trieHashed(2, h), "b")
                .put(Key.trieHashed(3, h), "c");
        Hamt<Key, String> one = m.remove(Key.trieHashed(1, h)).remove(Key.trieHashed(3, h));
        Hamt<Key, String> direct = base.put(Key.trieHashed(2, h), "b");
        contents(one);
        assertEquals(direct, one);
        assertEquals(base, one.remove(Key.trieHashed(2, h)));
    }

    /** Keys whose trie hashes differ only in the top bits build the deepest tree, collisions below it. */
    @Test
    void deepestPossibleTreeWorks() {
        Hamt<Key, Integer> m = Hamt.empty();
        Map<Key, Integer> ref = new HashMap<>();
        int id = 0;
        for (int top = 0; top < 4; top++) { // bits 30 and 31: the seventh level
            for (int dup = 0; dup < 3; dup++) { // three keys per full hash: a collision node at depth 8
                Key k = Key.trieHashed(id, top << 30 | 0x15555555);
                m = m.put(k, id);
                ref.put(k, id++);
                assertEquals(ref, contents(m));
            }
        }
        Key shallow = Key.trieHashed(id, 0x15555555 ^ 1 << 29); // parts one level higher
        m = m.put(shallow, id);
        ref.put(shallow, id);
        assertEquals(ref, contents(m));
        for (Key k : ref.keySet()) {
            assertEquals(ref.get(k), m.getOrDefault(k.copy(), -1));
        }
        List<Key> keys = new ArrayList<>(ref.keySet());
        for (Key k : keys) {
            m = m.remove(k.copy());
            ref.remove(k);
            assertEquals(ref, contents(m));
        }
        assertSame(Hamt.empty(), m);
    }

    /** Maps with the same entries built by different insert/remove histories are equal and iterate alike. */
    @Test
    void removalCollapsesToCanonicalShape() {
        Hamt<Key, Integer> direct = Hamt.empty();
        Hamt<Key, Integer> detour = Hamt.empty();
        for (int i = 0; i < 64; i++) {
            direct = direct.put(Key.trieHashed(i, i * 0x01010101), i);
        }
        for (int i = 63; i >= 0; i--) { // reverse order, with transient neighbours at every depth
            detour = detour.put(Key.trieHashed(1000 + i, i * 0x01010101 ^ 1 << (i % 32)), -i);
            detour = detour.put(Key.trieHashed(i, i * 0x01010101), i);
            detour = detour.put(Key.trieHashed(2000 + i, i * 0x01010101), -i); // a collision partner
        }
        for (int i = 0; i < 64; i++) {
            detour = detour.remove(Key.trieHashed(2000 + i, i * 0x01010101));
            detour = detour.remove(Key.trieHashed(1000 + i, i * 0x01010101 ^ 1 << (i % 32)));
        }
        assertEquals(contents(direct), contents(detour));
        assertEquals(direct, detour);
        assertEquals(detour, direct);
        assertEquals(direct.hashCode(), detour.hashCode());
        List<Map.Entry<Key, Integer>> a = new ArrayList<>();
        List<Map.Entry<Key, Integer>> b = new ArrayList<>();
        direct.iterator().forEachRemaining(a::add); // forEach(a::add) would be ambiguous with Iterable's
        detour.iterator().forEachRemaining(b::add);
        assertEquals(a, b); // canonical shape: even the iteration order agrees (no collision groups left)
    }

    /** Collision groups filled in different orders are still equal. */
    @Test
    void collisionGroupsInDifferentOrderAreEqual() {
        Hamt<Key, String> a = Hamt.empty();
        Hamt<Key, String> b = Hamt.empty();
        for (int i = 0; i < 5; i++) {
            a = a.put(new Key(i, 42), "v" + i);
            b = b.put(new Key(4 - i, 42), "v" + (4 - i));
        }
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, b.put(new Key(2, 42), "other"));
        assertNotEquals(a, b.remove(new Key(2, 42)).put(new Key(9, 42), "v2"));
    }

    /** Equality and hash code are by content, agreeing with java.util.Map's definitions. */
    @Test
    void equalityAndHashCodeAreByContent() {
        Map<String, Object> ref = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            ref.put("k" + i, i % 7 == 0 ? null : "v" + i);
        }
        Hamt<String, Object> m = of(ref);
        Hamt<String, Object> copy = of(new HashMap<>(ref));
        assertEquals(m, copy);
        assertEquals(ref.hashCode(), m.hashCode());
        assertEquals(m, m.put("k1", new String("v1")));
        assertNotEquals(m, m.put("k1", "changed"));
        assertNotEquals(m, m.put("k0", "was null"));
        assertNotEquals(m, m.remove("k1"));
        assertNotEquals(m, m.remove("k1").put("k1", null));
        assertNotEquals(m, m.put("extra", null));
        assertFalse(m.equals(ref), "a Hamt is not a java.util.Map");
        assertFalse(m.equals(null));
    }

    /** toString prints entries like a map. */
    @Test
    void toStringLooksLikeAMap() {
        assertEquals("{a=1}", Hamt.<String, Integer>empty().put("a", 1).toString());
        String two = Hamt.<Integer, String>empty().put(1, "x").put(2, null).toString();
        assertEquals("{1=x, 2=null}", two);
    }

    /** Iterator entries are immutable, the iterator cannot remove, and ends with NoSuchElementException. */
    @Test
    void iteratorIsReadOnlyAndEndsCleanly() {
        Hamt<String, Integer> m = Hamt.<String, Integer>empty().put("a", 1).put("b", 2);
        Iterator<Map.Entry<String, Integer>> it = m.iterator();
        Map.Entry<String, Integer> e = it.next();
        assertThrows(UnsupportedOperationException.class, () -> e.setValue(9));
        assertThrows(UnsupportedOperationException.class, it::remove);
        it.next();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(Map.of("a", 1, "b", 2), contents(m));
    }

    /** forEach visits the same entries in the same order as the iterator. */
    @Test
    void forEachAgreesWithIterator() {
        Hamt<Key, Integer> m = Hamt.empty();
        for (int i = 0; i < 500; i++) {
            m = m.put(new Key(i, i % 50 * 0x9E3779B9), i);
        }
        List<Map.Entry<Key, Integer>> viaIterator = new ArrayList<>();
        m.iterator().forEachRemaining(viaIterator::add);
        List<Map.Entry<Key, Integer>> viaForEach = new ArrayList<>();
        m.forEach((k, v) -> viaForEach.add(Map.entry(k, v)));
        assertEquals(viaIterator, viaForEach);
        assertEquals(500, viaForEach.size());
    }

    /** Exceptions from a key's equals propagate out of every operation and leave all maps intact. */
    @Test
    void exceptionFromEqualsPropagatesAndLeavesMapIntact() {
        Trap trap = new Trap();
        Hamt<Key, Integer> m = Hamt.empty();
        for (int i = 0; i < 100; i++) {
            m = m.put(new Key(i, i % 10 == 0 ? 777 : i * 31, trap), i); // ten keys share hash 777
        }
        Map<Key, Integer> before = contents(m);
        Hamt<Key, Integer> twin = Hamt.empty(); // fresh key objects, so equals cannot short-cut on ==
        for (Map.Entry<Key, Integer> e : before.entrySet()) {
            twin = twin.put(e.getKey().copy(), e.getValue());
        }
        Hamt<Key, Integer> fm = m;
        Hamt<Key, Integer> ftwin = twin;
        trap.equalsArmed = true;
        for (int i : new int[] {0, 10, 50, 3, 99}) {
            Key probe = new Key(i, i % 10 == 0 ? 777 : i * 31, trap);
            assertThrows(EqualsBomb.class, () -> fm.put(probe, -1));
            assertThrows(EqualsBomb.class, () -> fm.getOrDefault(probe, -1));
            assertThrows(EqualsBomb.class, () -> fm.containsKey(probe));
            assertThrows(EqualsBomb.class, () -> fm.remove(probe));
        }
        assertThrows(EqualsBomb.class, () -> fm.put(new Key(1000, 777, trap), 1)); // new key into the group
        assertThrows(EqualsBomb.class, () -> fm.equals(ftwin));
        trap.equalsArmed = false;
        assertEquals(before, contents(m));
        assertEquals(twin, m);
        assertEquals(101, m.put(new Key(1000, 777, trap), 1).size());
    }

    /** Exceptions from a key's hashCode propagate out of every operation and leave the map intact. */
    @Test
    void exceptionFromHashCodePropagatesAndLeavesMapIntact() {
        Trap trap = new Trap();
        Hamt<Key, Integer> m = Hamt.<Key, Integer>empty().put(new Key(1, 1), 1).put(new Key(2, 2), 2);
        Key bad = new Key(1, 1, trap);
        trap.hashArmed = true;
        assertThrows(HashBomb.class, () -> m.put(bad, 9));
        assertThrows(HashBomb.class, () -> m.getOrDefault(bad, 9));
        assertThrows(HashBomb.class, () -> m.containsKey(bad));
        assertThrows(HashBomb.class, () -> m.remove(bad));
        assertEquals(Map.of(new Key(1, 1), 1, new Key(2, 2), 2), contents(m));
    }

    /** Older versions are unchanged by later puts and removes on their descendants. */
    @Test
    void persistentVersionsAreUnchangedByLaterUpdates() {
        List<Hamt<Key, Integer>> versions = new ArrayList<>();
        List<Map<Key, Integer>> expected = new ArrayList<>();
        Hamt<Key, Integer> m = Hamt.empty();
        Map<Key, Integer> ref = new HashMap<>();
        for (int step = 0; step < 600; step++) {
            int id = step * 7919 % 211;
            Key k = new Key(id, id % 37 * 0x04000001); // spreads over many depths, some collisions
            if (step % 3 == 2) {
                m = m.remove(k);
                ref.remove(k);
            } else {
                m = m.put(k, step);
                ref.put(k, step);
            }
            if (step % 25 == 0) {
                versions.add(m);
                expected.add(new HashMap<>(ref));
            }
        }
        for (int v = 0; v < versions.size(); v++) {
            assertEquals(expected.get(v), contents(versions.get(v)), "version " + v);
            assertEquals(of(expected.get(v)), versions.get(v), "version " + v);
        }
    }
}
