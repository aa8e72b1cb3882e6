package io.evbase.protocol.memcache;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's memory: items appended to segments of large arrays, and the two FIFO queues of full segments that
 * eviction walks, after S3-FIFO (Yang et al., SOSP '23): a small queue that new items enter and a main queue for
 * the items that were asked for again (see {@link Eviction}).
 *
 * <p>A segment is at most 256 KiB, so that eviction walks a few thousand items at a time; items are appended at its
 * end, by one writer at a time per queue, and never change their key or value afterwards. In a large store the
 * segments are cut from slabs, arrays the size of one G1 region: the collector allocates them straight in the old
 * generation and never copies them (an array of ordinary size would be copied out of the young generation once,
 * and a store filling at a few hundred MB/s would pay that in pauses). Items larger than half a segment get an
 * array of their own (a "jumbo" segment of one item), which is never reused and may therefore be written to sockets
 * by reference. Slabs are allocated as the cache fills, up to the memory limit, and their segments reused once
 * eviction has emptied them; lowering the limit parks segments rather than returning slabs.
 *
 * <p>A location (what the index keeps) is a segment id and an offset within the segment in 44 bits:
 * {@link #OFFSET_BITS} for the offset, the rest for the id; {@link #at} turns it into the item's position in its
 * array.
 *
 * <p>New arrays are never allocated under a lock: an array's first touch (the JVM zeroing fresh pages) can take
 * milliseconds, and a loop waiting for another loop's allocation would stall with it. A shared daemon thread,
 * {@code evbase-memcache-allocator}, keeps a slab's worth of free segments ahead of demand; a thread that finds none
 * free allocates one itself ({@link #grow}), holding no lock, before it evicts.
 *
 * <p>Threading: thread-safe. Appends to a queue's open segment hold that queue's append lock; the free list, the
 * budget and the queues hold {@code this}'s monitor, briefly. A segment being written has a writer pin (from the
 * reservation until the item is linked in the index); eviction takes a segment only once it is sealed and has none.
 * The id tables are read without locks: a reader reaches a segment through a location it read under a stripe lock,
 * which the writer took after registering the segment.
 */
final class Segments {

    static final int SMALL = 0;
    static final int MAIN = 1;
    static final int OFFSET_BITS = 18;
    static final int MAX_SEGMENT_SIZE = 1 << OFFSET_BITS;
    static final int MIN_SEGMENT_SIZE = 16 * 1024;
    /** Segments kept for eviction's moves: an evictor copying the items it keeps must not have to evict for room. */
    static final int RESERVE = 2;
    /** A store with at least this many slabs' worth of memory cuts its segments from slabs. */
    static final int MIN_SLABS = 32;

    /** One segment and its bookkeeping. */
    static final class Segment {
        final int id;
        /** The array the segment lies in: a slab shared with other segments, or the jumbo item's own. */
        byte[] array;
        /** Where the segment begins in its array. */
        final int base;
        /** Bytes appended (the next item's offset from {@link #base}). Written holding the queue's append lock. */
        int used;
        /** The queue it is in, or was written for while open. */
        int queue;
        final boolean jumbo;
        /** Reservations not yet linked in the index. */
        final AtomicInteger writers = new AtomicInteger();

        Segment(int id, byte[] array, int base, boolean jumbo) {
            this.id = id;
            this.array = array;
            this.base = base;
            this.jumbo = jumbo;
        }
    }

    final int segmentSize;
    final int jumboThreshold;
    /** Segments per slab array (1: each segment is an array of its own). */
    private final int perSlab;
    private volatile Segment[] byId = new Segment[64];
    /** The arrays and bases by segment id, beside {@link #byId}: a lookup reaches an item in one step fewer. */
    private volatile byte[][] arrays = new byte[64][];
    private volatile int[] bases = new int[64];
    private final ArrayDeque<Segment> free = new ArrayDeque<>();
    private final ArrayDeque<Segment> reserve = new ArrayDeque<>();
    /** Segments set aside after the limit was lowered: their slabs stay, they are not counted. */
    private final ArrayDeque<Segment> parked = new ArrayDeque<>();
    private final BitSet usedIds = new BitSet();
    private final ArrayDeque<Segment>[] queues;
    private final long[] queueBytes = new long[2];
    private final Segment[] open = new Segment[2];
    private final Object[] appendLocks = {new Object(), new Object()};
    /** Bytes of segments and jumbo arrays allocated (free segments included, parked ones not). */
    private long allocated;
    /** Bytes the segments may take in all. */
    private long budget;
    /** A background allocation for this store is queued or running. */
    private final AtomicBoolean refilling = new AtomicBoolean();

    /** The thread that allocates arrays ahead of demand, for every store. */
    private static final ExecutorService ALLOCATOR = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "evbase-memcache-allocator");
        t.setDaemon(true);
        return t;
    });

    /** Segments for a store of {@code budget} bytes, cut from slabs when the store is large. */
    Segments(long budget) {
        this(budget, slabBytes());
    }

    /**
     * @param budget    bytes the segments may take (the memory limit)
     * @param slabBytes bytes of one slab array (one G1 region, less the array header)
     */
    @SuppressWarnings("unchecked")
    Segments(long budget, int slabBytes) {
        if (budget >= (long) MIN_SLABS * slabBytes) {
            int n = (slabBytes + MAX_SEGMENT_SIZE - 1) / MAX_SEGMENT_SIZE;
            this.segmentSize = slabBytes / n;
            this.perSlab = n;
        } else {
            this.segmentSize = segmentSizeFor(budget);
            this.perSlab = 1;
        }
        this.jumboThreshold = segmentSize / 2;
        this.budget = budget;
        this.queues = new ArrayDeque[] {new ArrayDeque<Segment>(), new ArrayDeque<Segment>()};
    }

    /** The segment size for a memory limit too small for slabs: a 64th of it, a power of two, 16 to 256 KiB. */
    static int segmentSizeFor(long memoryLimit) {
        long s = Long.highestOneBit(Math.max(1, memoryLimit / 64));
        return (int) Math.max(MIN_SEGMENT_SIZE, Math.min(MAX_SEGMENT_SIZE, s));
    }

    /**
     * The size of a slab: an array that fills one G1 region (its size less 64 bytes for the array header), which
     * G1 allocates as a humongous object in the old generation; 4 MiB less 64 under another collector.
     */
    static int slabBytes() {
        long region = 4L << 20;
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("UseG1GC").getValue())) {
                region = Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot: the default
        }
        return (int) Math.max(MIN_SEGMENT_SIZE, Math.min(1L << 30, region) - 64);
    }

    // ---------------------------------------------------------------- locations

    static long location(int id, int offset) {
        return ((long) id << OFFSET_BITS) | offset;
    }

    static int id(long location) {
        return (int) (location >>> OFFSET_BITS);
    }

    static int offset(long location) {
        return (int) location & (MAX_SEGMENT_SIZE - 1);
    }

    Segment segment(long location) {
        return byId[id(location)];
    }

    /** The array the item at {@code location} lies in. */
    byte[] array(long location) {
        return arrays[id(location)];
    }

    /** The item's position in its array ({@link #array}). */
    int at(long location) {
        return bases[id(location)] + offset(location);
    }

    /** Whether {@code array} is an item's own (a jumbo segment, never reused). */
    boolean ownArray(byte[] array) {
        return array.length != perSlab * segmentSize;
    }

    // ---------------------------------------------------------------- budget

    /** Sets the bytes the segments may take; segments beyond it are parked as eviction frees them. */
    synchronized void setBudget(long bytes) {
        budget = bytes;
        while (allocated < budget - segmentSize && !parked.isEmpty()) {
            Segment s = parked.pollFirst(); // the limit was raised again: parked segments come back first
            allocated += segmentSize;
            free.addLast(s);
        }
    }

    synchronized long budget() {
        return budget;
    }

    synchronized long allocated() {
        return allocated;
    }

    /** Bytes of segments in a queue, for the eviction policy. */
    synchronized long queueBytes(int queue) {
        return queueBytes[queue];
    }

    synchronized boolean queueEmpty(int queue) {
        return queues[queue].isEmpty();
    }

    /** Parks free segments while the segments are over budget (after the limit was lowered). */
    synchronized void trimFree() {
        while (allocated > budget && !free.isEmpty()) {
            park(free.pollLast());
        }
        while (allocated > budget && !reserve.isEmpty()) {
            park(reserve.pollLast());
        }
    }

    /** Whether the segments are over budget (after the limit was lowered): eviction should park more. */
    synchronized boolean overBudget() {
        return allocated > budget;
    }

    // ---------------------------------------------------------------- appending

    /**
     * Reserves {@code size} bytes in {@code queue}'s open segment, or in a fresh one taken from the free list,
     * never evicting or allocating: the location with a writer pin (give it back with {@link #unpin}), or -1 when
     * there is no room without either. {@code size <= jumboThreshold}.
     *
     * @param useReserve whether the segments kept for eviction's moves may be taken
     */
    long reserve(int queue, int size, boolean useReserve) {
        synchronized (appendLocks[queue]) {
            Segment s = open[queue];
            if (s == null || s.used + size > segmentSize) {
                Segment fresh = takeFree(useReserve);
                if (fresh == null) {
                    return -1;
                }
                fresh.queue = queue;
                fresh.used = 0;
                if (s != null) {
                    seal(s);
                }
                open[queue] = fresh;
                s = fresh;
                refillAhead();
            }
            int at = s.used;
            s.used = at + size;
            s.writers.incrementAndGet();
            return location(s.id, at);
        }
    }

    /** Whether a reservation of {@code size} in {@code queue} would succeed now without eviction. */
    boolean hasRoom(int queue, int size) {
        synchronized (appendLocks[queue]) {
            Segment s = open[queue];
            if (s != null && s.used + size <= segmentSize) {
                return true;
            }
        }
        synchronized (this) {
            return !free.isEmpty();
        }
    }

    private long slabSize() {
        return (long) perSlab * segmentSize;
    }

    /**
     * A jumbo segment of exactly {@code size} bytes for one item, within the budget, parking free segments for
     * room if needed: its location (offset 0) with a writer pin, or -1. Queue it with {@link #enqueueJumbo} once
     * the item is linked.
     */
    long reserveJumbo(int size) {
        synchronized (this) {
            long limit = budget - (long) RESERVE * segmentSize;
            while (allocated + size > limit && !free.isEmpty()) {
                park(free.pollLast());
            }
            if (allocated + size > limit) {
                return -1;
            }
            allocated += size; // claimed: the array is allocated outside the monitor
        }
        byte[] array = new byte[size];
        Segment s;
        synchronized (this) {
            s = new Segment(newId(), array, 0, true);
            s.used = size;
            s.writers.incrementAndGet();
            register(s);
        }
        return location(s.id, 0);
    }

    /** Whether a jumbo reservation of {@code size} would succeed now without eviction. */
    synchronized boolean hasJumboRoom(int size) {
        long limit = budget - (long) RESERVE * segmentSize;
        return allocated + size - (long) free.size() * segmentSize <= limit;
    }

    /** Puts a jumbo segment, its item linked, at the tail of {@code queue}. */
    void enqueueJumbo(long location, int queue) {
        Segment s = segment(location);
        synchronized (this) {
            s.queue = queue;
            queues[queue].addLast(s);
            queueBytes[queue] += s.array.length;
        }
    }

    /** The reservation at {@code location} is linked (or abandoned): the segment may be evicted. */
    void unpin(long location) {
        segment(location).writers.decrementAndGet();
    }

    private void seal(Segment s) {
        synchronized (this) {
            queues[s.queue].addLast(s);
            queueBytes[s.queue] += segmentSize;
        }
    }

    /** A free segment, or null (then {@link #grow} or eviction makes one). */
    private synchronized Segment takeFree(boolean useReserve) {
        while (allocated > budget && !free.isEmpty()) {
            park(free.pollLast()); // the limit was lowered: set segments aside rather than reuse them
        }
        Segment s = free.pollFirst();
        if (s == null && useReserve) {
            s = reserve.pollFirst();
        }
        return s;
    }

    /**
     * Allocates a slab on the calling thread, holding no lock, if the budget has room for it: its segments join the
     * free list, or first the reserve kept for eviction's moves while that is short (which may take the budget's
     * last segments). False when the budget has no room (eviction must make it).
     */
    boolean grow() {
        synchronized (this) {
            long limit = reserve.size() < RESERVE ? budget : budget - (long) RESERVE * segmentSize;
            if (allocated + slabSize() > limit) {
                return false;
            }
            allocated += slabSize(); // claimed: the array is allocated outside the monitor
        }
        byte[] slab = new byte[perSlab * segmentSize];
        synchronized (this) {
            for (int i = 0; i < perSlab; i++) {
                Segment s = new Segment(newId(), slab, i * segmentSize, false);
                register(s);
                (reserve.size() < RESERVE ? reserve : free).addLast(s);
            }
        }
        return true;
    }

    /** While fewer than a slab's worth of segments are free and the budget allows more, has the allocator add one. */
    private void refillAhead() {
        if (freeCount() >= perSlab || !refilling.compareAndSet(false, true)) {
            return;
        }
        try {
            ALLOCATOR.execute(() -> {
                try {
                    while (freeCount() < perSlab && grow()) {
                        // one slab at a time, until a slab's worth is free or the budget is spent
                    }
                } finally {
                    refilling.set(false);
                }
            });
        } catch (RuntimeException e) {
            refilling.set(false); // the allocator refused (never in practice): demand allocates instead
        }
    }

    private synchronized int freeCount() {
        return free.size();
    }

    // ---------------------------------------------------------------- eviction's side

    /**
     * The oldest segment of {@code queue} that has no writer pin, taken out of the queue, or null when the queue
     * has none.
     */
    synchronized Segment pollOldest(int queue) {
        ArrayDeque<Segment> q = queues[queue];
        for (int n = q.size(); n > 0; n--) {
            Segment s = q.pollFirst();
            if (s.writers.get() == 0) {
                queueBytes[queue] -= s.jumbo ? s.array.length : segmentSize;
                return s;
            }
            q.addLast(s); // an append still linking its item: look at it again later
        }
        return null;
    }

    /** Puts a jumbo segment whose item eviction keeps at the tail of {@code queue}. */
    synchronized void requeue(Segment s, int queue) {
        s.queue = queue;
        queues[queue].addLast(s);
        queueBytes[queue] += s.jumbo ? s.array.length : segmentSize;
    }

    /**
     * Seals {@code queue}'s open segment into its queue, so that eviction can take it (when the queues are empty
     * and the open segments hold everything); false if there was none.
     */
    boolean sealOpen(int queue) {
        synchronized (appendLocks[queue]) {
            Segment s = open[queue];
            if (s == null) {
                return false;
            }
            open[queue] = null;
            seal(s);
            return true;
        }
    }

    /** A segment eviction has emptied: reused, parked (over the budget), or dropped (jumbo). */
    synchronized void release(Segment s) {
        if (s.jumbo) {
            drop(s);
        } else if (allocated > budget) {
            park(s);
        } else if (reserve.size() < RESERVE) {
            reserve.addLast(s);
        } else {
            free.addLast(s);
        }
    }

    private void park(Segment s) {
        allocated -= segmentSize;
        parked.addLast(s);
    }

    private void drop(Segment s) {
        allocated -= s.array.length;
        s.array = null;
        byId[s.id] = null;
        arrays[s.id] = null;
        usedIds.clear(s.id);
    }

    /** Drops every array: the store is emptied (the caller holds every stripe's lock). */
    void clear() {
        synchronized (appendLocks[SMALL]) {
            synchronized (appendLocks[MAIN]) {
                synchronized (this) {
                    for (Segment s : byId) {
                        if (s != null) {
                            byId[s.id] = null;
                            arrays[s.id] = null;
                        }
                    }
                    usedIds.clear();
                    allocated = 0;
                    open[SMALL] = null;
                    open[MAIN] = null;
                    free.clear();
                    reserve.clear();
                    parked.clear();
                    queues[SMALL].clear();
                    queues[MAIN].clear();
                    queueBytes[SMALL] = 0;
                    queueBytes[MAIN] = 0;
                }
            }
        }
    }

    // ---------------------------------------------------------------- ids

    private int newId() {
        int id = usedIds.nextClearBit(1);
        if (id >= 1 << (44 - OFFSET_BITS)) {
            throw new IllegalStateException("out of segment ids");
        }
        usedIds.set(id);
        return id;
    }

    /** Makes the segment reachable by its id (holding {@code this}); a larger table is published by the fields. */
    private void register(Segment s) {
        Segment[] a = byId;
        if (s.id >= a.length) {
            int n = Math.max(a.length * 2, s.id + 1);
            byte[][] b = Arrays.copyOf(arrays, n);
            int[] c = Arrays.copyOf(bases, n);
            a = Arrays.copyOf(a, n);
            a[s.id] = s;
            b[s.id] = s.array;
            c[s.id] = s.base;
            bases = c;
            arrays = b;
            byId = a;
        } else {
            bases[s.id] = s.base;
            arrays[s.id] = s.array;
            a[s.id] = s;
        }
    }
}
