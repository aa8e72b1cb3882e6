package io.evbase.buffer;

import io.evbase.loop.StripedCounter;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Pooled direct memory in chunks of one size, with a small cache per event loop in front of a shared free list,
 * under a global budget it never exceeds.
 *
 * <p>A loop takes and gives chunks through its own {@link Cache} without contention; a cache that grows past its
 * bound spills to the shared free list, and one that runs dry refills from it. The shared list itself is bounded
 * ({@code maxPooledBytes}); chunks beyond it are dropped and their memory returns to the JVM.
 *
 * <p><b>Budget.</b> The pool never holds more than {@link #budgetBytes()} of direct memory (chunks in use, cached,
 * and the loops' write windows alike). A chunk is charged before it is allocated and counted as allocated only once
 * {@code allocateDirect} succeeded; a failed allocation leaves every figure as it was. At the budget a take fails at
 * once, never waiting for memory: a write into a chain throws {@link BufferBudgetExceededException}, a socket read
 * ({@link BufferChain#readFrom}) returns {@link BufferChain#NO_MEMORY}. Reads may use only the
 * {@linkplain #readBudgetBytes() read budget}, 7/8 of the whole, so that replies still find room when input has
 * filled the pool. A loop that paused reading for memory learns that memory came back by polling
 * {@link Cache#memoryGeneration()}, which changes whenever chunks are given back where that loop can take them.
 * While a take has been refused recently, loop caches stop hoarding: what they are given goes to the shared list.
 *
 * <p>The counters are exact once no chunk is in flight: every chunk ever created is either in use (held by a
 * chain), cached (in a loop cache or the shared list) or released.
 *
 * <p>Threading: the pool and its statistics are thread-safe. A {@link Cache} is used only by its owning loop thread.
 */
public final class BufferPool {

    /** Chunks one scattering socket read fills at most (64 KiB of 16 KiB chunks, the default read watermark). */
    static final int SCATTER_CHUNKS = 4;

    /** Share of the JVM's direct-memory limit the default budget takes; the rest is left to the JDK's own buffers. */
    static final double DEFAULT_BUDGET_SHARE = 0.75;

    private final int chunkSize;
    private final int cacheChunks;
    private final long maxSharedChunks;
    private final long budgetChunks;
    private final long readBudgetChunks;
    private final DirectMemory directMemory;
    private final ConcurrentLinkedQueue<Chunk> shared = new ConcurrentLinkedQueue<>();
    private final AtomicLong sharedCount = new AtomicLong();
    /** Chunks charged to the budget: allocated, or being allocated right now. */
    private final AtomicLong chargedChunks = new AtomicLong();
    /** Chunks allocated and not released: counted after the allocation succeeded. */
    private final LongAdder allocatedChunks = new LongAdder();
    /** Changed on every take and give of every loop: a cell per loop, not a shared one. */
    private final StripedCounter inUseChunks = new StripedCounter();
    private final LongAdder allocations = new LongAdder();
    private final LongAdder readRefusals = new LongAdder();
    private final LongAdder writeRefusals = new LongAdder();
    /** Bumped whenever a chunk reaches the shared list or is released: memory any loop may take again. */
    private final AtomicLong releases = new AtomicLong();
    /** A take was refused and none from the shared list succeeded since: caches give to the shared list. */
    private volatile boolean pressure;
    private final CopyOnWriteArrayList<Cache> caches = new CopyOnWriteArrayList<>();

    /**
     * A pool with the {@linkplain #defaultBudget() default budget}.
     *
     * @param chunkSize      bytes per chunk
     * @param cacheBytes     bytes each loop cache keeps before spilling to the shared list
     * @param maxPooledBytes bytes the shared free list keeps before releasing chunks
     */
    public BufferPool(int chunkSize, long cacheBytes, long maxPooledBytes) {
        this(chunkSize, cacheBytes, maxPooledBytes, defaultBudget());
    }

    /**
     * @param chunkSize      bytes per chunk
     * @param cacheBytes     bytes each loop cache keeps before spilling to the shared list
     * @param maxPooledBytes bytes the shared free list keeps before releasing chunks
     * @param budgetBytes    direct memory the pool never exceeds, at least one chunk
     */
    public BufferPool(int chunkSize, long cacheBytes, long maxPooledBytes, long budgetBytes) {
        this(chunkSize, cacheBytes, maxPooledBytes, budgetBytes, DirectMemory.JVM);
    }

    BufferPool(int chunkSize, long cacheBytes, long maxPooledBytes, long budgetBytes, DirectMemory directMemory) {
        if (chunkSize < 64) {
            throw new IllegalArgumentException("chunk size must be at least 64 bytes: " + chunkSize);
        }
        if (budgetBytes < chunkSize) {
            throw new IllegalArgumentException("budget must hold at least one chunk: " + budgetBytes + " < "
                    + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.cacheChunks = (int) Math.max(1, cacheBytes / chunkSize);
        this.maxSharedChunks = Math.max(0, maxPooledBytes / chunkSize);
        this.budgetChunks = budgetBytes / chunkSize;
        this.readBudgetChunks = Math.max(1, budgetChunks - budgetChunks / 8);
        this.directMemory = directMemory;
    }

    /**
     * The budget a pool gets when none is configured: 3/4 of the JVM's direct-memory limit
     * ({@code -XX:MaxDirectMemorySize}, or the maximum heap when that is unset, as the JDK does), leaving the rest to
     * the JDK's temporary direct buffers and other users.
     */
    public static long defaultBudget() {
        return (long) (DirectMemory.maxDirectMemory() * DEFAULT_BUDGET_SHARE);
    }

    public int chunkSize() {
        return chunkSize;
    }

    /** Direct memory the pool never exceeds, in whole chunks. */
    public long budgetBytes() {
        return budgetChunks * chunkSize;
    }

    /** The part of the budget socket reads may fill; the rest is kept for replies. */
    public long readBudgetBytes() {
        return readBudgetChunks * chunkSize;
    }

    /** Creates the cache of one loop; call from any thread, use only from that loop. */
    public Cache newCache(String owner) {
        Cache cache = new Cache(owner);
        caches.add(cache);
        return cache;
    }

    /** Bytes of direct memory the pool has allocated and not released. */
    public long allocatedBytes() {
        return allocatedChunks.sum() * chunkSize;
    }

    /** Bytes held by buffer chains right now (including the write windows of shared segments being written). */
    public long inUseBytes() {
        return inUseChunks.sum() * chunkSize;
    }

    /** Bytes kept free for reuse, in loop caches and the shared list. */
    public long cachedBytes() {
        long chunks = sharedCount.get();
        for (Cache cache : caches) {
            chunks += cache.size;
        }
        return chunks * chunkSize;
    }

    /** Bytes in the shared free list alone. */
    public long sharedCachedBytes() {
        return sharedCount.get() * chunkSize;
    }

    /** How many chunks were ever allocated from the JVM (a rising figure means the pool is too small). */
    public long allocations() {
        return allocations.sum();
    }

    /** Socket reads refused a chunk because the read budget was reached. */
    public long readRefusals() {
        return readRefusals.sum();
    }

    /** Writes (and write windows) refused a chunk because the budget was reached. */
    public long writeRefusals() {
        return writeRefusals.sum();
    }

    /** The per-loop caches, for introspection. */
    public List<Cache> caches() {
        return List.copyOf(caches);
    }

    /** A chunk from the shared list, or a new one within {@code limitChunks} charged chunks; null if neither. */
    private Chunk takeShared(long limitChunks) {
        Chunk chunk = shared.poll();
        if (chunk != null) {
            sharedCount.decrementAndGet();
            relieved();
            return chunk;
        }
        long charged;
        do {
            charged = chargedChunks.get();
            if (charged >= limitChunks) {
                return null;
            }
        } while (!chargedChunks.compareAndSet(charged, charged + 1));
        ByteBuffer memory = directMemory.tryAllocate(chunkSize);
        if (memory == null) {
            chargedChunks.decrementAndGet();
            return null;
        }
        allocations.increment();
        allocatedChunks.increment();
        relieved();
        return new Chunk(memory);
    }

    private void giveShared(Chunk chunk) {
        if (sharedCount.incrementAndGet() <= maxSharedChunks) {
            shared.offer(chunk);
        } else {
            sharedCount.decrementAndGet();
            allocatedChunks.decrement(); // dropped: the cleaner frees the memory once unreachable
            chargedChunks.decrementAndGet();
        }
        releases.incrementAndGet();
    }

    private void relieved() {
        if (pressure) {
            pressure = false;
        }
    }

    private void refused(boolean read) {
        (read ? readRefusals : writeRefusals).increment();
        if (!pressure) {
            pressure = true;
        }
    }

    /**
     * A loop's private front of the pool.
     *
     * <p>Threading: {@link #take()}, {@link #give}, {@link #memoryGeneration()} and {@link #drain()} only on the
     * owning loop thread; {@link #cachedBytes()} from any.
     */
    public final class Cache {

        /** Shared segments kept for reuse, so that queuing a large value allocates nothing. */
        private static final int MAX_FREE_SEGMENTS = 64;

        private final String owner;
        private final ArrayDeque<Chunk> free = new ArrayDeque<>();
        private final ArrayDeque<SharedSegment> freeSegments = new ArrayDeque<>();
        /** The loop's chains run one at a time on its thread: one writer and one decimal scratch serve them all. */
        final GatherWriter writer;
        final byte[] scratch = new byte[20];
        /** A scattering read's chunks and their views, empty between reads ({@link BufferChain#readFrom}). */
        final Chunk[] scatterChunks = new Chunk[SCATTER_CHUNKS];
        final ByteBuffer[] scatterViews = new ByteBuffer[SCATTER_CHUNKS];
        /** Chunks given back to this cache: memory this loop can take again. Owner only. */
        private long gives;
        /** Written by the owner only; volatile so that statistics read a recent value. */
        private volatile int size;

        private Cache(String owner) {
            this.owner = owner;
            this.writer = new GatherWriter(this, chunkSize);
        }

        public String owner() {
            return owner;
        }

        public BufferPool pool() {
            return BufferPool.this;
        }

        public long cachedBytes() {
            return (long) size * chunkSize;
        }

        /**
         * A figure that changes whenever memory was given back where this loop can take it (to this cache, to the
         * shared list, or released to the JVM). A loop whose connections paused reading for lack of memory
         * ({@link BufferChain#NO_MEMORY}) compares it with the figure it saw then, once per iteration, and resumes
         * them when it changed. One plain and one volatile read.
         */
        public long memoryGeneration() {
            return gives + releases.get();
        }

        /** A chunk for a write: throws {@link BufferBudgetExceededException} at the budget. */
        Chunk take() {
            Chunk chunk = tryTake(false);
            if (chunk == null) {
                throw new BufferBudgetExceededException("buffer pool budget of " + budgetBytes()
                        + " bytes reached (" + allocatedBytes() + " allocated, " + inUseBytes() + " in use)",
                        budgetBytes());
            }
            return chunk;
        }

        /**
         * A chunk, or null at the budget: the read budget for a socket read, the whole budget otherwise.
         */
        Chunk tryTake(boolean read) {
            Chunk chunk = free.pollLast();
            if (chunk != null) {
                size = free.size();
            } else {
                chunk = takeShared(read ? readBudgetChunks : budgetChunks);
                if (chunk == null) {
                    refused(read);
                    return null;
                }
            }
            inUseChunks.increment();
            return chunk;
        }

        void give(Chunk chunk) {
            chunk.reset();
            inUseChunks.decrement();
            gives++;
            if (free.size() < cacheChunks && !pressure) {
                free.addLast(chunk);
                size = free.size();
            } else {
                giveShared(chunk);
            }
        }

        /** A shared segment over {@code array[offset, offset + length)}, recycled where possible. */
        SharedSegment takeSegment(byte[] array, int offset, int length) {
            SharedSegment segment = freeSegments.pollLast();
            return (segment != null ? segment : new SharedSegment()).set(array, offset, length);
        }

        void giveSegment(SharedSegment segment) {
            segment.reset();
            if (freeSegments.size() < MAX_FREE_SEGMENTS) {
                freeSegments.addLast(segment);
            }
        }

        /** Hands every cached chunk back to the shared list; the owning loop calls this when it stops. */
        public void drain() {
            Chunk chunk;
            while ((chunk = free.pollFirst()) != null) {
                giveShared(chunk);
            }
            freeSegments.clear();
            size = 0;
            caches.remove(this);
        }
    }
}
