package io.evbase.protocol.memcache;

/**
 * The memcache handler's configuration, bound by the boot module from {@code evbase.memcache.*}.
 *
 * @param memoryLimit           bytes of keys, values and per-item overhead the store holds before evicting
 *                              ({@code memory-limit}, default 64 MB, memcached's {@code -m 64}); at most half of the
 *                              JVM's maximum heap (see {@link #checkHeap})
 * @param maxItemSize           largest item, counted as memcached counts it (header, key, flags, value)
 *                              ({@code max-item-size}, default 1 MB, memcached's {@code -I 1m})
 * @param maxMultigetLineLength longest {@code get}/{@code gets} line; longer closes the connection
 *                              ({@code max-multiget-line-length}, default 512 KB). Keep it below the listener's
 *                              read high watermark, or such a line can never complete.
 * @param access                authentication and the administrative commands' switches
 *
 * <p>Threading: immutable.
 */
public record MemcacheSettings(long memoryLimit, int maxItemSize, int maxMultigetLineLength, MemcacheAccess access) {

    public static final int DEFAULT_MAX_MULTIGET_LINE_LENGTH = 512 * 1024;

    public MemcacheSettings {
        if (memoryLimit <= 0 || maxItemSize <= 0 || maxMultigetLineLength <= 0) {
            throw new IllegalArgumentException("memcache limits must be positive");
        }
        if (maxItemSize < 1024) {
            throw new IllegalArgumentException("max item size must be at least 1 KB: " + maxItemSize);
        }
        if (access == null) {
            throw new IllegalArgumentException("memcache access settings must not be null");
        }
    }

    /** Without authentication, every command allowed. */
    public MemcacheSettings(long memoryLimit, int maxItemSize, int maxMultigetLineLength) {
        this(memoryLimit, maxItemSize, maxMultigetLineLength, MemcacheAccess.OPEN);
    }

    public static MemcacheSettings defaults() {
        return new MemcacheSettings(MemcacheStore.DEFAULT_MEMORY_LIMIT, MemcacheStore.DEFAULT_MAX_ITEM_SIZE,
                DEFAULT_MAX_MULTIGET_LINE_LENGTH);
    }

    /**
     * Checks the memory limit against the heap: it may be at most {@link MemcacheStore#maxMemoryLimit(long) half} of
     * {@code maxHeap} ({@code Runtime.maxMemory()}).
     *
     * @throws MemoryLimitExceedsHeapException when it is larger
     */
    public MemcacheSettings checkHeap(long maxHeap) {
        if (memoryLimit > MemcacheStore.maxMemoryLimit(maxHeap)) {
            throw new MemoryLimitExceedsHeapException(memoryLimit, maxHeap);
        }
        return this;
    }
}
