package dev.weft.internal;

import static dev.weft.internal.HamtTest.contents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.internal.HamtTest.EqualsBomb;
import dev.weft.internal.HamtTest.HashBomb;
import dev.weft.internal.HamtTest.Key;
import dev.weft.internal.HamtTest.Trap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests of {@link Hamt} against {@link HashMap} over seeded random operations. Every
 * assertion message names the seed; rerun one by adding it to {@link #seeds()}.
 */
class HamtPropertyTest {

    private static final int ID_RANGE = 400;
    private static final int OPS = 4000;

    /** Fixed seeds plus a fresh one per run (printed in the test name and every failure). */
    static LongStream seeds() {
        return LongStream.of(1L, 42L, 0xC0FFEEL, 0x5EED_2024L, -7L, System.nanoTime());
    }

    /** How a run hands out key hashes: each shape stresses a different part of the trie. */
    enum HashShape {
        /** Eight raw hashes for 400 keys: big collision groups. */
        COLLIDING,
        /** Trie hashes sharing their low bits: long single-child paths, partings at every depth. */
        DEEP,
        /** 512 hashes: small collision groups mixed with ordinary entries. */
        SMALL_RANGE,
        /** Arbitrary ints. */
        RANDOM;

        int hash(Random r) {
            return switch (this) {
                case COLLIDING -> r.nextInt(8);
                case DEEP -> Hamt.spread(r.nextInt(64) << 26 | (r.nextInt(3) == 0 ? 1 << r.nextInt(26) : 0));
                case SMALL_RANGE -> r.nextInt(512);
                case RANDOM -> r.nextInt();
            };
        }
    }

    /** Random put/remove/get/containsKey/iteration sequences agree with HashMap; old versions stay valid. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void randomOperationsAgreeWithHashMap(long seed) {
        for (HashShape shape : HashShape.values()) {
            runOperations(seed, shape);
        }
    }

    private static void runOperations(long seed, HashShape shape) {
        Random r = new Random(seed ^ shape.ordinal() * 0x9E3779B97F4A7C15L);
        int[] hashOf = new int[ID_RANGE];
        for (int id = 0; id < ID_RANGE; id++) {
            hashOf[id] = shape.hash(r);
        }
        Hamt<Key, Object> m = Hamt.empty();
        Map<Key, Object> ref = new HashMap<>();
        List<Hamt<Key, Object>> versions = new ArrayList<>();
        List<Map<Key, Object>> expected = new ArrayList<>();
        for (int step = 0; step < OPS; step++) {
            int s = step;
            Supplier<String> at = () -> "seed=" + seed + " shape=" + shape + " step=" + s;
            int id = r.nextInt(ID_RANGE);
            Key k = new Key(id, hashOf[id]); // a fresh but equal instance every time
            int op = r.nextInt(10);
            if (op < 4) {
                boolean present = ref.containsKey(k);
                int kind = r.nextInt(10);
                Object old = ref.get(k);
                Object v = kind == 0 ? null
                        : kind < 3 && present ? old
                        : kind == 3 && old instanceof String str ? new String(str) // equal, not identical
                        : "v" + step;
                Hamt<Key, Object> next = m.put(k, v);
                if (present && old == v) {
                    assertSame(m, next, at);
                } else {
                    assertTrue(next != m, at);
                    assertEquals(present && v != null && v.equals(old), next.equals(m), at);
                }
                ref.put(k, v);
                m = next;
            } else if (op < 7) {
                boolean present = ref.containsKey(k);
                Hamt<Key, Object> next = m.remove(k);
                if (!present) {
                    assertSame(m, next, at);
                }
                ref.remove(k);
                m = next;
            } else if (op < 9) {
                assertEquals(ref.containsKey(k), m.containsKey(k), at);
                assertEquals(ref.getOrDefault(k, "absent"), m.getOrDefault(k, "absent"), at);
            } else if (r.nextInt(10) == 0) {
                versions.add(m);
                expected.add(new HashMap<>(ref));
            } else {
                assertEquals(ref, contents(m), at); // full iteration
            }
            assertEquals(ref.size(), m.size(), at);
            if (step % 200 == 0) {
                checkAgainst(ref, m, r, at);
            }
        }
        checkAgainst(ref, m, r, () -> "seed=" + seed + " shape=" + shape + " end");
        for (int v = 0; v < versions.size(); v++) {
            int vi = v;
            checkAgainst(expected.get(v), versions.get(v), r,
                    () -> "seed=" + seed + " shape=" + shape + " version " + vi);
        }
        List<Key> keys = new ArrayList<>(ref.keySet());
        Collections.shuffle(keys, r);
        for (Key k : keys) {
            m = m.remove(k.copy());
        }
        assertSame(Hamt.empty(), m, () -> "seed=" + seed + " shape=" + shape + " emptied");
    }

    /** Contents, size, invariants, equality with a map rebuilt in shuffled order, and hash code. */
    private static void checkAgainst(Map<Key, Object> ref, Hamt<Key, Object> m, Random r, Supplier<String> at) {
        try {
            assertEquals(ref, contents(m), at);
        } catch (IllegalStateException e) {
            throw new AssertionError(at.get(), e);
        }
        List<Map.Entry<Key, Object>> entries = new ArrayList<>(ref.entrySet());
        Collections.shuffle(entries, r);
        Hamt<Key, Object> rebuilt = Hamt.empty();
        for (Map.Entry<Key, Object> e : entries) {
            rebuilt = rebuilt.put(e.getKey().copy(), e.getValue());
        }
        assertEquals(rebuilt, m, at); // structural equality: holds only if the shape is canonical
        assertEquals(m, rebuilt, at);
        assertEquals(ref.hashCode(), m.hashCode(), at);
    }

    /**
     * The analogue of CPython's test_hamt_stress: 7000 keys inserted, then deleted in random order,
     * with hashCode/equals failures injected along the way, checked at checkpoints; versions kept
     * from midway through each phase must stay valid to the end.
     */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void stressInsertThenDeleteSevenThousandKeys(long seed) {
        for (boolean narrowHashes : new boolean[] {false, true}) {
            stress(seed, narrowHashes);
        }
    }

    private static void stress(long seed, boolean narrowHashes) {
        final int n = 7000;
        final int checkEvery = 647;
        final int crashHashEvery = 97;
        final int crashEqualsEvery = 11;
        Random r = new Random(seed + (narrowHashes ? 1 : 0));
        String tag = "seed=" + seed + (narrowHashes ? " hashes<4096" : " random hashes");
        Trap trap = new Trap();
        Key[] keys = new Key[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new Key(i, narrowHashes ? r.nextInt(4096) : r.nextInt(), trap);
        }
        Hamt<Key, Integer> m = Hamt.empty();
        Map<Key, Integer> ref = new HashMap<>();
        Hamt<Key, Integer> midInsert = null;
        Map<Key, Integer> midInsertRef = null;
        for (int step = 0; step < n; step++) {
            int i = step;
            Supplier<String> at = at(tag, "insert", i);
            Hamt<Key, Integer> before = m;
            if (i % crashHashEvery == 0) {
                trap.hashArmed = true;
                try {
                    assertThrows(HashBomb.class, () -> before.put(keys[i], i), at);
                } finally {
                    trap.hashArmed = false;
                }
            }
            m = m.put(keys[i], i);
            ref.put(keys[i], i);
            if (i % crashEqualsEvery == 0) {
                Hamt<Key, Integer> after = m;
                trap.equalsArmed = true;
                try {
                    assertThrows(EqualsBomb.class, () -> after.getOrDefault(keys[i].copy(), -1), at);
                } finally {
                    trap.equalsArmed = false;
                }
            }
            assertEquals(ref.size(), m.size(), at);
            if (i % checkEvery == 0) {
                assertEquals(ref, contents(m), at);
            }
            if (i == n / 2) {
                midInsert = m;
                midInsertRef = new HashMap<>(ref);
            }
        }
        assertEquals(n, m.size(), tag);
        for (int i = 0; i < n; i++) {
            assertEquals(i, m.getOrDefault(keys[i].copy(), -1), at(tag, "lookup", i));
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, r);
        Hamt<Key, Integer> midDelete = null;
        Map<Key, Integer> midDeleteRef = null;
        for (int step = 0; step < n; step++) {
            Supplier<String> at = at(tag, "delete", step);
            Key k = keys[order.get(step)].copy();
            Hamt<Key, Integer> before = m;
            if (step % crashHashEvery == 0 || step % crashEqualsEvery == 0) {
                boolean onHash = step % crashHashEvery == 0;
                trap.hashArmed = onHash;
                trap.equalsArmed = !onHash;
                try {
                    Class<? extends RuntimeException> bomb = onHash ? HashBomb.class : EqualsBomb.class;
                    assertThrows(bomb, () -> before.remove(k), at);
                } finally {
                    trap.hashArmed = false;
                    trap.equalsArmed = false;
                }
            }
            m = m.remove(k);
            ref.remove(k);
            assertFalse(m.containsKey(k), at);
            assertEquals(-1, m.getOrDefault(k, -1), at); // stored values are 0..n-1
            assertEquals(ref.size(), m.size(), at);
            if (step % checkEvery == 0) {
                assertEquals(ref, contents(m), at);
            }
            if (step == n / 2) {
                midDelete = m;
                midDeleteRef = new HashMap<>(ref);
            }
        }
        assertEquals(0, m.size(), tag);
        assertSame(Hamt.empty(), m, tag);
        assertFalse(m.iterator().hasNext(), tag);
        assertEquals(midInsertRef, contents(midInsert), tag + " version from mid-insert");
        assertEquals(midDeleteRef, contents(midDelete), tag + " version from mid-delete");
        for (Map.Entry<Key, Integer> e : midDeleteRef.entrySet()) {
            assertTrue(midDelete.containsKey(e.getKey().copy()), tag);
        }
    }

    /**
     * Open maps: random in-place puts (through {@code putInPlace} and through {@code locate} and a
     * slot write), in-place removes, freezes and snapshots agree with HashMap; every frozen map and
     * every snapshot taken along the way keeps its contents to the end, whatever the owner wrote
     * afterwards; a persistent update of an open map is refused; a hashCode or equals that throws
     * in an in-place operation leaves the map as it was.
     */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void openMapsAgreeWithHashMapAndNeverChangeWhatTheyShared(long seed) {
        for (HashShape shape : HashShape.values()) {
            runOpenOperations(seed, shape);
        }
    }

    private static void runOpenOperations(long seed, HashShape shape) {
        Random r = new Random(seed * 31 + shape.ordinal());
        Trap trap = new Trap();
        Key[] keys = new Key[ID_RANGE];
        for (int id = 0; id < ID_RANGE; id++) {
            keys[id] = new Key(id, shape.hash(r), trap);
        }
        Hamt<Key, Object> m = Hamt.empty();
        Map<Key, Object> ref = new HashMap<>();
        List<Hamt<Key, Object>> shared = new ArrayList<>();
        List<Map<Key, Object>> expected = new ArrayList<>();
        for (int step = 0; step < OPS; step++) {
            int s = step;
            Supplier<String> at = () -> "seed=" + seed + " shape=" + shape + " step=" + s;
            Key k = keys[r.nextInt(ID_RANGE)].copy();
            int op = r.nextInt(20);
            Hamt.Update u = new Hamt.Update();
            if (op < 7) {
                Object v = r.nextInt(8) == 0 ? null : "v" + step;
                Hamt<Key, Object> next = m.putInPlace(k, v, u);
                assertEquals(ref.containsKey(k) ? ref.get(k) : "absent", u.old("absent"), at);
                assertTrue(next.isOpen() || next == m, at);
                assertTrue(!m.isOpen() || next == m, at); // an open map is changed in place
                ref.put(k, v);
                m = next;
            } else if (op < 10) {
                Hamt.Slot slot = new Hamt.Slot();
                if (m.locate(k, slot)) {
                    assertTrue(m.isOpen() && ref.containsKey(k), at);
                    assertEquals(ref.get(k), slot.get(), at);
                    slot.set("slot" + step);
                    ref.put(k, "slot" + step);
                }
            } else if (op < 15) {
                Hamt<Key, Object> next = m.removeInPlace(k, u);
                assertEquals(ref.containsKey(k) ? ref.get(k) : "absent", u.old("absent"), at);
                assertTrue(ref.containsKey(k) ? next.isOpen() : next == m, at);
                ref.remove(k);
                m = next;
            } else if (op < 16) {
                shared.add(m.freeze());
                expected.add(new HashMap<>(ref));
                assertFalse(m.isOpen(), at);
                assertSame(m, m.snapshot(), at);
            } else if (op < 17) {
                Hamt<Key, Object> snap = m.snapshot();
                assertFalse(snap.isOpen(), at);
                shared.add(snap);
                expected.add(new HashMap<>(ref));
            } else if (op < 18 && m.isOpen()) {
                Hamt<Key, Object> open = m;
                assertThrows(IllegalStateException.class, () -> open.put(k, "no"), at);
                assertThrows(IllegalStateException.class, () -> open.remove(k), at);
            } else if (op < 19 && m.size() > 0) {
                Hamt<Key, Object> before = m;
                if (r.nextBoolean()) {
                    trap.hashArmed = true;
                } else {
                    trap.equalsArmed = true;
                }
                try {
                    before.putInPlace(k, "trapped", new Hamt.Update());
                    before.removeInPlace(k, new Hamt.Update());
                } catch (HashBomb | EqualsBomb expectedFailure) {
                    // thrown before any write of the operation
                } finally {
                    trap.hashArmed = false;
                    trap.equalsArmed = false;
                }
                assertEquals(ref, contents(before), at);
            } else {
                assertEquals(ref.getOrDefault(k, "absent"), m.getOrDefault(k, "absent"), at);
            }
            assertEquals(ref.size(), m.size(), at);
            if (step % 250 == 0) {
                assertEquals(ref, contents(m), at);
            }
        }
        assertEquals(ref, contents(m), () -> "seed=" + seed + " shape=" + shape + " end");
        for (int i = 0; i < shared.size(); i++) {
            int vi = i;
            assertEquals(expected.get(i), contents(shared.get(i)),
                    () -> "seed=" + seed + " shape=" + shape + " shared map " + vi + " changed");
        }
    }

    private static Supplier<String> at(String tag, String phase, int step) {
        return () -> tag + " " + phase + " step=" + step;
    }
}
