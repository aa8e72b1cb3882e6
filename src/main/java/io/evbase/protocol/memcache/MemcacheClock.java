package io.evbase.protocol.memcache;

/**
 * Time as the store sees it: wall-clock seconds for memcached's expiry arithmetic. Tests substitute a clock they
 * advance by hand.
 *
 * <p>Threading: implementations are thread-safe.
 */
public interface MemcacheClock {

    /** Unix time in whole seconds. */
    long unixSeconds();

    /**
     * The system clock, read from a field a daemon thread refreshes every {@link TickingClock#TICK_MILLIS} ms rather
     * than on every request: memcached's own clock ticks once a second, and asking the system for the time on every
     * lookup was a tenth of the store's CPU.
     */
    MemcacheClock SYSTEM = TickingClock.INSTANCE;
}
