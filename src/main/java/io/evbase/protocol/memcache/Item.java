package io.evbase.protocol.memcache;

/**
 * One cached value, laid out as memcached keeps it: the data block ends with its {@code "\r\n"}, so a reply is the
 * header line plus this array as it is.
 *
 * <p>Threading: the value, flags, expiry and CAS are final; a change (touch, stale marking, a won recache token)
 * replaces the item with a copy inside the store's per-key {@code compute}, so readers on any loop see a
 * consistent item without locking. Only the access markers ({@link #fetched}, {@link #time}) change in place,
 * with the same benign races memcached accepts for them.
 */
final class Item {

    /** Item flag bits, after memcached's it_flags. */
    static final int STALE = 1;
    static final int TOKEN_SENT = 2;
    static final int KEY_BINARY = 4;

    final ItemKey key;
    /** The value followed by {@code "\r\n"}. */
    final byte[] data;
    /** Client flags, an unsigned 32-bit value in an int. */
    final int flags;
    /** memcached relative time (seconds since the store's process start) of expiry; 0 = never. */
    final long exptime;
    final long cas;
    final int bits;
    /** Relative time of the last store or counted access. */
    volatile long time;
    /** Whether the item was read since it was stored. */
    volatile boolean fetched;

    Item(ItemKey key, byte[] data, int flags, long exptime, long cas, int bits, long time) {
        this.key = key;
        this.data = data;
        this.flags = flags;
        this.exptime = exptime;
        this.cas = cas;
        this.bits = bits;
        this.time = time;
    }

    /** Value length without the trailing CRLF. */
    int valueLength() {
        return data.length - 2;
    }

    boolean isStale() {
        return (bits & STALE) != 0;
    }

    boolean tokenSent() {
        return (bits & TOKEN_SENT) != 0;
    }

    boolean keyBinary() {
        return (bits & KEY_BINARY) != 0;
    }

    Item withExptime(long newExptime) {
        return copy(data, flags, newExptime, cas, bits);
    }

    Item withBits(int newBits) {
        return copy(data, flags, exptime, cas, newBits);
    }

    Item copy(byte[] newData, int newFlags, long newExptime, long newCas, int newBits) {
        Item it = new Item(key, newData, newFlags, newExptime, newCas, newBits, time);
        it.fetched = fetched;
        return it;
    }
}
