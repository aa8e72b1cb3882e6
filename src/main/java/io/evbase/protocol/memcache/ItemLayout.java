package io.evbase.protocol.memcache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * How an item lies in a segment's array: a 28-byte header, the key, then the value (without the CRLF every reply
 * adds). memcached's item header is 48 bytes plus 8 for the CAS; this one keeps what the protocol needs and nothing
 * that links items to each other (no LRU pointers, no hash chain: the index and the segment order do that).
 *
 * <pre>
 *    0  int   value length (bytes, without CRLF)
 *    4  byte  key length (1 to 250)
 *    5  byte  bits: {@link Item#STALE}, {@link Item#TOKEN_SENT}, {@link Item#KEY_BINARY}, {@link #FETCHED}
 *    6  byte  frequency (0 to {@link #MAX_FREQ}): hits since stored or last kept by the eviction scan
 *    7  byte  unused
 *    8  long  CAS
 *   16  int   client flags (unsigned 32-bit)
 *   20  int   expiry, memcached relative seconds (0 never)
 *   24  int   last access, memcached relative seconds
 *   28        key, then value
 * </pre>
 *
 * <p>Threading: stateless. The header of a stored item changes only under its key's lock in {@link ItemIndex};
 * its key and value never change once it is linked.
 */
final class ItemLayout {

    static final int VALUE_LENGTH = 0;
    static final int KEY_LENGTH = 4;
    static final int BITS = 5;
    static final int FREQ = 6;
    static final int CAS = 8;
    static final int FLAGS = 16;
    static final int EXPTIME = 20;
    static final int TIME = 24;
    /** Bytes before the key. */
    static final int HEADER = 28;

    /** A bit beside {@link Item}'s: the item was read since it was stored (memcached's ITEM_FETCHED). */
    static final int FETCHED = 8;
    /** The highest hit count kept: an item is worth keeping after this many passes of the eviction scan. */
    static final int MAX_FREQ = 3;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

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
        return (int) INT.get(a, at + VALUE_LENGTH);
    }

    static int keyLength(byte[] a, int at) {
        return a[at + KEY_LENGTH] & 0xff;
    }

    static int bits(byte[] a, int at) {
        return a[at + BITS] & 0xff;
    }

    static void bits(byte[] a, int at, int bits) {
        a[at + BITS] = (byte) bits;
    }

    static int freq(byte[] a, int at) {
        return a[at + FREQ];
    }

    static void freq(byte[] a, int at, int freq) {
        a[at + FREQ] = (byte) freq;
    }

    static long cas(byte[] a, int at) {
        return (long) LONG.get(a, at + CAS);
    }

    static void cas(byte[] a, int at, long cas) {
        LONG.set(a, at + CAS, cas);
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

    /** Writes a whole item at {@code at}: header, key, and the value without its trailing CRLF. */
    static void write(byte[] a, int at, byte[] key, int keyOffset, int keyLength, byte[] data, int valueLength,
            int flags, long exptime, long cas, int bits, long time, int freq) {
        INT.set(a, at + VALUE_LENGTH, valueLength);
        a[at + KEY_LENGTH] = (byte) keyLength;
        a[at + BITS] = (byte) bits;
        a[at + FREQ] = (byte) freq;
        a[at + 7] = 0;
        LONG.set(a, at + CAS, cas);
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
