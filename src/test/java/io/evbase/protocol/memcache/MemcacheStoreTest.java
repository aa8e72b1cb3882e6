package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The store's memcached semantics (expiry, flush, CAS, counters) on a hand-driven clock, its memory bound, its
 * eviction policy, the integrity of values through eviction and segment reuse, and its atomicity.
 */
class MemcacheStoreTest {

    private final ManualClock clock = new ManualClock();
    private final MemcacheStore store = new MemcacheStore(1 << 20, 1 << 20, clock);

    /** What a reader saw of a hit. */
    record Hit(String value, int flags, long cas, long exptime) {
    }

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] data(String v) {
        return (v + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] data(int length, char fill) {
        byte[] d = new byte[length + 2];
        java.util.Arrays.fill(d, (byte) fill);
        d[length] = '\r';
        d[length + 1] = '\n';
        return d;
    }

    private static Hit get(MemcacheStore s, String key, boolean bump) {
        byte[] kb = k(key);
        Hit[] hit = new Hit[1];
        s.get(kb, 0, kb.length, bump, new ItemView(), it -> {
            byte[] d = it.data();
            hit[0] = new Hit(new String(d, 0, d.length - 2, StandardCharsets.ISO_8859_1), it.flags(), it.cas(),
                    it.exptime());
        });
        return hit[0];
    }

    private Hit get(String key) {
        return get(store, key, false);
    }

    /** A storage command's outcome: its result and, when stored, the new CAS. */
    record Outcome(StoreResult result, long cas) {
    }

    private static Outcome store(MemcacheStore s, StoreMode mode, String key, byte[] data, int flags, long exptime,
            long cas) {
        byte[] kb = k(key);
        long o = s.store(mode, kb, 0, kb.length, data, data.length, flags, exptime, 0, cas, false);
        return new Outcome(MemcacheStore.result(o), Math.max(0, o));
    }

    private Outcome set(String key, String value, long exptime) {
        return store(store, StoreMode.SET, key, data(value), 0, store.realtime(exptime), 0);
    }

    private IncrDecr.Outcome delta(String key, boolean incr, long by) {
        byte[] kb = k(key);
        return store.delta(kb, 0, kb.length, incr, by, 0);
    }

    @Test
    void relativeExpiry() {
        set("a", "x", 10);
        clock.advanceSeconds(9);
        assertNotNull(get("a"));
        clock.advanceSeconds(1);
        assertNull(get("a"));
        assertEquals(1, store.stats().getExpired.sum());
    }

    @Test
    void absoluteAndNegativeExpiry() {
        long now = clock.unixSeconds();
        set("abs", "x", now + 100);
        set("past", "x", now - 100);
        set("ancient", "x", 2_592_001); // just past 30 days: absolute, long before the process started
        set("neg", "x", -1);
        set("never", "x", 0);
        assertNotNull(get("abs"));
        assertNull(get("past"));
        assertNull(get("ancient"));
        assertNull(get("neg"));
        clock.advanceSeconds(100);
        assertNull(get("abs"));
        clock.advanceSeconds(10L * 365 * 86400);
        assertNotNull(get("never"));
    }

    @Test
    void thirtyDaysIsStillRelative() {
        set("a", "x", 2_592_000);
        clock.advanceSeconds(2_591_999);
        assertNotNull(get("a"));
        clock.advanceSeconds(1);
        assertNull(get("a"));
    }

    @Test
    void touchChangesExpiryNotCas() {
        long cas = set("a", "x", 10).cas();
        byte[] a = k("a");
        assertTrue(store.touch(a, 0, 1, store.realtime(1000), new ItemView(), null));
        assertEquals(cas, get("a").cas());
        clock.advanceSeconds(500);
        assertNotNull(get("a"));
        byte[] missing = k("missing");
        assertTrue(!store.touch(missing, 0, missing.length, 0, new ItemView(), null));
    }

    @Test
    void delayedFlush() {
        set("a", "x", 0);
        store.flushAll(10);
        clock.advanceSeconds(5);
        assertNotNull(get("a"));
        clock.advanceSeconds(6);
        assertNull(get("a"));
        set("b", "y", 0);
        assertNotNull(get("b"), "items stored after the horizon live");
    }

    @Test
    void immediateFlushSparesLaterItemsInTheSameSecond() {
        set("a", "x", 0);
        store.flushAll(0);
        assertNull(get("a"));
        set("b", "y", 0);
        assertNotNull(get("b"));
    }

    @Test
    void casUniquesAreUniqueAndChangeOnEveryWrite() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(seen.add(set("a", "v" + i, 0).cas()));
        }
        long before = get("a").cas();
        store(store, StoreMode.SET, "n", data("5"), 0, 0, 0);
        IncrDecr.Outcome d = delta("n", true, 1);
        assertNotEquals(before, d.item().cas);
        assertEquals(StoreResult.EXISTS, store(store, StoreMode.CAS, "a", data("z"), 0, 0, before + 12345).result());
        assertEquals(StoreResult.STORED, store(store, StoreMode.CAS, "a", data("z"), 0, 0, before).result());
        assertEquals(StoreResult.NOT_FOUND, store(store, StoreMode.CAS, "nope", data("z"), 0, 0, 1).result());
    }

    @Test
    void counters() {
        store(store, StoreMode.SET, "n", data("18446744073709551615"), 0, 0, 0);
        assertEquals(0, delta("n", true, 1).value(), "incr wraps at 2^64");
        assertEquals(0, delta("n", false, 5).value(), "decr stops at 0");
        store(store, StoreMode.SET, "m", data("100"), 7, 0, 0);
        IncrDecr.Outcome d = delta("m", false, 1);
        assertEquals("99 ", get("m").value(), "shorter results keep the length, space-padded");
        assertEquals(7, d.item().flags);
        assertEquals(7, get("m").flags());
        assertEquals(IncrDecr.Status.NOT_FOUND, delta("m2", true, 1).status());
        store(store, StoreMode.SET, "t", data("abc"), 0, 0, 0);
        assertEquals(IncrDecr.Status.NON_NUMERIC, delta("t", true, 1).status());
    }

    @Test
    void appendKeepsFlagsAndRespectsTheItemLimit() {
        store(store, StoreMode.SET, "a", data("x"), 9, store.realtime(100), 0);
        store(store, StoreMode.APPEND, "a", data("y"), 1, 0, 0);
        store(store, StoreMode.PREPEND, "a", data("w"), 1, 0, 0);
        Hit it = get("a");
        assertEquals("wxy", it.value());
        assertEquals(9, it.flags());
        byte[] big = data(599_998, 'b');
        assertEquals(StoreResult.STORED, store(store, StoreMode.APPEND, "a", big, 0, 0, 0).result());
        assertEquals(StoreResult.NOT_STORED, store(store, StoreMode.APPEND, "a", big, 0, 0, 0).result());
        assertEquals(600_001, get("a").value().length());
    }

    @Test
    void computeUpdatesTheHeaderInPlaceOrWritesANewItem() {
        long cas = set("a", "value", 0).cas();
        byte[] a = k("a");
        store.compute(a, 0, 1, false, (old, now) -> old.copy(null, 5, old.exptime, old.cas, old.bits | Item.STALE));
        Hit h = get("a");
        assertEquals("value", h.value(), "the stored value kept");
        assertEquals(5, h.flags());
        assertEquals(cas, h.cas());
        Item changed = store.compute(a, 0, 1, true, (old, now) -> old.copy(data("other"), old.flags, 0, 77, 0));
        assertEquals("other\r\n", new String(changed.data(), StandardCharsets.US_ASCII));
        assertEquals(new Hit("other", 5, 77, 0), get("a"));
        assertNull(store.compute(a, 0, 1, false, (old, now) -> null));
        assertNull(get("a"));
        assertEquals(0, store.itemCount());
    }

    @Test
    void memoryLimitHoldsAndEvicts() {
        MemcacheStore small = new MemcacheStore(256 * 1024, 64 * 1024, clock);
        byte[] v = data(998, 'v');
        for (int i = 0; i < 2000; i++) {
            store(small, StoreMode.SET, "key" + i, v, 0, 0, 0);
            assertTrue(small.bytesAllocated() <= 256 * 1024, "bytes allocated " + small.bytesAllocated());
            assertTrue(small.bytesUsed() <= small.bytesAllocated());
        }
        assertTrue(small.stats().evictions.sum() > 1000, "evictions " + small.stats().evictions.sum());
        assertTrue(small.itemCount() > 150, "items " + small.itemCount());
        small.setMemoryLimit(64 * 1024);
        assertTrue(small.bytesAllocated() <= 64 * 1024, "after lowering the limit: " + small.bytesAllocated());
        for (int i = 0; i < 200; i++) {
            store(small, StoreMode.SET, "again" + i, v, 0, 0, 0);
        }
        assertTrue(small.bytesAllocated() <= 64 * 1024);
        assertNotNull(get(small, "again199", false), "the latest item is there");
    }

    @Test
    void itemsLargerThanHalfASegmentHaveTheirOwnArrayAndCountInTheLimit() {
        MemcacheStore s = new MemcacheStore(4 << 20, 1 << 20, clock); // 64 KiB segments
        byte[] big = data(300_000, 'j');
        for (int i = 0; i < 40; i++) {
            assertEquals(StoreResult.STORED, store(s, StoreMode.SET, "big" + i, big, 0, 0, 0).result());
            assertTrue(s.bytesAllocated() <= 4 << 20);
        }
        Hit last = get(s, "big39", false);
        assertEquals(300_000, last.value().length());
        assertTrue(last.value().chars().allMatch(c -> c == 'j'));
        assertTrue(s.stats().evictions.sum() >= 27, "about 13 fit in 4 MiB: " + s.stats().evictions.sum());
    }

    /**
     * After thousands of evictions and segment reuses, every key that is found has the last value stored under it
     * (the values name their key and version, so a value read from a reused segment would show).
     */
    @Test
    void valuesStayIntactThroughEvictionAndSegmentReuse() {
        MemcacheStore s = new MemcacheStore(512 * 1024, 64 * 1024, clock);
        Random r = new Random(7);
        Map<String, String> last = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            String key = "k" + r.nextInt(3000);
            if (r.nextInt(4) == 0) {
                Hit h = get(s, key, true);
                if (h != null) {
                    assertEquals(last.get(key), h.value(), key);
                }
                continue;
            }
            String value = key + ":" + i + ":" + "x".repeat(r.nextInt(400));
            assertEquals(StoreResult.STORED, store(s, StoreMode.SET, key, data(value), i, 0, 0).result());
            last.put(key, value);
        }
        int found = 0;
        for (Map.Entry<String, String> e : last.entrySet()) {
            Hit h = get(s, e.getKey(), false);
            if (h != null) {
                found++;
                assertEquals(e.getValue(), h.value(), e.getKey());
            }
        }
        assertThat(found).as("items still held").isGreaterThan(500);
        assertThat(s.itemCount()).isEqualTo(found);
        assertThat(s.stats().evictions.sum()).isGreaterThan(1000);
    }

    /** A store of 32 slabs or more cuts its segments from slab arrays: values read back whole through reuse. */
    @Test
    void segmentsCutFromSlabsKeepValuesIntact() {
        MemcacheStore s = new MemcacheStore(4 << 20, 64 * 1024, clock, 128 * 1024 - 64); // 32 slabs, 1 segment each
        MemcacheStore t = new MemcacheStore(4 << 20, 64 * 1024, clock, 64 * 1024); // 64 slabs of 64 KiB
        for (MemcacheStore store : List.of(s, t)) {
            Map<String, String> last = new HashMap<>();
            Random r = new Random(3);
            for (int i = 0; i < 30_000; i++) {
                String key = "k" + r.nextInt(4000);
                String value = key + "/" + i + "/" + "y".repeat(r.nextInt(300));
                assertEquals(StoreResult.STORED, store(store, StoreMode.SET, key, data(value), 0, 0, 0).result());
                last.put(key, value);
            }
            int found = 0;
            for (Map.Entry<String, String> e : last.entrySet()) {
                Hit h = get(store, e.getKey(), false);
                if (h != null) {
                    found++;
                    assertEquals(e.getValue(), h.value());
                }
            }
            assertThat(found).isGreaterThan(1000);
            assertThat(store.bytesAllocated()).isLessThanOrEqualTo(4 << 20);
        }
    }

    /** S3-FIFO: a hot set asked for again and again survives a one-pass scan of many new keys. */
    @Test
    void aHotSetSurvivesAScan() {
        MemcacheStore s = new MemcacheStore(2 << 20, 64 * 1024, clock);
        byte[] v = data(200, 'h');
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 2000; i++) {
                if (get(s, "hot" + i, true) == null) {
                    store(s, StoreMode.SET, "hot" + i, v, 0, 0, 0);
                }
            }
        }
        for (int i = 0; i < 50_000; i++) { // a scan: many times the cache, each key once
            store(s, StoreMode.SET, "scan" + i, v, 0, 0, 0);
        }
        int hot = 0;
        for (int i = 0; i < 2000; i++) {
            hot += get(s, "hot" + i, false) != null ? 1 : 0;
        }
        assertThat(hot).as("hot items left after the scan").isGreaterThan(1900);
    }

    @Test
    void readModifyWriteIsAtomicPerKey() throws Exception {
        store(store, StoreMode.SET, "c", data("0"), 0, 0, 0);
        store(store, StoreMode.SET, "s", data(""), 0, 0, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Set<Long> cas = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        IncrDecr.Outcome d = delta("c", true, 1);
                        assertTrue(cas.add(d.item().cas), "every write gets its own CAS");
                        store(store, StoreMode.APPEND, "s", data("."), 0, 0, 0);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("8000", get("c").value().trim());
        assertEquals(8000, get("s").value().length());
    }

    /** Several threads set and get overlapping keys of a small store (evicting all along): no torn value. */
    @Test
    void concurrentWritersAndReadersUnderEviction() throws Exception {
        MemcacheStore s = new MemcacheStore(1 << 20, 64 * 1024, clock);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                fs.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int hits = 0;
                    for (int i = 0; i < 30_000; i++) {
                        int n = r.nextInt(5000);
                        String key = "key" + n;
                        if (r.nextBoolean()) {
                            // a value made of its key's number repeated: readable whole or not at all
                            String value = (n + ",").repeat(1 + r.nextInt(60));
                            store(s, StoreMode.SET, key, data(value), n, 0, 0);
                        } else {
                            Hit h = get(s, key, true);
                            if (h != null) {
                                hits++;
                                assertEquals(n, h.flags(), key);
                                assertTrue(h.value().replace(n + ",", "").isEmpty(), key + " = " + h.value());
                            }
                        }
                    }
                    return hits;
                }));
            }
            int hits = 0;
            for (Future<Integer> f : fs) {
                hits += f.get();
            }
            assertThat(hits).isGreaterThan(1000);
            assertThat(s.stats().evictions.sum()).isGreaterThan(0);
            assertThat(s.bytesAllocated()).isLessThanOrEqualTo(1 << 20);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void itemSizesMatchMemcached() {
        assertTrue(ItemSizes.sizeOk(1, 0, 1_048_516 + 2, 1 << 20));
        assertTrue(!ItemSizes.sizeOk(1, 0, 1_048_517 + 2, 1 << 20));
        assertTrue(!ItemSizes.sizeOk(1, 5, 1_048_513 + 2, 1 << 20));
        assertEquals(1, ItemSizes.slabClass(96, 1 << 20));
        assertEquals(2, ItemSizes.slabClass(97, 1 << 20));
    }
}
