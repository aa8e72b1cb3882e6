package io.evbase.buffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 straight into and out of a {@link BufferChain}: encoding without an intermediate array (ASCII a char at a
 * time, the rest packed per code point), and decoding across segment boundaries.
 *
 * <p>Malformed input is replaced as the JDK's {@code String.getBytes(UTF_8)} and {@code new String(bytes, UTF_8)}
 * do: an unpaired surrogate encodes as {@code '?'}, an invalid byte sequence decodes as U+FFFD.
 *
 * <p>Threading: stateless; on the thread that owns the chain.
 */
final class Utf8 {

    private Utf8() {
    }

    /** Bytes {@code text} encodes to. */
    static long length(CharSequence text) {
        long bytes = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char ch = text.charAt(i);
            if (ch < 0x80) {
                bytes++;
            } else if (ch < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(ch)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes++; // '?'
            }
        }
        return bytes;
    }

    /** Appends {@code text} to {@code chain}. */
    static void write(BufferChain chain, CharSequence text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            Chunk c = chain.writableTail();
            ByteBuffer m = c.memory;
            int w = c.writeIndex;
            int end = c.limit;
            int packed = 0;
            int size = 0;
            while (i < n && w < end) {
                char ch = text.charAt(i);
                if (ch < 0x80) {
                    m.put(w++, (byte) ch);
                    i++;
                    continue;
                }
                int cp = ch;
                int used = 1;
                if (ch < 0x800) {
                    size = 2;
                    packed = (0xc0 | cp >>> 6) << 8 | 0x80 | cp & 0x3f;
                } else if (!Character.isSurrogate(ch)) {
                    size = 3;
                    packed = (0xe0 | cp >>> 12) << 16 | (0x80 | cp >>> 6 & 0x3f) << 8 | 0x80 | cp & 0x3f;
                } else if (Character.isHighSurrogate(ch) && i + 1 < n
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    cp = Character.toCodePoint(ch, text.charAt(i + 1));
                    used = 2;
                    size = 4;
                    packed = (0xf0 | cp >>> 18) << 24 | (0x80 | cp >>> 12 & 0x3f) << 16 | (0x80 | cp >>> 6 & 0x3f) << 8
                            | 0x80 | cp & 0x3f;
                } else {
                    size = 1;
                    packed = '?';
                }
                if (end - w < size) {
                    break; // straddles the chunk's end: written below, a byte at a time
                }
                for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) {
                    m.put(w++, (byte) (packed >>> shift));
                }
                i += used;
                size = 0;
            }
            chain.wrote(c, w);
            if (size > 0) {
                for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) {
                    chain.write((byte) (packed >>> shift));
                }
                i += size == 4 ? 2 : 1;
            }
        }
    }

    /** The {@code length} bytes at {@code index} of {@code chain}, decoded. */
    static String decode(BufferChain chain, int index, int length) {
        byte[] bytes = new byte[length];
        chain.copy(index, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
