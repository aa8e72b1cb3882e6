package io.evbase.protocol.memcache;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The store's ledger of values in flight: a storage command's declared value is charged here when its command line
 * is parsed, before its array is allocated, and released when the value is stored, refused, or its connection
 * closes in the middle of it. memcached does the same when it allocates the item from its slab budget (evicting
 * others) as it parses the line: a client cannot make the server hold memory by declaring values it never sends.
 *
 * <p>Charged bytes count against the store's memory limit: the ledger carves them out of the cache's maximum
 * weight (the cache evicts to make room), in steps of a quantum ({@link #quantum}: 1/64 of the limit, at least
 * 64 KiB) so that a stream of small values does not resize the cache on every command. The carve grows as soon as
 * the charges pass it and shrinks once it exceeds them by four quanta, to the charges rounded up to a quantum.
 * In-flight charges are bounded by {@link #SHARE} of the limit: past it a new value is refused (memcached's
 * {@code SERVER_ERROR out of memory storing object}) and its bytes are swallowed, so half of the limit always
 * stays with the items.
 *
 * <p>Threading: thread-safe and non-blocking; charges are an atomic counter, and at most one thread at a time
 * resizes the carve (the others leave that to it, which re-reads the charges before it lets go).
 */
final class InFlightValues {

    /** In-flight charges may take at most limit / SHARE. */
    static final int SHARE = 2;

    private final LongSupplier limit;
    private final LongConsumer applyCarve;
    private final AtomicLong charged = new AtomicLong();
    private final AtomicBoolean adjusting = new AtomicBoolean();
    private volatile long carved;

    /**
     * @param limit      the store's memory limit, read at each charge
     * @param applyCarve sets the cache's maximum to the limit minus the given carve
     */
    InFlightValues(LongSupplier limit, LongConsumer applyCarve) {
        this.limit = limit;
        this.applyCarve = applyCarve;
    }

    /** Bytes charged for values in flight now. */
    long charged() {
        return charged.get();
    }

    /** Bytes carved out of the cache's maximum for them (at least {@link #charged()}, but for a race). */
    long carved() {
        return carved;
    }

    /** Charges {@code bytes}; false (nothing charged) when the in-flight share of the limit has no room for them. */
    boolean charge(long bytes) {
        if (!BoundedCounter.tryAdd(charged, bytes, limit.getAsLong() / SHARE)) {
            return false;
        }
        if (charged.get() > carved) {
            adjust();
        }
        return true;
    }

    /** Gives back {@code bytes} charged before. */
    void release(long bytes) {
        long now = charged.addAndGet(-bytes);
        if (carved - now >= 4 * quantum()) {
            adjust();
        }
    }

    /** Re-applies the carve (after the limit changed). */
    void limitChanged() {
        adjust();
        applyCarve.accept(carved);
    }

    private long quantum() {
        return Math.max(64 * 1024, limit.getAsLong() / 64);
    }

    private void adjust() {
        while (adjusting.compareAndSet(false, true)) {
            try {
                long target = target(charged.get(), carved);
                if (target != carved) {
                    carved = target;
                    applyCarve.accept(target);
                }
            } finally {
                adjusting.set(false);
            }
            if (target(charged.get(), carved) == carved) {
                return; // a charge made while this thread adjusted is covered (or none was made)
            }
        }
    }

    private long target(long charges, long current) {
        long q = quantum();
        if (charges > current || current - charges >= 4 * q) {
            return (charges + q - 1) / q * q;
        }
        return current;
    }
}
