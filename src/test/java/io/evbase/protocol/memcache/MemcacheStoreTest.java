package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The store's memcached semantics (expiry, flush, CAS, counters) on a hand-driven clock, its memory bound and its atomicity. */
class MemcacheStoreTest {

    private final ManualClock clock = new ManualClock();
    private final MemcacheStore store = new MemcacheStore(1 << 20, 1 << 20, clock);

    private static ItemKey k(String s) {
        return new ItemKey(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] data(String v) {
        return (v + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private MemcacheStore.StoreOutcome set(String key, String value, long exptime) {
        return store.store(StoreMode.SET, k(key), data(value), 0, store.realtime(exptime), 0, 0, false);
    }

    @Test
    void relativeExpiry() {
        set("a", "x", 10);
        clock.advanceSeconds(9);
        assertNotNull(store.get(k("a"), true));
        clock.advanceSeconds(1);
        assertNull(store.get(k("a"), true));
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
        assertNotNull(store.get(k("abs"), false));
        assertNull(store.get(k("past"), false));
        assertNull(store.get(k("ancient"), false));
        assertNull(store.get(k("neg"), false));
        clock.advanceSeconds(100);
        assertNull(store.get(k("abs"), false));
        clock.advanceSeconds(10L * 365 * 86400);
        assertNotNull(store.get(k("never"), false));
    }

    @Test
    void thirtyDaysIsStillRelative() {
        set("a", "x", 2_592_000);
        clock.advanceSeconds(2_591_999);
        assertNotNull(store.get(k("a"), false));
        clock.advanceSeconds(1);
        assertNull(store.get(k("a"), false));
    }

    @Test
    void touchChangesExpiryNotCas() {
        long cas = set("a", "x", 10).item().cas;
        Item t = store.touch(k("a"), store.realtime(1000));
        assertEquals(cas, t.cas);
        clock.advanceSeconds(500);
        assertNotNull(store.get(k("a"), false));
        assertNull(store.touch(k("missing"), 0));
    }

    @Test
    void delayedFlush() {
        set("a", "x", 0);
        store.flushAll(10);
        clock.advanceSeconds(5);
        assertNotNull(store.get(k("a"), false));
        clock.advanceSeconds(6);
        assertNull(store.get(k("a"), false));
        set("b", "y", 0);
        assertNotNull(store.get(k("b"), false), "items stored after the horizon live");
    }

    @Test
    void immediateFlushSparesLaterItemsInTheSameSecond() {
        set("a", "x", 0);
        store.flushAll(0);
        assertNull(store.get(k("a"), false));
        set("b", "y", 0);
        assertNotNull(store.get(k("b"), false));
    }

    @Test
    void casUniquesAreUniqueAndChangeOnEveryWrite() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(seen.add(set("a", "v" + i, 0).item().cas));
        }
        long before = store.get(k("a"), false).cas;
        store.store(StoreMode.SET, k("n"), data("5"), 0, 0, 0, 0, false);
        MemcacheStore.DeltaOutcome d = store.delta(k("n"), true, 1, 0);
        assertNotEquals(before, d.item().cas);
        assertEquals(StoreResult.EXISTS,
                store.store(StoreMode.CAS, k("a"), data("z"), 0, 0, 0, before + 12345, false).result());
        assertEquals(StoreResult.STORED, store.store(StoreMode.CAS, k("a"), data("z"), 0, 0, 0, before, false).result());
        assertEquals(StoreResult.NOT_FOUND,
                store.store(StoreMode.CAS, k("nope"), data("z"), 0, 0, 0, 1, false).result());
    }

    @Test
    void counters() {
        store.store(StoreMode.SET, k("n"), data("18446744073709551615"), 0, 0, 0, 0, false);
        assertEquals(0, store.delta(k("n"), true, 1, 0).value(), "incr wraps at 2^64");
        assertEquals(0, store.delta(k("n"), false, 5, 0).value(), "decr stops at 0");
        store.store(StoreMode.SET, k("m"), data("100"), 7, 0, 0, 0, false);
        MemcacheStore.DeltaOutcome d = store.delta(k("m"), false, 1, 0);
        assertEquals("99 \r\n", new String(d.item().data, StandardCharsets.US_ASCII), "shorter results pad in place");
        assertEquals(7, d.item().flags);
        assertEquals(MemcacheStore.DeltaStatus.NOT_FOUND, store.delta(k("m2"), true, 1, 0).status());
        store.store(StoreMode.SET, k("t"), data("abc"), 0, 0, 0, 0, false);
        assertEquals(MemcacheStore.DeltaStatus.NON_NUMERIC, store.delta(k("t"), true, 1, 0).status());
    }

    @Test
    void appendKeepsFlagsAndRespectsTheItemLimit() {
        store.store(StoreMode.SET, k("a"), data("x"), 9, store.realtime(100), 0, 0, false);
        store.store(StoreMode.APPEND, k("a"), data("y"), 1, 0, 0, 0, false);
        Item it = store.get(k("a"), false);
        assertEquals("xy\r\n", new String(it.data, StandardCharsets.US_ASCII));
        assertEquals(9, it.flags);
        byte[] big = new byte[600_000];
        big[big.length - 2] = '\r';
        big[big.length - 1] = '\n';
        assertEquals(StoreResult.STORED, store.store(StoreMode.APPEND, k("a"), big, 0, 0, 0, 0, false).result());
        assertEquals(StoreResult.NOT_STORED, store.store(StoreMode.APPEND, k("a"), big, 0, 0, 0, 0, false).result());
    }

    @Test
    void memoryLimitHoldsAndEvicts() {
        MemcacheStore small = new MemcacheStore(256 * 1024, 64 * 1024, clock);
        byte[] v = new byte[1000];
        v[998] = '\r';
        v[999] = '\n';
        for (int i = 0; i < 2000; i++) {
            small.store(StoreMode.SET, k("key" + i), v, 0, 0, 0, 0, false);
            assertTrue(small.bytesUsed() <= 256 * 1024, "bytes used " + small.bytesUsed());
        }
        assertTrue(small.stats().evictions.sum() > 1000, "evictions " + small.stats().evictions.sum());
        assertTrue(small.itemCount() > 150, "items " + small.itemCount());
        small.setMemoryLimit(64 * 1024);
        assertTrue(small.bytesUsed() <= 64 * 1024);
    }

    @Test
    void readModifyWriteIsAtomicPerKey() throws Exception {
        store.store(StoreMode.SET, k("c"), data("0"), 0, 0, 0, 0, false);
        store.store(StoreMode.SET, k("s"), data(""), 0, 0, 0, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Set<Long> cas = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        MemcacheStore.DeltaOutcome d = store.delta(k("c"), true, 1, 0);
                        assertTrue(cas.add(d.item().cas), "every write gets its own CAS");
                        store.store(StoreMode.APPEND, k("s"), data("."), 0, 0, 0, 0, false);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("8000", new String(store.get(k("c"), false).data, StandardCharsets.US_ASCII).trim());
        assertEquals(8000, store.get(k("s"), false).valueLength());
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
