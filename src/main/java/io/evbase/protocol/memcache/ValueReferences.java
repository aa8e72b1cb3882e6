package io.evbase.protocol.memcache;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The stored values that replies refer to instead of copying, counted once per array however many replies refer
 * to it. A referenced array stays reachable until every reply holding it is written, also after its item is
 * evicted or replaced, so what references can keep alive beyond the store is bounded: the distinct arrays referred
 * to take at most 1/{@link #SHARE} of the memory limit. A reply that would pass it copies the value instead (into
 * pooled memory, which the pool's budget bounds). A thousand connections that never read a reply of the same four
 * values hold four values here, not four thousand.
 *
 * <p>Threading: thread-safe; a reference count per array in a concurrent map (arrays hash by identity), a charge
 * counter under compare-and-set.
 */
final class ValueReferences {

    /** Distinct referenced arrays take at most limit / SHARE. */
    static final int SHARE = 4;

    private final LongSupplier limit;
    private final ConcurrentHashMap<byte[], Integer> counts = new ConcurrentHashMap<>();
    private final AtomicLong charged = new AtomicLong();

    ValueReferences(LongSupplier limit) {
        this.limit = limit;
    }

    /** Bytes of the distinct arrays referred to. */
    long charged() {
        return charged.get();
    }

    /** Takes a reference to {@code array}; false (nothing taken) when a new array would pass the share. */
    boolean acquire(byte[] array) {
        boolean[] ok = {true};
        counts.compute(array, (a, n) -> {
            if (n != null) {
                return n + 1;
            }
            if (!charge(a.length)) {
                ok[0] = false;
                return null;
            }
            return 1;
        });
        return ok[0];
    }

    /** Gives back a reference taken with {@link #acquire}. */
    void release(byte[] array) {
        counts.computeIfPresent(array, (a, n) -> {
            if (n > 1) {
                return n - 1;
            }
            charged.addAndGet(-a.length);
            return null;
        });
    }

    private boolean charge(long bytes) {
        return BoundedCounter.tryAdd(charged, bytes, limit.getAsLong() / SHARE);
    }
}
