package io.evbase.protocol.memcache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * How an item lies in a segment's array: a 24-byte header, the key, then the value (without the CRLF every reply
 * adds). memcached's item header is 48 bytes plus 8 for the CAS; this one keeps what the protocol needs and nothing
 * that links items to each other (no LRU pointers, no hash chain: the index and the segment order do that).
 *
 * <pre>
 *    0  3 bytes  value length (bytes, without CRLF); 0xffffff: the rest of the item's own array (a jumbo item)
 *    3  1 byte   key length (1 to 250)
 *    4  1 byte   bits: {@link Item#STALE}, {@link Item#TOKEN_SENT}, {@link Item#KEY_BINARY}, {@link #FETCHED} in the
 *                low nibble; the hit count (0 to {@link #MAX_FREQ}) above
 *    5  7 bytes  CAS (56 bits: a counter that starts at 1 would take millennia to pass them)
 *   12  4 bytes  client flags (unsigned 32-bit)
 *   16  4 bytes  expiry, memcached relative seconds (0 never)
 *   20  4 bytes  last access, memcached relative seconds
 *   24           key, then value
 * </pre>
 * Multi-byte fields are little-endian whatever the platform.
 *
 * <p>Threading: stateless. The header of a stored item changes only under its key's lock in {@link ItemIndex};
 * its key and value never change once it is linked.
 */
final class ItemLayout {

    /** Bytes before the key. */
    static final int HEADER = 24;
    /** A bit beside {@link Item}'s: the item was read since it was stored (memcached's ITEM_FETCHED). */
    static final int FETCHED = 8;
    /** The highest hit count kept: an item is worth keeping after this many passes of the eviction scan. */
    static final int MAX_FREQ = 3;
    /** The largest value length the header holds; longer values are jumbo items, whose array tells their length. */
    static final int MAX_VALUE_LENGTH = 0xfffffe;

    private static final int LENGTHS = 0;
    private static final int BITS = 4;
    private static final int FLAGS = 12;
    private static final int EXPTIME = 16;
    private static final int TIME = 20;
    private static final int OWN_ARRAY = 0xffffff;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private ItemLayout() {
    }

    /** Bytes an item of these lengths takes in a segment. */
    static int size(int keyLength, int valueLength) {
        return HEADER + keyLength + valueLength;
    }

    static int size(byte[] a, int at) {
        return HEADER + keyLength(a, at) + valueLength(a, at);
    }

    static int valueLength(byte[] a, int at) {
        int v = (int) INT.get(a, at + LENGTHS) & 0xffffff;
        return v != OWN_ARRAY ? v : a.length - at - HEADER - keyLength(a, at);
    }

    static int keyLength(byte[] a, int at) {
        return a[at + 3] & 0xff;
    }

    static int bits(byte[] a, int at) {
        return a[at + BITS] & 0x0f;
    }

    static void bits(byte[] a, int at, int bits) {
        a[at + BITS] = (byte) ((a[at + BITS] & 0xf0) | (bits & 0x0f));
    }

    static int freq(byte[] a, int at) {
        return (a[at + BITS] >> 4) & 0x0f;
    }

    static void freq(byte[] a, int at, int freq) {
        a[at + BITS] = (byte) ((a[at + BITS] & 0x0f) | (freq << 4));
    }

    static long cas(byte[] a, int at) {
        return (long) LONG.get(a, at + BITS) >>> 8;
    }

    static void cas(byte[] a, int at, long cas) {
        LONG.set(a, at + BITS, (cas << 8) | (a[at + BITS] & 0xffL));
    }

    static int flags(byte[] a, int at) {
        return (int) INT.get(a, at + FLAGS);
    }

    static void flags(byte[] a, int at, int flags) {
        INT.set(a, at + FLAGS, flags);
    }

    /** Expiry as memcached relative time (an unsigned 32-bit value), 0 for never. */
    static long exptime(byte[] a, int at) {
        return Integer.toUnsignedLong((int) INT.get(a, at + EXPTIME));
    }

    static void exptime(byte[] a, int at, long exptime) {
        INT.set(a, at + EXPTIME, (int) exptime);
    }

    static long time(byte[] a, int at) {
        return Integer.toUnsignedLong((int) INT.get(a, at + TIME));
    }

    static void time(byte[] a, int at, long time) {
        INT.set(a, at + TIME, (int) time);
    }

    static int keyOffset(int at) {
        return at + HEADER;
    }

    static int valueOffset(byte[] a, int at) {
        return at + HEADER + keyLength(a, at);
    }

    /**
     * Writes a whole item at {@code at}: header, key, and the value without its trailing CRLF. A value longer than
     * {@link #MAX_VALUE_LENGTH} must fill the rest of the array (a jumbo item's own).
     */
    static void write(byte[] a, int at, byte[] key, int keyOffset, int keyLength, byte[] data, int valueLength,
            int flags, long exptime, long cas, int bits, long time, int freq) {
        int lengths = valueLength <= MAX_VALUE_LENGTH ? valueLength : OWN_ARRAY;
        INT.set(a, at + LENGTHS, lengths | keyLength << 24);
        LONG.set(a, at + BITS, (cas << 8) | (bits & 0x0f) | (freq << 4));
        INT.set(a, at + FLAGS, flags);
        INT.set(a, at + EXPTIME, (int) exptime);
        INT.set(a, at + TIME, (int) time);
        System.arraycopy(key, keyOffset, a, at + HEADER, keyLength);
        System.arraycopy(data, 0, a, at + HEADER + keyLength, valueLength);
    }

    /** Whether the item at {@code at} has the key {@code key[offset, offset + length)}. */
    static boolean keyEquals(byte[] a, int at, byte[] key, int offset, int length) {
        if (keyLength(a, at) != length) {
            return false;
        }
        int p = at + HEADER;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            if ((long) LONG.get(a, p + i) != (long) LONG.get(key, offset + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (a[p + i] != key[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
