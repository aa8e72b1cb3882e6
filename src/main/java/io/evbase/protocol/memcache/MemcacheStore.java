package io.evbase.protocol.memcache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache every loop shares: a Caffeine cache (W-TinyLFU admission and eviction) bounded by a memory limit that
 * counts each item's key, value and a fixed per-item overhead, with memcached's expiry, flush and CAS semantics
 * layered on top.
 *
 * <p>Why Caffeine: its admission filter keeps the frequently used items when a burst of one-hit wonders arrives,
 * which is where memcached's segmented LRU loses hits (the measured hit ratios are in the README). Reads are
 * lock-free; every read-modify-write command runs inside {@link ConcurrentMap#compute}, which locks one hash bin,
 * so each key's commands are atomic without any global lock.
 *
 * <p>Time is memcached's: seconds relative to a process start set 62 seconds before construction (as memcached
 * does), so the expiry rules port unchanged: 0 never expires, up to 30 days is relative, beyond is absolute unix
 * time (at or before the process start means already expired), negative means already expired. An expired or
 * flushed item is invisible from that second on; the cache reclaims its memory through its own expiry timer or
 * on the next access, whichever comes first.
 *
 * <p>Values in flight (declared by a storage command, not yet received) are charged to the same limit before
 * their arrays are allocated, through {@link #chargeValue}: see {@link InFlightValues}.
 *
 * <p>Threading: thread-safe. Cache maintenance runs on the calling thread ({@code executor(Runnable::run)}) so
 * that eviction keeps pace with writes and never needs a background thread; it is amortised and non-blocking
 * (Caffeine only tries its maintenance lock).
 */
public final class MemcacheStore {

    public static final long DEFAULT_MEMORY_LIMIT = 64L << 20;
    public static final int DEFAULT_MAX_ITEM_SIZE = 1 << 20;
    /**
     * Bytes charged per item on top of its key and value: the JVM objects behind one entry (the cache node, the
     * hash-table node, the key and item objects and two array headers), measured at about this size with
     * compressed oops.
     */
    public static final int ITEM_OVERHEAD = 160;
    /** The memory limit may be at most 1/HEAP_SHARE of the JVM's maximum heap. */
    public static final int HEAP_SHARE = 2;
    /** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative. */
    static final long REALTIME_MAXDELTA = 60L * 60 * 24 * 30;
    /** memcached's ITEM_UPDATE_INTERVAL. */
    static final long ITEM_UPDATE_INTERVAL = 60;

    private final MemcacheClock clock;
    private final long processStarted;
    private final int maxItemSize;
    private volatile long memoryLimit;
    private final MemcacheStats stats;
    private final Cache<ItemKey, Item> cache;
    private final ConcurrentMap<ItemKey, Item> map;
    private final AtomicLong casIds = new AtomicLong();
    private final InFlightValues inFlight;
    private final ValueReferences references = new ValueReferences(() -> this.memoryLimit);
    /** memcached's settings.oldest_live and oldest_cas: the flush horizon. */
    private volatile long oldestLive;
    private volatile long oldestCas;

    public MemcacheStore(long memoryLimit, int maxItemSize) {
        this(memoryLimit, maxItemSize, MemcacheClock.SYSTEM);
    }

    public MemcacheStore(long memoryLimit, int maxItemSize, MemcacheClock clock) {
        if (memoryLimit <= 0 || maxItemSize <= 0) {
            throw new IllegalArgumentException("memory limit and max item size must be positive");
        }
        this.clock = clock;
        this.processStarted = clock.unixSeconds() - ITEM_UPDATE_INTERVAL - 2;
        this.maxItemSize = maxItemSize;
        this.memoryLimit = memoryLimit;
        this.stats = new MemcacheStats();
        this.cache = Caffeine.newBuilder()
                .maximumWeight(memoryLimit)
                .weigher((ItemKey k, Item v) -> (int) Math.min(Integer.MAX_VALUE, weight(k.length(), v.data.length)))
                .expireAfter(new ItemExpiry())
                .ticker(clock::nanoTime)
                .executor(Runnable::run)
                .evictionListener(this::evicted)
                .build();
        this.map = cache.asMap();
        this.inFlight = new InFlightValues(() -> this.memoryLimit, this::applyMaximum);
    }

    public MemcacheStats stats() {
        return stats;
    }

    public long memoryLimit() {
        return memoryLimit;
    }

    public int maxItemSize() {
        return maxItemSize;
    }

    /** Changes the memory limit at run time (memcached's {@code cache_memlimit}); evicts down to it. */
    public void setMemoryLimit(long bytes) {
        memoryLimit = bytes;
        inFlight.limitChanged();
    }

    /**
     * The largest memory limit a heap of {@code maxHeap} bytes ({@code Runtime.maxMemory()}) may give the store:
     * half of it. The limit counts the store's estimate of each item's cost (key, value and
     * {@link #ITEM_OVERHEAD}), which the JVM's real cost exceeds for small items and for values the collector
     * places in regions of their own; the other half holds that excess, the rest of the server (connections,
     * Spring, the actuator) and the collector's working room.
     */
    public static long maxMemoryLimit(long maxHeap) {
        return maxHeap / HEAP_SHARE;
    }

    /** The cache holds items up to the limit less what values in flight have carved out of it. */
    private void applyMaximum(long carved) {
        long max = Math.max(0, memoryLimit - carved);
        cache.policy().eviction().ifPresent(e -> e.setMaximum(max));
    }

    /**
     * Charges a value about to be received, before its array is allocated (memcached takes the item from its slab
     * budget when it parses the command line): the bytes its item will weigh, carved out of the memory limit, so
     * the cache evicts to make room. Returns the charge to give back with {@link #releaseValue} once the value is
     * stored or dropped, or -1 when values in flight already hold their share of the limit (the caller answers
     * {@code SERVER_ERROR out of memory storing object}).
     *
     * @param nbytes the data block's length, its CRLF included
     */
    long chargeValue(int keyLength, long nbytes) {
        long w = weight(keyLength, nbytes);
        return inFlight.charge(w) ? w : -1;
    }

    /** Gives back a charge taken with {@link #chargeValue}. */
    void releaseValue(long charge) {
        if (charge > 0) {
            inFlight.release(charge);
        }
    }

    /** Bytes charged for values in flight. */
    public long inFlightBytes() {
        return inFlight.charged();
    }

    /** The stored values replies refer to instead of copying them, bounded by a share of the limit. */
    ValueReferences references() {
        return references;
    }

    /** Bytes of the distinct stored values that replies refer to. */
    public long referencedBytes() {
        return references.charged();
    }

    /** Items held, expired ones not yet reclaimed included (as memcached's curr_items). */
    public long itemCount() {
        return cache.estimatedSize();
    }

    /** Bytes charged against the memory limit. */
    public long bytesUsed() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    static long weight(int keyLength, long dataLength) {
        return ITEM_OVERHEAD + (long) keyLength + dataLength;
    }

    // ---------------------------------------------------------------- time

    /** memcached's current_time: seconds since the process start. */
    long now() {
        return clock.unixSeconds() - processStarted;
    }

    long processStarted() {
        return processStarted;
    }

    /** memcached's {@code realtime(EXPTIME_TO_POSITIVE_TIME(exptime))}: a client exptime as relative time. */
    long realtime(long exptime) {
        if (exptime < 0) {
            exptime = REALTIME_MAXDELTA + 1;
        }
        if (exptime == 0) {
            return 0;
        }
        if (exptime > REALTIME_MAXDELTA) {
            return exptime <= processStarted ? 1 : exptime - processStarted;
        }
        return exptime + now();
    }

    long nextCas() {
        return casIds.incrementAndGet();
    }

    // ---------------------------------------------------------------- liveness

    private boolean flushed(Item it, long now) {
        long live = oldestLive;
        if (live == 0 || live > now) {
            return false;
        }
        long horizonCas = oldestCas;
        return it.time <= live || (horizonCas != 0 && it.cas != 0 && it.cas < horizonCas);
    }

    /** The item if it is neither flushed nor expired, counting the ones found dead (memcached's do_item_get). */
    private Item live(Item it, long now) {
        if (it == null) {
            return null;
        }
        if (flushed(it, now)) {
            stats.getFlushed.increment();
            return null;
        }
        if (it.exptime != 0 && it.exptime <= now) {
            stats.getExpired.increment();
            return null;
        }
        return it;
    }

    /** Marks a fetch: the item was hit, and hit twice it counts as recently used (memcached's do_item_bump). */
    void bump(Item it, long now) {
        if (!it.fetched) {
            it.fetched = true;
        } else if (it.time != now) {
            it.time = now;
        }
    }

    // ---------------------------------------------------------------- reads

    /** The live item under {@code key}, or null. {@code bump} records the access (off for meta's {@code u}). */
    Item get(ItemKey key, boolean bump) {
        Item it = map.get(key);
        if (it == null) {
            return null;
        }
        long now = now();
        Item alive = live(it, now);
        if (alive == null) {
            map.remove(key, it); // reclaim now, unless someone replaced it meanwhile
            return null;
        }
        if (bump) {
            bump(alive, now);
        }
        return alive;
    }

    /**
     * The atomic primitive every read-modify-write command is built on: {@code f} sees the live item (dead ones
     * appear as null and are dropped) and returns the item to keep, a replacement, or null to remove it. It runs
     * under the key's bin lock, so it must be short and must not touch other keys.
     */
    Item compute(ItemKey key, LiveFunction f) {
        return map.compute(key, (k, cur) -> {
            long now = now();
            Item old = live(cur, now);
            return f.apply(old, now);
        });
    }

    /** The function {@link #compute} applies. */
    @FunctionalInterface
    interface LiveFunction {
        Item apply(Item live, long now);
    }

    // ---------------------------------------------------------------- classic commands

    /** touch and gat: sets a new expiry on a live item, keeping its CAS; returns the updated item or null. */
    Item touch(ItemKey key, long exptime) {
        Item[] result = new Item[1];
        compute(key, (old, now) -> {
            if (old == null) {
                return null;
            }
            bump(old, now);
            Item updated = old.withExptime(exptime);
            result[0] = updated;
            return updated;
        });
        return result[0];
    }

    /** The outcome of {@link #store}: the result and, when stored, the new item's CAS. */
    record StoreOutcome(StoreResult result, Item item) {
    }

    /**
     * Stores an item under {@code mode}, memcached's do_store_item: the CAS test applies to every mode (append and
     * prepend accept a matching or absent CAS), append and prepend keep the old item's flags and expiry, add
     * counts as an access of the item it refuses to replace.
     *
     * @param data     the value with its CRLF
     * @param reqCas   the CAS the client compared against, 0 for none
     * @param setStale meta's {@code I} flag: a CAS older than the item's stores the value marked stale
     */
    StoreOutcome store(StoreMode mode, ItemKey key, byte[] data, int flags, long exptime, int bits, long reqCas,
            boolean setStale) {
        StoreOutcome[] out = new StoreOutcome[1];
        compute(key, (old, now) -> {
            if (old != null) {
                boolean casNone = reqCas == 0;
                boolean casMatch = !casNone && reqCas == old.cas;
                boolean casStale = !casNone && !casMatch && setStale && Long.compareUnsigned(reqCas, old.cas) < 0;
                switch (mode) {
                    case ADD -> {
                        old.time = now;
                        out[0] = new StoreOutcome(StoreResult.NOT_STORED, null);
                        return old;
                    }
                    case CAS -> {
                        if (casMatch) {
                            stats.casHits.increment();
                            return stored(out, new Item(key, data, flags, exptime, nextCas(), bits, now));
                        }
                        if (casStale) {
                            stats.casHits.increment();
                            int b = bits | Item.STALE | (old.tokenSent() ? Item.TOKEN_SENT : 0);
                            return stored(out, new Item(key, data, flags, old.exptime, nextCas(), b, now));
                        }
                        stats.casBadval.increment();
                        out[0] = new StoreOutcome(StoreResult.EXISTS, null);
                        return old;
                    }
                    case APPEND, PREPEND -> {
                        if (!casNone && !casMatch) {
                            out[0] = new StoreOutcome(StoreResult.EXISTS, null);
                            return old;
                        }
                        long combined = (long) old.data.length + data.length - 2;
                        if (!ItemSizes.sizeOk(key.length(), old.flags, combined, maxItemSize)
                                || weight(key.length(), combined) > memoryLimit) {
                            out[0] = new StoreOutcome(StoreResult.NOT_STORED, null); // memcached: alloc fails
                            return old;
                        }
                        byte[] joined = new byte[(int) combined];
                        if (mode == StoreMode.APPEND) {
                            System.arraycopy(old.data, 0, joined, 0, old.data.length - 2);
                            System.arraycopy(data, 0, joined, old.data.length - 2, data.length);
                        } else {
                            System.arraycopy(data, 0, joined, 0, data.length - 2);
                            System.arraycopy(old.data, 0, joined, data.length - 2, old.data.length);
                        }
                        return stored(out, new Item(key, joined, old.flags, old.exptime, nextCas(),
                                bits & Item.KEY_BINARY, now));
                    }
                    default -> {
                        return stored(out, new Item(key, data, flags, exptime, nextCas(), bits, now));
                    }
                }
            }
            switch (mode) {
                case ADD, SET -> {
                    return stored(out, new Item(key, data, flags, exptime, nextCas(), bits, now));
                }
                case CAS -> {
                    stats.casMisses.increment();
                    out[0] = new StoreOutcome(StoreResult.NOT_FOUND, null);
                    return null;
                }
                default -> {
                    out[0] = new StoreOutcome(StoreResult.NOT_STORED, null);
                    return null;
                }
            }
        });
        return out[0];
    }

    private Item stored(StoreOutcome[] out, Item it) {
        stats.totalItems.increment();
        out[0] = new StoreOutcome(StoreResult.STORED, it);
        return it;
    }

    /** Removes whatever is under {@code key} (a failed set must not leave the old value visible). */
    void unlink(ItemKey key) {
        map.remove(key);
    }

    /** delete: true if a live item was removed. */
    boolean delete(ItemKey key) {
        boolean[] hit = new boolean[1];
        compute(key, (old, now) -> {
            hit[0] = old != null;
            return null;
        });
        return hit[0];
    }

    /** The result of {@link #delta}. */
    enum DeltaStatus { OK, NON_NUMERIC, NOT_FOUND, CAS_MISMATCH }

    /** The outcome of {@link #delta}: the status and, when OK, the item after the change and the new value. */
    record DeltaOutcome(DeltaStatus status, Item item, long value) {
    }

    /**
     * incr/decr, memcached's do_add_delta: the value must parse as an unsigned 64-bit decimal; incr wraps at 2^64,
     * decr stops at 0. A result no longer than the old value is written over it, space-padded, as memcached does in
     * place (so {@code decr} of "10" reads back as "9 "); a longer one makes a new item. Either way the CAS changes
     * and the flags and expiry stay.
     *
     * @param reqCas a CAS the item must have (meta arithmetic's {@code C}), 0 for none
     */
    DeltaOutcome delta(ItemKey key, boolean incr, long delta, long reqCas) {
        DeltaOutcome[] out = new DeltaOutcome[1];
        compute(key, (old, now) -> {
            out[0] = applyDelta(old, now, incr, delta, reqCas);
            return out[0].item() != null ? out[0].item() : old;
        });
        return out[0];
    }

    /** The body of {@link #delta}, for callers already inside {@link #compute}. */
    DeltaOutcome applyDelta(Item old, long now, boolean incr, long delta, long reqCas) {
        if (old == null) {
            return new DeltaOutcome(DeltaStatus.NOT_FOUND, null, 0);
        }
        if (old.data.length <= 2
                || ItemSizes.chunked(ItemSizes.itemTotal(old.key.length(), old.flags, old.data.length))) {
            return new DeltaOutcome(DeltaStatus.NON_NUMERIC, null, 0);
        }
        if (reqCas != 0 && old.cas != reqCas) {
            return new DeltaOutcome(DeltaStatus.CAS_MISMATCH, null, 0);
        }
        StrtolParser n = new StrtolParser();
        if (!n.strtoull(old.data, 0, old.data.length)) {
            return new DeltaOutcome(DeltaStatus.NON_NUMERIC, null, 0);
        }
        long value = n.value;
        if (incr) {
            value += delta;
            stats.incrHits.increment();
        } else {
            value = Long.compareUnsigned(delta, value) > 0 ? 0 : value - delta;
            stats.decrHits.increment();
        }
        byte[] digits = Long.toUnsignedString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Item updated;
        if (digits.length + 2 <= old.data.length) {
            byte[] data = new byte[old.data.length]; // never write into an array a reader may be sending
            System.arraycopy(digits, 0, data, 0, digits.length);
            java.util.Arrays.fill(data, digits.length, data.length - 2, (byte) ' ');
            data[data.length - 2] = '\r';
            data[data.length - 1] = '\n';
            updated = old.copy(data, old.flags, old.exptime, nextCas(), old.bits);
            updated.time = now;
        } else {
            byte[] data = new byte[digits.length + 2];
            System.arraycopy(digits, 0, data, 0, digits.length);
            data[digits.length] = '\r';
            data[digits.length + 1] = '\n';
            updated = new Item(old.key, data, old.flags, old.exptime, nextCas(), 0, now);
        }
        return new DeltaOutcome(DeltaStatus.OK, updated, value);
    }

    /**
     * flush_all, memcached's semantics: items last stored or bumped at or before the horizon are invisible from
     * the horizon on. An immediate flush also drops everything now, so its memory is free at once.
     *
     * @param delay the client's argument; 0 or negative flushes now
     */
    void flushAll(long delay) {
        long now = now();
        long newOldest = delay > 0 ? realtime(delay) : now;
        long live = newOldest - 1;
        if (live <= now) {
            oldestCas = nextCas();
            oldestLive = live;
            cache.invalidateAll();
        } else {
            oldestLive = live;
        }
    }

    /** Drops everything (tests, and an operator's reset). */
    public void clear() {
        cache.invalidateAll();
    }

    // ---------------------------------------------------------------- cache plumbing

    private void evicted(ItemKey key, Item item, RemovalCause cause) {
        if (cause == RemovalCause.SIZE) {
            stats.evictions.increment();
            if (item != null && !item.fetched) {
                stats.evictedUnfetched.increment();
            }
        } else if (cause == RemovalCause.EXPIRED) {
            stats.reclaimed.increment();
            if (item != null && !item.fetched) {
                stats.expiredUnfetched.increment();
            }
        }
    }

    /**
     * Tells the cache when an item's memcached expiry passes, so expired items free their memory without being
     * asked for. The deadline is a second after the store's own second-granular check.
     */
    private final class ItemExpiry implements Expiry<ItemKey, Item> {

        private long remaining(Item it) {
            if (it.exptime == 0) {
                return Long.MAX_VALUE;
            }
            // One second of slack: the store's own check sees the expiry first (and counts it as memcached's
            // get_expired), the timer wheel only reclaims what nobody asked for.
            long seconds = it.exptime - now() + 1;
            return seconds <= 0 ? 0 : TimeUnit.SECONDS.toNanos(seconds);
        }

        @Override
        public long expireAfterCreate(ItemKey key, Item value, long currentTime) {
            return remaining(value);
        }

        @Override
        public long expireAfterUpdate(ItemKey key, Item value, long currentTime, long currentDuration) {
            return remaining(value);
        }

        @Override
        public long expireAfterRead(ItemKey key, Item value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
