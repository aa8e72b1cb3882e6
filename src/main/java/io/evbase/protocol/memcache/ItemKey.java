package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cache key: the raw key bytes (binary keys from the meta {@code b} flag included) with a precomputed hash.
 *
 * <p>Threading: immutable; the array is never modified after construction.
 */
final class ItemKey {

    final byte[] bytes;
    private final int hash;

    /** Takes ownership of {@code bytes}. */
    ItemKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    static ItemKey copyOf(byte[] buf, int offset, int length) {
        return new ItemKey(Arrays.copyOfRange(buf, offset, offset + length));
    }

    int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
