package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;

/**
 * A stored item as a reader sees it during {@link MemcacheStore#get}'s callback: its header fields and its key and
 * value, read in place in its segment. Valid only inside the callback (the key's lock is held; afterwards the
 * segment may be reused). Writing the value copies it into the output, except for an item in an array of its own,
 * which is never reused and may be queued by reference ({@link Replies#storedValue}).
 *
 * <p>Threading: one view per reader (a connection's, or a loop's), used on that thread only.
 */
final class ItemView {

    private byte[] array;
    private int at;
    private boolean ownSegment;
    /** Whether the item had been read before this access (memcached's ITEM_FETCHED before the bump). */
    boolean fetchedBefore;
    /** The item's last access before this one, memcached relative seconds. */
    long timeBefore;

    void set(byte[] array, int at, boolean ownSegment) {
        this.array = array;
        this.at = at;
        this.ownSegment = ownSegment;
    }

    void clear() {
        array = null;
    }

    int flags() {
        return ItemLayout.flags(array, at);
    }

    long cas() {
        return ItemLayout.cas(array, at);
    }

    long exptime() {
        return ItemLayout.exptime(array, at);
    }

    long time() {
        return ItemLayout.time(array, at);
    }

    int bits() {
        return ItemLayout.bits(array, at) & ~ItemLayout.FETCHED;
    }

    boolean fetched() {
        return (ItemLayout.bits(array, at) & ItemLayout.FETCHED) != 0;
    }

    boolean isStale() {
        return (bits() & Item.STALE) != 0;
    }

    boolean tokenSent() {
        return (bits() & Item.TOKEN_SENT) != 0;
    }

    boolean keyBinary() {
        return (bits() & Item.KEY_BINARY) != 0;
    }

    int keyLength() {
        return ItemLayout.keyLength(array, at);
    }

    int valueLength() {
        return ItemLayout.valueLength(array, at);
    }

    /** The key, copied. */
    byte[] key() {
        byte[] k = new byte[keyLength()];
        System.arraycopy(array, ItemLayout.keyOffset(at), k, 0, k.length);
        return k;
    }

    /** Copies the key into {@code dst} at {@code at}; returns the position after it. */
    int copyKey(byte[] dst, int at) {
        int n = keyLength();
        System.arraycopy(array, ItemLayout.keyOffset(this.at), dst, at, n);
        return at + n;
    }

    void writeKey(BufferChain out) {
        out.write(array, ItemLayout.keyOffset(at), keyLength());
    }

    /** Writes the value (without CRLF): copied, or by reference when the item has an array of its own. */
    void writeValue(Replies replies) {
        replies.storedValue(array, ItemLayout.valueOffset(array, at), valueLength(), ownSegment);
    }

    /** The value followed by CRLF, copied. */
    byte[] data() {
        int length = valueLength();
        byte[] d = new byte[length + 2];
        System.arraycopy(array, ItemLayout.valueOffset(array, at), d, 0, length);
        d[length] = '\r';
        d[length + 1] = '\n';
        return d;
    }
}
