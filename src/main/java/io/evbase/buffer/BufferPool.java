package io.evbase.buffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Pooled direct memory in chunks of one size, with a small cache per event loop in front of a shared free list.
 *
 * <p>A loop takes and gives chunks through its own {@link Cache} without contention; a cache that grows past its
 * bound spills to the shared free list, and one that runs dry refills from it. The shared list itself is bounded
 * ({@code maxPooledBytes}); chunks beyond it are dropped and their memory returns to the JVM.
 *
 * <p>The counters are exact once no chunk is in flight: every chunk ever created is either in use (held by a
 * chain), cached (in a loop cache or the shared list) or released.
 *
 * <p>Threading: the pool and its statistics are thread-safe. A {@link Cache} is used only by its owning loop thread.
 */
public final class BufferPool {

    private final int chunkSize;
    private final int cacheChunks;
    private final long maxSharedChunks;
    private final ConcurrentLinkedQueue<Chunk> shared = new ConcurrentLinkedQueue<>();
    private final AtomicLong sharedCount = new AtomicLong();
    private final LongAdder allocatedChunks = new LongAdder();
    private final LongAdder inUseChunks = new LongAdder();
    private final LongAdder allocations = new LongAdder();
    private final CopyOnWriteArrayList<Cache> caches = new CopyOnWriteArrayList<>();

    /**
     * @param chunkSize      bytes per chunk
     * @param cacheBytes     bytes each loop cache keeps before spilling to the shared list
     * @param maxPooledBytes bytes the shared free list keeps before releasing chunks
     */
    public BufferPool(int chunkSize, long cacheBytes, long maxPooledBytes) {
        if (chunkSize < 64) {
            throw new IllegalArgumentException("chunk size must be at least 64 bytes: " + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.cacheChunks = (int) Math.max(1, cacheBytes / chunkSize);
        this.maxSharedChunks = Math.max(0, maxPooledBytes / chunkSize);
    }

    public int chunkSize() {
        return chunkSize;
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

    /** Bytes held by buffer chains right now. */
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

    /** The per-loop caches, for introspection. */
    public java.util.List<Cache> caches() {
        return java.util.List.copyOf(caches);
    }

    private Chunk takeShared() {
        Chunk chunk = shared.poll();
        if (chunk != null) {
            sharedCount.decrementAndGet();
            return chunk;
        }
        allocations.increment();
        allocatedChunks.increment();
        return new Chunk(chunkSize);
    }

    private void giveShared(Chunk chunk) {
        if (sharedCount.incrementAndGet() <= maxSharedChunks) {
            shared.offer(chunk);
        } else {
            sharedCount.decrementAndGet();
            allocatedChunks.decrement(); // dropped: the cleaner frees the memory once unreachable
        }
    }

    /**
     * A loop's private front of the pool.
     *
     * <p>Threading: {@link #take()} and {@link #give} only on the owning loop thread; {@link #cachedBytes()} from any.
     */
    public final class Cache {

        private final String owner;
        private final ArrayDeque<Chunk> free = new ArrayDeque<>();
        /**
         * Scratch space of the loop's chains, which run one at a time on the loop thread: the gathering write's
         * buffer array and the digits of a decimal. Held here once per loop rather than in every chain.
         */
        final ByteBuffer[] gather = new ByteBuffer[BufferChain.MAX_GATHER];
        final byte[] scratch = new byte[20];
        /** Written by the owner only; volatile so that statistics read a recent value. */
        private volatile int size;

        private Cache(String owner) {
            this.owner = owner;
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

        Chunk take() {
            Chunk chunk = free.pollLast();
            if (chunk != null) {
                size = free.size();
            } else {
                chunk = takeShared();
            }
            inUseChunks.increment();
            return chunk;
        }

        void give(Chunk chunk) {
            chunk.reset();
            inUseChunks.decrement();
            if (free.size() < cacheChunks) {
                free.addLast(chunk);
                size = free.size();
            } else {
                giveShared(chunk);
            }
        }

        /** Hands every cached chunk back to the shared list; the owning loop calls this when it stops. */
        public void drain() {
            Chunk chunk;
            while ((chunk = free.pollFirst()) != null) {
                giveShared(chunk);
            }
            size = 0;
            caches.remove(this);
        }
    }
}
