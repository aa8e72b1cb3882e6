package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cache key: the raw key bytes (binary keys from the meta {@code b} flag included) with a precomputed hash.
 *
 * <p>Keys are chosen by clients, so the hash is keyed: {@link SipHash} with a per-process random key, not
 * {@code Arrays.hashCode}, whose collisions anyone can construct ("Aa" and "BB" collide, and so does every string
 * built from such blocks). Keys are also {@link Comparable} (unsigned lexicographic order of the bytes): should
 * many keys share a hash bin anyway, {@code ConcurrentHashMap} turns the bin into a balanced tree, searched in
 * O(log n) instead of a list searched in O(n).
 *
 * <p>Threading: immutable once in the store; the array is never modified after construction. The one exception is
 * a {@link #probe()}, a loop thread's reusable key for lookups, which is never stored.
 */
final class ItemKey implements Comparable<ItemKey> {

    // Not final only for probes (see probe()): a key in the store never changes.
    byte[] bytes;
    private int hash;
    /** A probe's arrays, one per key length, reused: a lookup copies the key without allocating. */
    private final byte[][] byLength;

    /** Takes ownership of {@code bytes}. */
    ItemKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = SipHash.KEYS.hash32(bytes, 0, bytes.length);
        this.byLength = null;
    }

    private ItemKey() {
        this.bytes = new byte[0];
        this.hash = SipHash.KEYS.hash32(bytes, 0, 0);
        this.byLength = new byte[CommandProcessor.KEY_MAX_LENGTH + 1][];
    }

    private static final ThreadLocal<ItemKey> PROBES = ThreadLocal.withInitial(ItemKey::new);

    /**
     * This thread's lookup key. Performance: the get path looks keys up without allocating (a new key and its
     * array per get were most of the garbage of a get-heavy load). A probe may be passed to lookups and removals
     * only (map get, remove(key, value)), never to anything that could keep it as a key; its content is valid until
     * the thread's next {@link #set}.
     */
    static ItemKey probe() {
        return PROBES.get();
    }

    /** Makes this probe the key {@code buf[offset, offset + length)}; {@code length <= KEY_MAX_LENGTH}. */
    ItemKey set(byte[] buf, int offset, int length) {
        byte[] a = byLength[length];
        if (a == null) {
            a = byLength[length] = new byte[length];
        }
        System.arraycopy(buf, offset, a, 0, length);
        bytes = a;
        hash = SipHash.KEYS.hash32(a, 0, length);
        return this;
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

    /** Unsigned lexicographic order of the key bytes, consistent with {@link #equals}. */
    @Override
    public int compareTo(ItemKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
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
