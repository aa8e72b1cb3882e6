package io.evbase.protocol.memcache;

import java.util.concurrent.locks.LockSupport;

/**
 * {@link MemcacheClock#SYSTEM}: Unix seconds kept in a volatile field that one daemon thread,
 * {@code evbase-memcache-clock}, refreshes every {@link #TICK_MILLIS} ms, started the first time the clock is used.
 * A reading is at most that much behind the system clock (memcached's clock event runs once a second).
 *
 * <p>Threading: thread-safe; the field is written by the ticking thread only.
 */
final class TickingClock implements MemcacheClock {

    static final long TICK_MILLIS = 20;
    static final TickingClock INSTANCE = new TickingClock();

    private volatile long seconds = System.currentTimeMillis() / 1000;

    private TickingClock() {
        Thread ticker = new Thread(this::tick, "evbase-memcache-clock");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void tick() {
        while (true) {
            LockSupport.parkNanos(TICK_MILLIS * 1_000_000);
            seconds = System.currentTimeMillis() / 1000;
        }
    }

    @Override
    public long unixSeconds() {
        return seconds;
    }
}
