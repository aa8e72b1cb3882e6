package io.evbase.protocol.memcache;

/**
 * S3-FIFO's ghost queue, approximated: the fingerprints of keys recently evicted from the small queue without a
 * second request. A key that comes back while its ghost is remembered was evicted too early: it goes straight to the
 * main queue. A direct-mapped table of 16-bit fingerprints, about as many slots as the cache holds items (so a ghost
 * is forgotten after roughly one cache's worth of newer ones, as the paper's FIFO of the main queue's size would
 * forget it); collisions only make a key look new or remembered by mistake, which costs a little hit ratio, never
 * correctness.
 *
 * <p>Threading: thread-safe without locks: slots are written and read racily, which at worst loses or confuses a
 * ghost.
 */
final class Ghosts {

    private volatile short[] slots = new short[1024];

    /** Remembers {@code hash}. */
    void add(long hash) {
        short[] s = slots;
        s[slot(hash, s.length)] = tag(hash);
    }

    /** Whether {@code hash} is remembered. */
    boolean has(long hash) {
        short[] s = slots;
        return s[slot(hash, s.length)] == tag(hash);
    }

    /** Whether {@code hash} is remembered; forgets it if so. */
    boolean take(long hash) {
        short[] s = slots;
        int i = slot(hash, s.length);
        if (s[i] == tag(hash)) {
            s[i] = 0;
            return true;
        }
        return false;
    }

    /** Resizes to about {@code items} slots (a power of two), forgetting every ghost if the size changes. */
    void resize(long items) {
        int n = (int) Math.min(1 << 26, Math.max(1024, Long.highestOneBit(Math.max(1, items))));
        if (n != slots.length) {
            slots = new short[n];
        }
    }

    int capacity() {
        return slots.length;
    }

    private static int slot(long hash, int length) {
        return (int) (hash >>> 32) & (length - 1);
    }

    private static short tag(long hash) {
        short t = (short) (hash >>> 16);
        return t == 0 ? 1 : t;
    }
}
