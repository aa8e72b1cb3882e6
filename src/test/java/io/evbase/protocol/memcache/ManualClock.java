package io.evbase.protocol.memcache;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, seconds and nanoseconds together. */
final class ManualClock implements MemcacheClock {

    private final AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(1_700_000_000L));

    @Override
    public long unixSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(nanos.get());
    }


    void advanceSeconds(long s) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(s));
    }
}
