package io.evbase.protocol.memcache;

import java.util.Base64;

/**
 * Base64 for binary keys (the meta {@code b} flag), decoding as memcached's {@code base64_decode} does: characters
 * outside the alphabet are skipped, the count of alphabet characters must be a non-zero multiple of four, and
 * decoding stops after the first padded block.
 *
 * <p>Threading: stateless.
 */
final class Base64Keys {

    private static final byte[] TABLE =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int[] DTABLE = new int[256];

    static {
        java.util.Arrays.fill(DTABLE, 0x80);
        for (int i = 0; i < TABLE.length; i++) {
            DTABLE[TABLE[i]] = i;
        }
        DTABLE['='] = 0;
    }

    private Base64Keys() {
    }

    /** The decoded bytes, or null where memcached's decoder returns 0 (failure or empty). */
    static byte[] decode(byte[] src, int offset, int length) {
        int count = 0;
        for (int i = offset; i < offset + length; i++) {
            if (DTABLE[src[i] & 0xff] != 0x80) {
                count++;
            }
        }
        if (count == 0 || count % 4 != 0) {
            return null;
        }
        byte[] out = new byte[count / 4 * 3];
        int pos = 0;
        int[] block = new int[4];
        int n = 0;
        int pad = 0;
        for (int i = offset; i < offset + length; i++) {
            int c = src[i] & 0xff;
            int t = DTABLE[c];
            if (t == 0x80) {
                continue;
            }
            if (c == '=') {
                pad++;
            }
            block[n++] = t;
            if (n == 4) {
                out[pos++] = (byte) ((block[0] << 2) | (block[1] >> 4));
                out[pos++] = (byte) ((block[1] << 4) | (block[2] >> 2));
                out[pos++] = (byte) ((block[2] << 6) | block[3]);
                n = 0;
                if (pad > 0) {
                    if (pad == 1) {
                        pos--;
                    } else if (pad == 2) {
                        pos -= 2;
                    } else {
                        return null;
                    }
                    break;
                }
            }
        }
        return pos == 0 ? null : java.util.Arrays.copyOf(out, pos);
    }

    static String encode(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }
}
