package io.evbase.protocol.memcache;

import java.util.concurrent.atomic.LongAdder;

/**
 * The command and item counters behind {@code stats}, named as memcached names them. Shared by every loop.
 *
 * <p>Threading: thread-safe; every counter is a {@link LongAdder}, so loops count without contending.
 * {@link #reset()} races benignly with concurrent increments, as memcached's {@code stats reset} does.
 */
public final class MemcacheStats {

    final LongAdder cmdSet = new LongAdder();
    final LongAdder cmdFlush = new LongAdder();
    final LongAdder cmdTouch = new LongAdder();
    final LongAdder cmdMeta = new LongAdder();
    final LongAdder getHits = new LongAdder();
    final LongAdder getMisses = new LongAdder();
    final LongAdder getExpired = new LongAdder();
    final LongAdder getFlushed = new LongAdder();
    final LongAdder deleteHits = new LongAdder();
    final LongAdder deleteMisses = new LongAdder();
    final LongAdder incrHits = new LongAdder();
    final LongAdder incrMisses = new LongAdder();
    final LongAdder decrHits = new LongAdder();
    final LongAdder decrMisses = new LongAdder();
    final LongAdder casHits = new LongAdder();
    final LongAdder casMisses = new LongAdder();
    final LongAdder casBadval = new LongAdder();
    final LongAdder touchHits = new LongAdder();
    final LongAdder touchMisses = new LongAdder();
    final LongAdder storeTooLarge = new LongAdder();
    final LongAdder storeNoMemory = new LongAdder();
    final LongAdder totalItems = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder evictedUnfetched = new LongAdder();
    final LongAdder expiredUnfetched = new LongAdder();
    final LongAdder reclaimed = new LongAdder();
    final LongAdder totalConnections = new LongAdder();
    final LongAdder currConnections = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder connYields = new LongAdder();
    final LongAdder authCmds = new LongAdder();
    final LongAdder authErrors = new LongAdder();

    private final LongAdder[] resettable = {cmdSet, cmdFlush, cmdTouch, cmdMeta, getHits, getMisses,
        getExpired, getFlushed, deleteHits, deleteMisses, incrHits, incrMisses, decrHits, decrMisses, casHits,
        casMisses, casBadval, touchHits, touchMisses, storeTooLarge, storeNoMemory, totalItems, evictions,
        evictedUnfetched, expiredUnfetched, reclaimed, totalConnections, bytesRead, bytesWritten, connYields, authCmds, authErrors};

    /** {@code stats reset}: zeroes the counters; gauges (current connections, items, bytes) keep their values. */
    public void reset() {
        for (LongAdder a : resettable) {
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
