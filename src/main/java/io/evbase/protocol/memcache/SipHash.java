package io.evbase.protocol.memcache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * SipHash (Aumasson and Bernstein, 2012), the keyed hash that hash tables fed by untrusted keys use (Python, Rust,
 * Ruby, Redis): without the 128-bit key nobody can compute which inputs collide, so a client cannot choose keys that
 * all land in one bin. The store uses SipHash-1-3 (one compression round per word, three finalisation rounds) with a
 * key drawn from {@link SecureRandom} once per process; SipHash-2-4, the paper's variant, is here for its published
 * test vectors.
 *
 * <p>Threading: immutable, thread-safe; {@link #hash} allocates nothing.
 */
final class SipHash {

    /** This process's key for item keys, drawn once at class initialisation. */
    static final SipHash KEYS = random(1, 3);

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final long k0;
    private final long k1;
    private final int compressionRounds;
    private final int finalRounds;

    SipHash(long k0, long k1, int compressionRounds, int finalRounds) {
        this.k0 = k0;
        this.k1 = k1;
        this.compressionRounds = compressionRounds;
        this.finalRounds = finalRounds;
    }

    static SipHash random(int compressionRounds, int finalRounds) {
        SecureRandom random = new SecureRandom();
        return new SipHash(random.nextLong(), random.nextLong(), compressionRounds, finalRounds);
    }

    /** The 64-bit SipHash of {@code buf[offset, offset + length)}. */
    long hash(byte[] buf, int offset, int length) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int end = offset + length;
        int words = end - (length & 7);
        int i = offset;
        for (; i < words; i += 8) {
            long m = (long) LONG_LE.get(buf, i);
            v3 ^= m;
            for (int r = 0; r < compressionRounds; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long b = ((long) length) << 56;
        for (int shift = 0; i < end; i++, shift += 8) {
            b |= (buf[i] & 0xffL) << shift;
        }
        v3 ^= b;
        for (int r = 0; r < compressionRounds; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int r = 0; r < finalRounds; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** The hash folded to an {@code int}, for {@link Object#hashCode()}. */
    int hash32(byte[] buf, int offset, int length) {
        long h = hash(buf, offset, length);
        return (int) (h ^ (h >>> 32));
    }
}
