package io.evbase.protocol.memcache;

/**
 * The store's memory limit is larger than the heap can hold: it may be at most half of the JVM's maximum heap
 * ({@link MemcacheStore#maxMemoryLimit(long)}). Thrown at start-up, so that the server refuses to start rather than
 * run out of heap once the cache fills.
 *
 * <p>Threading: immutable.
 */
public final class MemoryLimitExceedsHeapException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final long memoryLimit;
    private final long maxHeap;

    public MemoryLimitExceedsHeapException(long memoryLimit, long maxHeap) {
        super("memcache memory limit " + mib(memoryLimit) + " exceeds half of the maximum heap " + mib(maxHeap)
                + " (at most " + mib(MemcacheStore.maxMemoryLimit(maxHeap)) + ")");
        this.memoryLimit = memoryLimit;
        this.maxHeap = maxHeap;
    }

    public long memoryLimit() {
        return memoryLimit;
    }

    public long maxHeap() {
        return maxHeap;
    }

    /** The largest limit this heap allows. */
    public long allowed() {
        return MemcacheStore.maxMemoryLimit(maxHeap);
    }

    /** Bytes as whole MiB when exact, else with one decimal: {@code 64MB}, {@code 455.5MB}. */
    public static String mib(long bytes) {
        if (bytes % (1 << 20) == 0) {
            return (bytes >> 20) + "MB";
        }
        return String.format(java.util.Locale.ROOT, "%.1fMB", bytes / 1048576.0);
    }
}
