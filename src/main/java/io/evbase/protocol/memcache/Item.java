package io.evbase.protocol.memcache;

/**
 * An item as the store's read-modify-write callbacks see it ({@link MemcacheStore#compute}): a snapshot of a stored
 * item (copied out of its segment while the key's lock is held), or an item a callback builds to replace it.
 *
 * <p>The value of a snapshot is read from the segment only when asked for ({@link #data()}), which must happen
 * inside the callback (or when the caller asked {@code compute} to load it). An item made with
 * {@link #copy(byte[], int, long, long, int)} and no new data keeps the snapshot's stored value: the store then
 * changes the stored item's header in place instead of writing a new one.
 *
 * <p>Threading: confined to the thread that called the store.
 */
final class Item {

    /** Item flag bits, after memcached's it_flags. */
    static final int STALE = 1;
    static final int TOKEN_SENT = 2;
    static final int KEY_BINARY = 4;

    final byte[] key;
    /** Client flags, an unsigned 32-bit value in an int. */
    final int flags;
    /** memcached relative time (seconds since the store's process start) of expiry; 0 = never. */
    final long exptime;
    final long cas;
    final int bits;
    /** Relative time of the last store or counted access. */
    long time;
    /** Whether the item was read since it was stored. */
    boolean fetched;
    private final int valueLength;
    /** The value followed by {@code "\r\n"}, once known. */
    private byte[] data;
    /** The stored item this one is a snapshot of, or keeps the value of; null for an item with new data. */
    final Item origin;
    // where a snapshot's value lies, while the key's lock is held (array null once detached)
    private byte[] source;
    private int sourceOffset;

    /** An item with new data (the value followed by CRLF). */
    Item(byte[] key, byte[] data, int flags, long exptime, long cas, int bits, long time) {
        this.key = key;
        this.data = data;
        this.valueLength = data.length - 2;
        this.flags = flags;
        this.exptime = exptime;
        this.cas = cas;
        this.bits = bits;
        this.time = time;
        this.origin = null;
    }

    private Item(byte[] key, int valueLength, int flags, long exptime, long cas, int bits, long time, Item origin) {
        this.key = key;
        this.valueLength = valueLength;
        this.flags = flags;
        this.exptime = exptime;
        this.cas = cas;
        this.bits = bits;
        this.time = time;
        this.origin = origin;
    }

    /** A snapshot of the item at {@code at} in {@code array} (the caller holds the key's lock). */
    static Item snapshot(byte[] array, int at) {
        int keyLength = ItemLayout.keyLength(array, at);
        byte[] key = new byte[keyLength];
        System.arraycopy(array, ItemLayout.keyOffset(at), key, 0, keyLength);
        int stored = ItemLayout.bits(array, at);
        Item it = new Item(key, ItemLayout.valueLength(array, at), ItemLayout.flags(array, at),
                ItemLayout.exptime(array, at), ItemLayout.cas(array, at), stored & ~ItemLayout.FETCHED,
                ItemLayout.time(array, at), null);
        it.fetched = (stored & ItemLayout.FETCHED) != 0;
        it.source = array;
        it.sourceOffset = ItemLayout.valueOffset(array, at);
        return it;
    }

    /** The snapshot can no longer read its segment (the lock is released). */
    void detach() {
        source = null;
    }

    /** Value length without the trailing CRLF. */
    int valueLength() {
        return valueLength;
    }

    /** The value followed by CRLF; a snapshot reads it from its segment (only while the key's lock is held). */
    byte[] data() {
        if (data == null) {
            Item from = origin != null ? origin : this;
            if (from.data == null) {
                if (from.source == null) {
                    throw new IllegalStateException("the value of a snapshot read after its lock was released");
                }
                byte[] d = new byte[valueLength + 2];
                System.arraycopy(from.source, from.sourceOffset, d, 0, valueLength);
                d[valueLength] = '\r';
                d[valueLength + 1] = '\n';
                from.data = d;
            }
            data = from.data;
        }
        return data;
    }

    /** Whether this item keeps the stored value of snapshot {@code s} (or is {@code s}). */
    boolean keepsValueOf(Item s) {
        return this == s || (data == null || data == s.data) && origin == s;
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
        return copy(null, flags, newExptime, cas, bits);
    }

    Item withBits(int newBits) {
        return copy(null, flags, exptime, cas, newBits);
    }

    /**
     * A changed copy: with {@code newData} (value and CRLF) a new value, with null this item's value kept (so the
     * store updates the stored item's header in place).
     */
    Item copy(byte[] newData, int newFlags, long newExptime, long newCas, int newBits) {
        Item it;
        if (newData != null) {
            it = new Item(key, newData, newFlags, newExptime, newCas, newBits, time);
        } else {
            it = new Item(key, valueLength, newFlags, newExptime, newCas, newBits, time, origin != null ? origin : this);
            it.data = data;
        }
        it.fetched = fetched;
        return it;
    }
}
