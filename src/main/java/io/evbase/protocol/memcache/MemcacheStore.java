package io.evbase.protocol.memcache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache every loop shares: items packed in large arrays ({@link Segments}), found through a striped hash index
 * of {@code long}s ({@link ItemIndex}), evicted by S3-FIFO, with memcached's expiry, flush and CAS semantics.
 *
 * <h2>Memory</h2>
 * An item costs its 24-byte header ({@link ItemLayout}), its key and its value in a segment, plus its index entry
 * (8 bytes at 40 to 80 % load) and a share of the ghost table (2 to 4 bytes): no object per item, so the collector
 * sees a few thousand arrays whatever the item count. The memory limit counts the segments' arrays (as memcached's
 * {@code -m} counts its slab pages); the index and ghosts come on top (about 15 bytes per item).
 *
 * <h2>Eviction: S3-FIFO</h2>
 * New items enter a small queue, items asked for again a main one; a thread that needs room walks the oldest
 * segment of one of them ({@link Eviction}), evicting one-hit wonders and keeping the hot set.
 *
 * <h2>Concurrency</h2>
 * Every command on a key holds its index stripe's lock for the whole read-modify-write (lookup, checks, append of
 * the new item, link), so each key's commands are atomic, and commands on keys of different stripes never wait for
 * each other. Readers copy a value out under the lock (or, for an item in a segment of its own, queue the array,
 * which is never reused), so eviction can reuse a segment as soon as it has unlinked its items. Eviction runs on the
 * thread that needs room, never holding a stripe lock while it looks for a segment; no thread waits for another's
 * eviction.
 *
 * <p>Time is memcached's, and so are the expiry and flush rules ({@link Expiry}). An expired or flushed item is
 * invisible from that second on; its memory is reclaimed when it is next asked for or when eviction walks its
 * segment.
 *
 * <p>Values in flight (declared by a storage command, not yet received) are charged to the same limit before their
 * arrays are allocated, through {@link #chargeValue}: see {@link InFlightValues}.
 *
 * <p>Threading: thread-safe.
 */
public final class MemcacheStore {

    public static final long DEFAULT_MEMORY_LIMIT = 64L << 20;
    public static final int DEFAULT_MAX_ITEM_SIZE = 1 << 20;
    /** Bytes each item takes in its segment beyond its key and value: the header ({@link ItemLayout}). */
    public static final int ITEM_OVERHEAD = ItemLayout.HEADER;
    /** The memory limit may be at most 1/HEAP_SHARE of the JVM's maximum heap. */
    public static final int HEAP_SHARE = 2;

    private final Expiry expiry;
    private final int maxItemSize;
    private volatile long memoryLimit;
    private final MemcacheStats stats;
    private final ItemIndex index = new ItemIndex();
    private final Segments segments;
    private final Ghosts ghosts = new Ghosts();
    private final AtomicLong casIds = new AtomicLong();
    private final InFlightValues inFlight;
    private final ValueReferences references = new ValueReferences(() -> this.memoryLimit);
    private final Eviction eviction;

    public MemcacheStore(long memoryLimit, int maxItemSize) {
        this(memoryLimit, maxItemSize, MemcacheClock.SYSTEM);
    }

    public MemcacheStore(long memoryLimit, int maxItemSize, MemcacheClock clock) {
        this(memoryLimit, maxItemSize, clock, Segments.slabBytes());
    }

    /** A store whose segments are cut from slabs of {@code slabBytes} when it is large enough (tests). */
    MemcacheStore(long memoryLimit, int maxItemSize, MemcacheClock clock, int slabBytes) {
        if (memoryLimit <= 0 || maxItemSize <= 0) {
            throw new IllegalArgumentException("memory limit and max item size must be positive");
        }
        this.expiry = new Expiry(clock);
        this.maxItemSize = maxItemSize;
        this.memoryLimit = memoryLimit;
        this.stats = new MemcacheStats();
        this.segments = new Segments(memoryLimit, slabBytes);
        this.eviction = new Eviction(segments, index, ghosts, expiry, stats);
        this.inFlight = new InFlightValues(() -> this.memoryLimit, this::applyBudget);
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
     * half of it. The segments take the limit; the other half holds the index and ghosts (about 15 bytes per item),
     * the rest of the server (connections, Spring, the actuator) and the collector's working room.
     */
    public static long maxMemoryLimit(long maxHeap) {
        return maxHeap / HEAP_SHARE;
    }

    /** The segments may take the limit less what values in flight have carved out of it; evicts down to that. */
    private void applyBudget(long carved) {
        eviction.fitBudget(Math.max(0, memoryLimit - carved));
    }

    /**
     * Charges a value about to be received, before its array is allocated (memcached takes the item from its slab
     * budget when it parses the command line): the bytes its item will take, carved out of the memory limit. Returns
     * the charge to give back with {@link #releaseValue} once the value is stored or dropped, or -1 when values in
     * flight already hold their share of the limit (the caller answers {@code SERVER_ERROR out of memory storing
     * object}).
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
        return index.count();
    }

    /** Bytes of the items held: headers, keys and values in their segments (memcached's {@code bytes}). */
    public long bytesUsed() {
        return index.bytes();
    }

    /** Bytes of segment arrays allocated, at most the memory limit (memcached's {@code total_malloced}). */
    public long bytesAllocated() {
        return segments.allocated();
    }

    /** Bytes the index and the ghost table take beside the segments. */
    public long indexBytes() {
        return index.tableBytes() + 2L * ghosts.capacity();
    }

    static long weight(int keyLength, long dataLength) {
        return ITEM_OVERHEAD + (long) keyLength + dataLength;
    }

    static long hash(byte[] key, int offset, int length) {
        return SipHash.KEYS.hash(key, offset, length);
    }

    // ---------------------------------------------------------------- time

    /** memcached's current_time: seconds since the process start ({@link Expiry#now}). */
    long now() {
        return expiry.now();
    }

    /** A client exptime as the store's time ({@link Expiry#realtime}). */
    long realtime(long exptime) {
        return expiry.realtime(exptime);
    }

    long nextCas() {
        return casIds.incrementAndGet();
    }

    // ---------------------------------------------------------------- liveness (under the key's lock)

    /** Whether the item is neither flushed nor expired, counting the ones found dead (memcached's do_item_get). */
    private boolean alive(byte[] a, int at, long now) {
        if (expiry.flushed(a, at, now)) {
            stats.getFlushed.increment();
            return false;
        }
        if (Expiry.expired(a, at, now)) {
            stats.getExpired.increment();
            return false;
        }
        return true;
    }

    /** Marks a fetch: the item was hit, and hit twice it counts as recently used (memcached's do_item_bump). */
    private static void bump(byte[] a, int at, long now) {
        int bits = ItemLayout.bits(a, at);
        if ((bits & ItemLayout.FETCHED) == 0) {
            ItemLayout.bits(a, at, bits | ItemLayout.FETCHED);
        } else if (ItemLayout.time(a, at) != now) {
            ItemLayout.time(a, at, now);
        }
        int f = ItemLayout.freq(a, at);
        if (f < ItemLayout.MAX_FREQ) {
            ItemLayout.freq(a, at, f + 1);
        }
    }

    /** {@link #bump(byte[], int, long)} for an item a {@link #compute} function returns. */
    static void bump(Item it, long now) {
        if (!it.fetched) {
            it.fetched = true;
        } else if (it.time != now) {
            it.time = now;
        }
    }

    // ---------------------------------------------------------------- reads

    /** What reads a hit, under its key's lock ({@link #get}). */
    @FunctionalInterface
    interface ItemReader {
        void read(ItemView item);
    }

    /**
     * Looks {@code key[offset, offset + length)} up, hashing it where it lies; on a hit (neither expired nor flushed)
     * calls {@code reader} (if not null) with {@code view} showing the item, under the key's lock, and returns true.
     *
     * @param bump whether the access counts (memcached's bump; off for meta's {@code u} flag and {@code me})
     */
    boolean get(byte[] key, int offset, int length, boolean bump, ItemView view, ItemReader reader) {
        long h = hash(key, offset, length);
        ItemIndex.Stripe s = index.stripe(h);
        synchronized (s) {
            int slot = s.find(ItemIndex.fingerprint(h), segments, key, offset, length);
            if (slot < 0) {
                return false;
            }
            long loc = ItemIndex.location(s.entryAt(slot));
            byte[] a = segments.array(loc);
            int at = segments.at(loc);
            long now = now();
            if (!alive(a, at, now)) {
                s.unlink(slot, ItemLayout.size(a, at));
                return false;
            }
            view.fetchedBefore = (ItemLayout.bits(a, at) & ItemLayout.FETCHED) != 0;
            view.timeBefore = ItemLayout.time(a, at);
            if (bump) {
                bump(a, at, now);
            }
            if (reader != null) {
                view.set(a, at, segments.ownArray(a));
                try {
                    reader.read(view);
                } finally {
                    view.clear();
                }
            }
            return true;
        }
    }

    /**
     * touch and gat: sets a new expiry on a live item, keeping its CAS, counting the access; calls {@code reader}
     * (may be null) with the updated item under the key's lock. False on a miss.
     */
    boolean touch(byte[] key, int offset, int length, long exptime, ItemView view, ItemReader reader) {
        long h = hash(key, offset, length);
        ItemIndex.Stripe s = index.stripe(h);
        synchronized (s) {
            int slot = s.find(ItemIndex.fingerprint(h), segments, key, offset, length);
            if (slot < 0) {
                return false;
            }
            long loc = ItemIndex.location(s.entryAt(slot));
            Segments.Segment seg = segments.segment(loc);
            byte[] a = seg.array;
            int at = segments.at(loc);
            long now = now();
            if (!alive(a, at, now)) {
                s.unlink(slot, ItemLayout.size(a, at));
                return false;
            }
            bump(a, at, now);
            ItemLayout.exptime(a, at, exptime);
            if (reader != null) {
                view.set(a, at, seg.jumbo);
                try {
                    reader.read(view);
                } finally {
                    view.clear();
                }
            }
            return true;
        }
    }

    // ---------------------------------------------------------------- storage commands

    // What store() returns when it did not store: negative numbers (a stored item's CAS is positive).
    static final long NOT_STORED = -1;
    static final long EXISTS = -2;
    static final long NOT_FOUND = -3;
    static final long NO_MEMORY = -4;
    /** tryStore's answer when it needs room made first. */
    private static final long NEEDS_ROOM = -5;

    /** The result a {@link #store} outcome stands for. */
    static StoreResult result(long outcome) {
        if (outcome > 0) {
            return StoreResult.STORED;
        }
        return switch ((int) outcome) {
            case (int) NOT_STORED -> StoreResult.NOT_STORED;
            case (int) EXISTS -> StoreResult.EXISTS;
            case (int) NOT_FOUND -> StoreResult.NOT_FOUND;
            default -> StoreResult.NO_MEMORY;
        };
    }

    /** Thrown by {@link #compute} when no room can be made for the item it would store. */
    static final class NoMemoryException extends RuntimeException {
        NoMemoryException() {
            super("SERVER_ERROR out of memory storing object", null, false, false);
        }
    }

    /** What a storage attempt found it lacked: room of {@code size} bytes in {@code queue}. */
    private record Room(int queue, int size) {
    }

    /** Per thread: the room the last {@link #tryStore} of this thread needed. */
    private static final ThreadLocal<int[]> NEEDED = ThreadLocal.withInitial(() -> new int[2]);

    /**
     * Stores an item under {@code mode}, memcached's do_store_item: the CAS test applies to every mode (append and
     * prepend accept a matching or absent CAS), append and prepend keep the old item's flags and expiry, add
     * counts as an access of the item it refuses to replace.
     *
     * @param data       the value with its CRLF: {@code data[0, dataLength)}
     * @param reqCas     the CAS the client compared against, 0 for none
     * @param setStale   meta's {@code I} flag: a CAS older than the item's stores the value marked stale
     * @return the new item's CAS when stored, else {@link #NOT_STORED}, {@link #EXISTS}, {@link #NOT_FOUND} or
     *         {@link #NO_MEMORY} (see {@link #result})
     */
    long store(StoreMode mode, byte[] key, int offset, int length, byte[] data, int dataLength, int flags,
            long exptime, int bits, long reqCas, boolean setStale) {
        long h = hash(key, offset, length);
        while (true) {
            long r = tryStore(h, mode, key, offset, length, data, dataLength, flags, exptime, bits, reqCas, setStale);
            if (r != NEEDS_ROOM) {
                return r;
            }
            int[] room = NEEDED.get();
            if (!eviction.makeRoom(room[0], room[1])) {
                return NO_MEMORY;
            }
        }
    }

    private long tryStore(long h, StoreMode mode, byte[] key, int offset, int length, byte[] data, int dataLength,
            int flags, long exptime, int bits, long reqCas, boolean setStale) {
        ItemIndex.Stripe s = index.stripe(h);
        int fp = ItemIndex.fingerprint(h);
        synchronized (s) {
            long now = now();
            int slot = s.find(fp, segments, key, offset, length);
            byte[] a = null;
            int at = 0;
            Segments.Segment seg = null;
            if (slot >= 0) {
                long loc = ItemIndex.location(s.entryAt(slot));
                seg = segments.segment(loc);
                a = seg.array;
                at = segments.at(loc);
                if (!alive(a, at, now)) {
                    s.unlink(slot, ItemLayout.size(a, at));
                    slot = -1;
                }
            }
            byte[] value = data;
            int valueLength = dataLength - 2;
            int storeFlags = flags;
            long storeExptime = exptime;
            int storeBits = bits;
            if (slot >= 0) {
                long oldCas = ItemLayout.cas(a, at);
                boolean casNone = reqCas == 0;
                boolean casMatch = !casNone && reqCas == oldCas;
                switch (mode) {
                    case ADD -> {
                        ItemLayout.time(a, at, now);
                        return NOT_STORED;
                    }
                    case CAS -> {
                        boolean casStale = !casNone && !casMatch && setStale && Long.compareUnsigned(reqCas, oldCas) < 0;
                        if (casStale) {
                            int oldBits = ItemLayout.bits(a, at);
                            storeBits = bits | Item.STALE | (oldBits & Item.TOKEN_SENT);
                            storeExptime = ItemLayout.exptime(a, at);
                        } else if (!casMatch) {
                            stats.casBadval.increment();
                            return EXISTS;
                        }
                    }
                    case APPEND, PREPEND -> {
                        if (!casNone && !casMatch) {
                            return EXISTS;
                        }
                        int oldLength = ItemLayout.valueLength(a, at);
                        long combined = (long) oldLength + valueLength;
                        int oldFlags = ItemLayout.flags(a, at);
                        if (!ItemSizes.sizeOk(length, oldFlags, combined + 2, maxItemSize)
                                || weight(length, combined + 2) > memoryLimit) {
                            return NOT_STORED; // memcached: the allocation fails
                        }
                        byte[] joined = new byte[(int) combined + 2];
                        int oldValue = ItemLayout.valueOffset(a, at);
                        if (mode == StoreMode.APPEND) {
                            System.arraycopy(a, oldValue, joined, 0, oldLength);
                            System.arraycopy(data, 0, joined, oldLength, dataLength);
                        } else {
                            System.arraycopy(data, 0, joined, 0, valueLength);
                            System.arraycopy(a, oldValue, joined, valueLength, oldLength);
                            joined[joined.length - 2] = '\r';
                            joined[joined.length - 1] = '\n';
                        }
                        value = joined;
                        valueLength = (int) combined;
                        storeFlags = oldFlags;
                        storeExptime = ItemLayout.exptime(a, at);
                        storeBits = bits & Item.KEY_BINARY;
                    }
                    default -> {
                        // SET, REPLACE: the new item replaces the old
                    }
                }
            } else if (mode == StoreMode.CAS) {
                stats.casMisses.increment();
                return NOT_FOUND;
            } else if (mode != StoreMode.ADD && mode != StoreMode.SET) {
                return NOT_STORED;
            }
            int size = ItemLayout.size(length, valueLength);
            int queue = seg != null && slot >= 0 ? seg.queue : ghosts.has(h) ? Segments.MAIN : Segments.SMALL;
            int freq = slot >= 0 ? ItemLayout.freq(a, at) : 0;
            long cas = nextCas();
            if (!link(s, slot, fp, h, size, queue, freq, key, offset, length, value, valueLength, storeFlags,
                    storeExptime, cas, storeBits, now)) {
                int[] room = NEEDED.get();
                room[0] = queue;
                room[1] = size;
                return NEEDS_ROOM;
            }
            if (mode == StoreMode.CAS) {
                stats.casHits.increment();
            }
            stats.totalItems.increment();
            return cas;
        }
    }

    /**
     * Writes a new item and links it in place of the entry at {@code slot} (or as a new entry when -1); the caller
     * holds the stripe's lock. False, with nothing changed, when there is no room without eviction.
     */
    private boolean link(ItemIndex.Stripe s, int slot, int fp, long h, int size, int queue, int freq, byte[] key,
            int keyOffset, int keyLength, byte[] value, int valueLength, int flags, long exptime, long cas, int bits,
            long time) {
        boolean jumbo = size > segments.jumboThreshold;
        long to = jumbo ? segments.reserveJumbo(size) : segments.reserve(queue, size, false);
        if (to < 0) {
            return false;
        }
        byte[] dst = segments.array(to);
        int at = segments.at(to);
        ItemLayout.write(dst, at, key, keyOffset, keyLength, value, valueLength, flags, exptime, cas, bits, time,
                freq);
        long entry = ItemIndex.entry(fp, to);
        boolean linked = true;
        if (slot >= 0) {
            long old = ItemIndex.location(s.entryAt(slot));
            s.bytes -= ItemLayout.size(segments.array(old), segments.at(old));
            s.replace(slot, entry);
        } else {
            linked = s.insert(entry);
        }
        if (linked) {
            s.bytes += size;
            if (queue == Segments.MAIN && slot < 0) {
                ghosts.take(h);
            }
        }
        segments.unpin(to);
        if (jumbo) {
            segments.enqueueJumbo(to, queue); // dead at once if it was not linked: eviction reclaims it
        }
        return linked;
    }

    /** Removes whatever is under {@code key} (a failed set must not leave the old value visible). */
    void unlink(byte[] key, int offset, int length) {
        long h = hash(key, offset, length);
        ItemIndex.Stripe s = index.stripe(h);
        synchronized (s) {
            int slot = s.find(ItemIndex.fingerprint(h), segments, key, offset, length);
            if (slot >= 0) {
                long loc = ItemIndex.location(s.entryAt(slot));
                s.unlink(slot, ItemLayout.size(segments.array(loc), segments.at(loc)));
            }
        }
    }

    // ---------------------------------------------------------------- read-modify-write

    /**
     * The function {@link #compute} applies: it sees a snapshot of the live item (null if there is none, dead ones
     * dropped) and returns the item to keep (the snapshot itself), a changed copy ({@link Item#copy}: with no new
     * data the stored item's header is updated in place), a new item, or null to remove it.
     *
     * <p>It runs under the key's lock and may run more than once (again after room was made for what it returned),
     * so it must be short, touch no other key, and have no effect but its result and state it resets each time.
     */
    @FunctionalInterface
    interface ItemFunction {
        Item apply(Item live, long now);
    }

    /**
     * The atomic primitive every other read-modify-write command is built on: runs {@code f} on the live item under
     * the key's lock and applies its result. Returns that result, its value loaded if {@code loadValue}.
     *
     * @throws NoMemoryException when the item {@code f} returned cannot be given room
     */
    Item compute(byte[] key, int offset, int length, boolean loadValue, ItemFunction f) {
        long h = hash(key, offset, length);
        ItemIndex.Stripe s = index.stripe(h);
        int fp = ItemIndex.fingerprint(h);
        while (true) {
            Room room = null;
            Item result;
            synchronized (s) {
                long now = now();
                int slot = s.find(fp, segments, key, offset, length);
                Item live = null;
                byte[] a = null;
                int at = 0;
                Segments.Segment seg = null;
                if (slot >= 0) {
                    long loc = ItemIndex.location(s.entryAt(slot));
                    seg = segments.segment(loc);
                    a = seg.array;
                    at = segments.at(loc);
                    if (alive(a, at, now)) {
                        live = Item.snapshot(a, at);
                    } else {
                        s.unlink(slot, ItemLayout.size(a, at));
                        slot = -1;
                    }
                }
                try {
                    result = f.apply(live, now);
                    if (result == null) {
                        if (live != null) {
                            s.unlink(slot, ItemLayout.size(a, at));
                        }
                    } else if (live != null && result.keepsValueOf(live)) {
                        ItemLayout.flags(a, at, result.flags);
                        ItemLayout.exptime(a, at, result.exptime);
                        ItemLayout.cas(a, at, result.cas);
                        ItemLayout.bits(a, at, result.bits | (result.fetched ? ItemLayout.FETCHED : 0));
                        ItemLayout.time(a, at, result.time);
                        if (loadValue) {
                            result.data();
                        }
                    } else {
                        byte[] data = result.data();
                        int size = ItemLayout.size(length, data.length - 2);
                        int queue = live != null ? seg.queue : ghosts.has(h) ? Segments.MAIN : Segments.SMALL;
                        int freq = live != null ? ItemLayout.freq(a, at) : 0;
                        int bits = result.bits | (result.fetched ? ItemLayout.FETCHED : 0);
                        if (!link(s, slot, fp, h, size, queue, freq, key, offset, length, data, data.length - 2,
                                result.flags, result.exptime, result.cas, bits, result.time)) {
                            room = new Room(queue, size);
                        }
                    }
                } finally {
                    if (live != null) {
                        live.detach();
                    }
                }
            }
            if (room == null) {
                return result;
            }
            if (!eviction.makeRoom(room.queue(), room.size())) {
                throw new NoMemoryException();
            }
        }
    }

    /** delete: true if a live item was removed. */
    boolean delete(byte[] key, int offset, int length) {
        long h = hash(key, offset, length);
        ItemIndex.Stripe s = index.stripe(h);
        synchronized (s) {
            int slot = s.find(ItemIndex.fingerprint(h), segments, key, offset, length);
            if (slot < 0) {
                return false;
            }
            long loc = ItemIndex.location(s.entryAt(slot));
            byte[] a = segments.array(loc);
            int at = segments.at(loc);
            boolean live = alive(a, at, now());
            s.unlink(slot, ItemLayout.size(a, at));
            return live;
        }
    }

    /**
     * incr/decr, memcached's do_add_delta ({@link IncrDecr}), counting a hit.
     *
     * @param reqCas a CAS the item must have (meta arithmetic's {@code C}), 0 for none
     */
    IncrDecr.Outcome delta(byte[] key, int offset, int length, boolean incr, long delta, long reqCas) {
        IncrDecr.Outcome[] out = new IncrDecr.Outcome[1];
        compute(key, offset, length, true, (old, now) -> {
            out[0] = applyDelta(old, now, incr, delta, reqCas);
            return out[0].item() != null ? out[0].item() : old;
        });
        IncrDecr.Outcome o = out[0];
        if (o.status() == IncrDecr.Status.OK) {
            (incr ? stats.incrHits : stats.decrHits).increment();
        }
        return o;
    }

    /** The body of {@link #delta}, for callers already inside {@link #compute}; counts nothing. */
    IncrDecr.Outcome applyDelta(Item old, long now, boolean incr, long delta, long reqCas) {
        return IncrDecr.apply(old, now, incr, delta, reqCas, casIds);
    }

    /**
     * flush_all, memcached's semantics: items last stored or bumped at or before the horizon are invisible from
     * the horizon on; they are reclaimed as they are found (asked for, or walked by eviction).
     *
     * @param delay the client's argument; 0 or negative flushes now
     */
    void flushAll(long delay) {
        expiry.flushAll(delay, casIds);
    }

    /** Drops everything (tests, and an operator's reset). */
    public void clear() {
        clear(0);
    }

    private void clear(int stripe) {
        if (stripe == ItemIndex.STRIPES) {
            segments.clear();
            return;
        }
        ItemIndex.Stripe s = index.stripeAt(stripe);
        synchronized (s) {
            s.clear();
            clear(stripe + 1);
        }
    }
}
