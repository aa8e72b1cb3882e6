package io.evbase.protocol.memcache;

/**
 * Time as the store sees it: wall-clock seconds for memcached's expiry arithmetic and a monotonic nanosecond
 * ticker for the cache's own expiry timer wheel. Tests substitute a clock they advance by hand.
 *
 * <p>Threading: implementations are thread-safe.
 */
public interface MemcacheClock {

    /** Unix time in whole seconds. */
    long unixSeconds();

    /** A monotonic nanosecond counter that advances with {@link #unixSeconds()}. */
    long nanoTime();

    MemcacheClock SYSTEM = new MemcacheClock() {
        @Override
        public long unixSeconds() {
            return System.currentTimeMillis() / 1000;
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    };
}
