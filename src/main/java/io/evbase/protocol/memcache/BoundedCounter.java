package io.evbase.protocol.memcache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A charge against a shared byte count with a ceiling: the bytes are added only if the count stays within it, so a
 * charge that would pass the ceiling takes nothing.
 *
 * <p>Threading: lock-free; any thread.
 */
final class BoundedCounter {

    private BoundedCounter() {
    }

    /** Adds {@code bytes} to {@code count} if the sum stays at or below {@code max}; false (nothing added) if not. */
    static boolean tryAdd(AtomicLong count, long bytes, long max) {
        while (true) {
            long cur = count.get();
            if (bytes > max - cur) {
                return false;
            }
            if (count.compareAndSet(cur, cur + bytes)) {
                return true;
            }
        }
    }
}
