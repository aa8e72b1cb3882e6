package io.evbase.protocol.memcache;

import io.evbase.loop.StripedCounter;

/**
 * The command and item counters behind {@code stats}, named as memcached names them. Shared by every loop.
 *
 * <p>Threading: thread-safe; every counter is a {@link StripedCounter}, so loops count in cells of their own.
 * {@link #reset()} races benignly with concurrent increments, as memcached's {@code stats reset} does.
 */
public final class MemcacheStats {

    final StripedCounter cmdSet = new StripedCounter();
    final StripedCounter cmdFlush = new StripedCounter();
    final StripedCounter cmdTouch = new StripedCounter();
    final StripedCounter cmdMeta = new StripedCounter();
    final StripedCounter getHits = new StripedCounter();
    final StripedCounter getMisses = new StripedCounter();
    final StripedCounter getExpired = new StripedCounter();
    final StripedCounter getFlushed = new StripedCounter();
    final StripedCounter deleteHits = new StripedCounter();
    final StripedCounter deleteMisses = new StripedCounter();
    final StripedCounter incrHits = new StripedCounter();
    final StripedCounter incrMisses = new StripedCounter();
    final StripedCounter decrHits = new StripedCounter();
    final StripedCounter decrMisses = new StripedCounter();
    final StripedCounter casHits = new StripedCounter();
    final StripedCounter casMisses = new StripedCounter();
    final StripedCounter casBadval = new StripedCounter();
    final StripedCounter touchHits = new StripedCounter();
    final StripedCounter touchMisses = new StripedCounter();
    final StripedCounter storeTooLarge = new StripedCounter();
    final StripedCounter storeNoMemory = new StripedCounter();
    final StripedCounter totalItems = new StripedCounter();
    final StripedCounter evictions = new StripedCounter();
    final StripedCounter evictedUnfetched = new StripedCounter();
    final StripedCounter expiredUnfetched = new StripedCounter();
    final StripedCounter reclaimed = new StripedCounter();
    final StripedCounter totalConnections = new StripedCounter();
    final StripedCounter currConnections = new StripedCounter();
    final StripedCounter bytesRead = new StripedCounter();
    final StripedCounter bytesWritten = new StripedCounter();
    final StripedCounter connYields = new StripedCounter();
    final StripedCounter authCmds = new StripedCounter();
    final StripedCounter authErrors = new StripedCounter();

    private final StripedCounter[] resettable = {cmdSet, cmdFlush, cmdTouch, cmdMeta, getHits, getMisses,
        getExpired, getFlushed, deleteHits, deleteMisses, incrHits, incrMisses, decrHits, decrMisses, casHits,
        casMisses, casBadval, touchHits, touchMisses, storeTooLarge, storeNoMemory, totalItems, evictions,
        evictedUnfetched, expiredUnfetched, reclaimed, totalConnections, bytesRead, bytesWritten, connYields, authCmds, authErrors};

    /** {@code stats reset}: zeroes the counters; gauges (current connections, items, bytes) keep their values. */
    public void reset() {
        for (StripedCounter a : resettable) {
            a.reset();
        }
    }

    /** memcached's cmd_get: every key a retrieval looked up, a hit or a miss (so not counted on its own). */
    public long cmdGet() {
        return getHits.sum() + getMisses.sum();
    }

    public long getHits() {
        return getHits.sum();
    }

    public long getMisses() {
        return getMisses.sum();
    }

    public long evictions() {
        return evictions.sum();
    }
}
