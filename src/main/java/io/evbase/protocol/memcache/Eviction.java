package io.evbase.protocol.memcache;

/**
 * The store's eviction, S3-FIFO (Yang et al., SOSP '23) over the queues of {@link Segments}: makes room for an
 * item, and brings the segments down to their budget when the memory limit shrinks.
 *
 * <p>New items enter the small queue (about a tenth of the memory); the main queue holds items asked for again.
 * When room is needed, the oldest segment of the small queue (while it holds more than its share) or else of the
 * main queue is walked: an item of the small queue that was read since it was stored moves to the main queue, one
 * that was not is evicted and its key's fingerprint remembered as a ghost ({@link Ghosts}), so that if it is stored
 * again soon it goes straight to the main queue; an item of the main queue read since the last walk is kept (its
 * hit count decremented), the others are evicted. One-hit wonders and scans pass through the small queue without
 * pushing out the hot set, which memcached's segmented LRU only partly resists. Expired and flushed items are
 * reclaimed by the same walk ({@link Expiry}).
 *
 * <p>Threading: thread-safe. It runs on the thread that needs room, which holds no stripe lock when it calls in:
 * a walk takes each item's stripe lock in turn, only while it decides that item's fate. Several threads may evict
 * at once, each walking a segment of its own ({@link Segments#pollOldest} hands each segment to one); no thread
 * waits for another's eviction.
 */
final class Eviction {

    /** Share of the memory the small queue may hold before eviction walks it rather than the main queue. */
    static final double SMALL_SHARE = 0.1;

    private final Segments segments;
    private final ItemIndex index;
    private final Ghosts ghosts;
    private final Expiry expiry;
    private final MemcacheStats stats;

    /** Eviction over the store's memory, index and ghosts; it counts evictions and reclaims in {@code stats}. */
    Eviction(Segments segments, ItemIndex index, Ghosts ghosts, Expiry expiry, MemcacheStats stats) {
        this.segments = segments;
        this.index = index;
        this.ghosts = ghosts;
        this.expiry = expiry;
        this.stats = stats;
    }

    /**
     * Makes room for {@code size} bytes in {@code queue}: a new slab while the memory limit allows, else eviction,
     * until a segment can be had or nothing is left to evict (false). Called holding no lock.
     */
    boolean makeRoom(int queue, int size) {
        boolean jumbo = size > segments.jumboThreshold;
        while (true) {
            if (jumbo ? segments.hasJumboRoom(size) : segments.hasRoom(queue, size)) {
                return true;
            }
            if (!jumbo && segments.grow()) {
                continue; // the memory limit had room for another slab
            }
            if (!evictOne()) {
                return false;
            }
        }
    }

    /** Sets the segments' budget to {@code bytes} and evicts down to it. Called holding no lock. */
    void fitBudget(long bytes) {
        segments.setBudget(bytes);
        segments.trimFree();
        while (segments.overBudget() && evictOne()) {
            segments.trimFree();
        }
    }

    /** Evicts one segment (see the class comment); false when there was none to take. */
    private boolean evictOne() {
        int queue = segments.queueBytes(Segments.SMALL) >= SMALL_SHARE * segments.budget()
                || segments.queueEmpty(Segments.MAIN) ? Segments.SMALL : Segments.MAIN;
        Segments.Segment v = segments.pollOldest(queue);
        if (v == null) {
            v = segments.pollOldest(1 - queue);
        }
        if (v == null && (segments.sealOpen(Segments.SMALL) | segments.sealOpen(Segments.MAIN))) {
            v = segments.pollOldest(Segments.SMALL);
            if (v == null) {
                v = segments.pollOldest(Segments.MAIN);
            }
        }
        if (v == null) {
            return false;
        }
        evict(v);
        long items = index.count();
        int ghostSlots = ghosts.capacity();
        if (items > 2L * ghostSlots || items * 4 < ghostSlots && ghostSlots > 1024) {
            ghosts.resize(items);
        }
        return true;
    }

    /** Walks a segment taken from its queue: keeps, moves or evicts each of its live items, then releases it. */
    private void evict(Segments.Segment v) {
        boolean fromSmall = v.queue == Segments.SMALL;
        byte[] a = v.array;
        int end = v.base + v.used;
        long now = expiry.now();
        boolean keep = false;
        for (int at = v.base; at < end; ) {
            int size = ItemLayout.size(a, at);
            int keyLength = ItemLayout.keyLength(a, at);
            long h = SipHash.KEYS.hash(a, ItemLayout.keyOffset(at), keyLength);
            ItemIndex.Stripe s = index.stripe(h);
            int fp = ItemIndex.fingerprint(h);
            long entry = ItemIndex.entry(fp, Segments.location(v.id, at - v.base));
            synchronized (s) {
                int slot = s.findEntry(entry);
                if (slot >= 0) {
                    boolean fetched = (ItemLayout.bits(a, at) & ItemLayout.FETCHED) != 0;
                    if (expiry.flushed(a, at, now) || Expiry.expired(a, at, now)) {
                        s.unlink(slot, size);
                        stats.reclaimed.increment();
                        if (!fetched) {
                            stats.expiredUnfetched.increment();
                        }
                    } else {
                        int f = ItemLayout.freq(a, at);
                        boolean kept = false;
                        if (f > 0) {
                            int nf = fromSmall ? 0 : f - 1;
                            if (v.jumbo) {
                                ItemLayout.freq(a, at, nf);
                                keep = true;
                                kept = true;
                            } else {
                                long to = segments.reserve(Segments.MAIN, size, true);
                                if (to >= 0) {
                                    byte[] dst = segments.array(to);
                                    int dat = segments.at(to);
                                    System.arraycopy(a, at, dst, dat, size);
                                    ItemLayout.freq(dst, dat, nf);
                                    s.replace(slot, ItemIndex.entry(fp, to));
                                    segments.unpin(to);
                                    kept = true;
                                }
                            }
                        }
                        if (!kept) {
                            s.unlink(slot, size);
                            stats.evictions.increment();
                            if (!fetched) {
                                stats.evictedUnfetched.increment();
                            }
                            if (fromSmall) {
                                ghosts.add(h);
                            }
                        }
                    }
                }
            }
            at += size;
        }
        if (keep) {
            segments.requeue(v, Segments.MAIN);
        } else {
            segments.release(v);
        }
    }
}
