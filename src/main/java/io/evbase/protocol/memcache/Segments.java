package io.evbase.protocol.memcache;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's memory: items appended to large arrays (segments), and the two FIFO queues of full segments that
 * eviction walks, after S3-FIFO (Yang et al., SOSP '23): a small queue that new items enter and a main queue for
 * the items that were asked for again (see {@link MemcacheStore}'s eviction).
 *
 * <p>A segment is an array of {@link #segmentSize} bytes (at most 256 KiB, so that it is an ordinary object to the
 * collector, never a humongous one); items are appended at its end, by one writer at a time per queue, and never
 * change their key or value afterwards. Items larger than half a segment get an array of their own (a "jumbo"
 * segment of one item), which is never reused and may therefore be written to sockets by reference. The arrays
 * are allocated as the cache fills, up to the memory limit, and reused once eviction has emptied them.
 *
 * <p>A location (what the index keeps) is a segment id and an offset in 44 bits: {@link #OFFSET_BITS} for the
 * offset, the rest for the id.
 *
 * <p>Threading: thread-safe. Appends to a queue's open segment hold that queue's append lock; the free list, the
 * budget and the queues hold {@code this}'s monitor, briefly. A segment being written has a writer pin (from the
 * reservation until the item is linked in the index); eviction takes a segment only once it is sealed and has none.
 */
final class Segments {

    static final int SMALL = 0;
    static final int MAIN = 1;
    static final int OFFSET_BITS = 18;
    static final int MAX_SEGMENT_SIZE = 1 << OFFSET_BITS;
    static final int MIN_SEGMENT_SIZE = 16 * 1024;
    /** Segments kept for eviction's moves: an evictor copying the items it keeps must not have to evict for room. */
    static final int RESERVE = 2;

    /** One array and its bookkeeping. */
    static final class Segment {
        final int id;
        byte[] array;
        /** Bytes appended (the next item's offset). Written by the writer holding the queue's append lock. */
        int used;
        /** The queue it is in, or was written for while open. */
        int queue;
        final boolean jumbo;
        /** Reservations not yet linked in the index. */
        final AtomicInteger writers = new AtomicInteger();

        Segment(int id, byte[] array, boolean jumbo) {
            this.id = id;
            this.array = array;
            this.jumbo = jumbo;
        }
    }

    final int segmentSize;
    final int jumboThreshold;
    private volatile Segment[] byId = new Segment[64];
    /** The arrays by segment id, beside {@link #byId}: a lookup reaches an item in one step fewer. */
    private volatile byte[][] arrays = new byte[64][];
    private final ArrayDeque<Segment> free = new ArrayDeque<>();
    private final ArrayDeque<Segment> reserve = new ArrayDeque<>();
    private final java.util.BitSet usedIds = new java.util.BitSet();
    private final ArrayDeque<Segment>[] queues;
    private final long[] queueBytes = new long[2];
    private final Segment[] open = new Segment[2];
    private final Object[] appendLocks = {new Object(), new Object()};
    /** Bytes of arrays allocated (free ones included). */
    private long allocated;
    /** Bytes the arrays may take in all. */
    private long budget;

    /**
     * @param segmentSize bytes per segment, between {@link #MIN_SEGMENT_SIZE} and {@link #MAX_SEGMENT_SIZE}
     * @param budget      bytes all arrays may take (the memory limit)
     */
    @SuppressWarnings("unchecked")
    Segments(int segmentSize, long budget) {
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segment size " + segmentSize);
        }
        this.segmentSize = segmentSize;
        this.jumboThreshold = segmentSize / 2;
        this.budget = budget;
        this.queues = new ArrayDeque[] {new ArrayDeque<Segment>(), new ArrayDeque<Segment>()};
    }

    /** The segment size for a memory limit: a 64th of it, a power of two between 16 KiB and 256 KiB. */
    static int segmentSizeFor(long memoryLimit) {
        long s = Long.highestOneBit(Math.max(1, memoryLimit / 64));
        return (int) Math.max(MIN_SEGMENT_SIZE, Math.min(MAX_SEGMENT_SIZE, s));
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

    byte[] array(long location) {
        return arrays[id(location)];
    }

    /** Whether the array at {@code location} is an item's own (a jumbo segment, never reused). */
    boolean ownArray(byte[] array) {
        return array.length != segmentSize;
    }

    // ---------------------------------------------------------------- budget

    synchronized void setBudget(long bytes) {
        budget = bytes;
    }

    synchronized long budget() {
        return budget;
    }

    synchronized long allocated() {
        return allocated;
    }

    /** Bytes of items' arrays in the queues, for the eviction policy: {small, main}. */
    synchronized long queueBytes(int queue) {
        return queueBytes[queue];
    }

    synchronized boolean queueEmpty(int queue) {
        return queues[queue].isEmpty();
    }

    /** Drops free segments' arrays while the arrays are over budget (after the limit was lowered). */
    synchronized void trimFree() {
        while (allocated > budget && !free.isEmpty()) {
            drop(free.pollLast());
        }
        while (allocated > budget && !reserve.isEmpty()) {
            drop(reserve.pollLast());
        }
    }

    /** Whether the arrays are over budget (after the limit was lowered): eviction should drop arrays. */
    synchronized boolean overBudget() {
        return allocated > budget;
    }

    // ---------------------------------------------------------------- appending

    /**
     * Reserves {@code size} bytes in {@code queue}'s open segment, or in a fresh one taken from the free list or
     * the budget, never evicting: the location with a writer pin (give it back with {@link #unpin}), or -1 when
     * there is no room without eviction. {@code size <= jumboThreshold}.
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
            return !free.isEmpty() || allocated + segmentSize <= budget - (long) RESERVE * segmentSize;
        }
    }

    /**
     * A jumbo segment of exactly {@code size} bytes for one item, within the budget, dropping free segments'
     * arrays for room if needed: its location (offset 0) with a writer pin, or -1. Queue it with
     * {@link #enqueueJumbo} once the item is linked.
     */
    long reserveJumbo(int size) {
        Segment s;
        synchronized (this) {
            long limit = budget - (long) RESERVE * segmentSize;
            while (allocated + size > limit && !free.isEmpty()) {
                drop(free.pollLast());
            }
            if (allocated + size > limit) {
                return -1;
            }
            allocated += size;
            s = new Segment(newId(), null, true);
        }
        s.array = new byte[size];
        s.used = size;
        s.writers.incrementAndGet();
        register(s);
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

    /** A free segment (array allocated if the budget allows), or null. */
    private synchronized Segment takeFree(boolean useReserve) {
        while (allocated > budget && !free.isEmpty()) {
            drop(free.pollLast()); // the limit was lowered: give arrays back rather than reuse them
        }
        Segment s = free.pollFirst();
        if (s != null) {
            return s;
        }
        long limit = budget - (long) RESERVE * segmentSize;
        if (allocated + segmentSize <= limit) {
            allocated += segmentSize;
            s = new Segment(newId(), null, false);
            s.array = new byte[segmentSize];
            register(s);
            return s;
        }
        if (useReserve) {
            s = reserve.pollFirst();
            if (s == null && allocated + segmentSize <= budget) {
                allocated += segmentSize;
                s = new Segment(newId(), null, false);
                    s.array = new byte[segmentSize];
                register(s);
            }
            return s;
        }
        return null;
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

    /** A segment eviction has emptied: its array is reused, or dropped (jumbo, or over the budget). */
    synchronized void release(Segment s) {
        if (s.jumbo || allocated > budget) {
            drop(s);
        } else if (reserve.size() < RESERVE) {
            reserve.addLast(s);
        } else {
            free.addLast(s);
        }
    }

    private void drop(Segment s) {
        long size = s.jumbo ? s.array.length : segmentSize;
        allocated -= size;
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
                            drop(s);
                        }
                    }
                    open[SMALL] = null;
                    open[MAIN] = null;
                    free.clear();
                    reserve.clear();
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

    /**
     * Makes the segment reachable by its id. Readers find a segment through a location they read from the index
     * under a stripe lock, which the writer took after this: that orders the element write before their read. A
     * larger table is published through the volatile field.
     */
    private synchronized void register(Segment s) {
        Segment[] a = byId;
        byte[][] b = arrays;
        if (s.id >= a.length) {
            int n = Math.max(a.length * 2, s.id + 1);
            a = java.util.Arrays.copyOf(a, n);
            b = java.util.Arrays.copyOf(b, n);
            a[s.id] = s;
            b[s.id] = s.array;
            arrays = b;
            byId = a;
        } else {
            a[s.id] = s;
            b[s.id] = s.array;
        }
    }
}
