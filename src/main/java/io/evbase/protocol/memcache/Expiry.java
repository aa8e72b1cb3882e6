package io.evbase.protocol.memcache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * When items die: memcached's time (seconds relative to a process start), the conversion of a client's exptime to
 * it, and the flush horizon that {@code flush_all} moves. The store asks it whether an item it found is expired or
 * flushed; eviction asks the same of every item it walks.
 *
 * <p>The process start is set 62 seconds before construction, as memcached sets it, so the expiry rules port
 * unchanged: 0 never expires, up to 30 days is relative, beyond is absolute unix time (at or before the process
 * start means already expired), negative means already expired. An expired or flushed item is invisible from that
 * second on.
 *
 * <p>Threading: thread-safe. The horizon is two volatile fields, written by {@link #flushAll} (the CAS bound
 * before the time, so that a reader who sees the new time sees its bound) and read without a lock; the item checks
 * read an item's header, which the caller guards (it holds the item's stripe lock).
 */
final class Expiry {

    /** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative. */
    static final long REALTIME_MAXDELTA = 60L * 60 * 24 * 30;
    /** memcached's ITEM_UPDATE_INTERVAL. */
    static final long ITEM_UPDATE_INTERVAL = 60;

    private final MemcacheClock clock;
    private final long processStarted;
    /** memcached's settings.oldest_live and oldest_cas: the flush horizon. */
    private volatile long oldestLive;
    private volatile long oldestCas;

    Expiry(MemcacheClock clock) {
        this.clock = clock;
        this.processStarted = clock.unixSeconds() - ITEM_UPDATE_INTERVAL - 2;
    }

    /** memcached's current_time: seconds since the process start. */
    long now() {
        return clock.unixSeconds() - processStarted;
    }

    /** memcached's {@code realtime(EXPTIME_TO_POSITIVE_TIME(exptime))}: a client exptime as relative time. */
    long realtime(long exptime) {
        if (exptime < 0) {
            exptime = REALTIME_MAXDELTA + 1;
        }
        if (exptime == 0) {
            return 0;
        }
        if (exptime > REALTIME_MAXDELTA) {
            return exptime <= processStarted ? 1 : exptime - processStarted;
        }
        return exptime + now();
    }

    /**
     * flush_all, memcached's semantics: items last stored or bumped at or before the horizon are invisible from
     * the horizon on; the store reclaims them as it finds them.
     *
     * @param delay  the client's argument; 0 or negative flushes now
     * @param casIds the store's CAS counter: a flush that takes effect now also hides every item whose CAS is below
     *               the next one (taken from it); a delayed flush takes none
     */
    void flushAll(long delay, AtomicLong casIds) {
        long now = now();
        long newOldest = delay > 0 ? realtime(delay) : now;
        long live = newOldest - 1;
        if (live <= now) {
            oldestCas = casIds.incrementAndGet();
        }
        oldestLive = live;
    }

    /** Whether the item at {@code at} in {@code a} is hidden by a flush at {@code now}. */
    boolean flushed(byte[] a, int at, long now) {
        long live = oldestLive;
        if (live == 0 || live > now) {
            return false;
        }
        long horizonCas = oldestCas;
        long cas = ItemLayout.cas(a, at);
        return ItemLayout.time(a, at) <= live || (horizonCas != 0 && cas != 0 && cas < horizonCas);
    }

    /** Whether the item at {@code at} in {@code a} has expired at {@code now}. */
    static boolean expired(byte[] a, int at, long now) {
        long exp = ItemLayout.exptime(a, at);
        return exp != 0 && exp <= now;
    }
}
