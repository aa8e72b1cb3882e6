package io.evbase.buffer;

import java.nio.ByteBuffer;

/**
 * One run of readable bytes in a {@link BufferChain}: either a pooled {@link Chunk} of direct memory the chain
 * writes into, or a {@link SharedSegment}, a reference to an immutable array range that the chain never writes.
 * Readers see the two alike: every index below is absolute in the segment's storage, between {@link #readIndex}
 * and {@link #writeIndex}.
 *
 * <p>Threading: a segment belongs to one chain, touched only by that chain's loop thread.
 */
abstract sealed class Segment permits Chunk, SharedSegment {

    /** First readable byte. */
    int readIndex;
    /** One past the last readable byte, where a chunk's next write goes. */
    int writeIndex;
    /** End of the writable space: a chunk's capacity; a shared segment's {@link #writeIndex} (it takes no bytes). */
    int limit;

    final int readable() {
        return writeIndex - readIndex;
    }

    final int writable() {
        return limit - writeIndex;
    }

    /** The byte at absolute {@code index}. */
    abstract byte get(int index);

    /** Big-endian 16-bit value at absolute {@code index}. */
    abstract short getShort(int index);

    /** Big-endian 32-bit value at absolute {@code index}. */
    abstract int getInt(int index);

    /** Big-endian 64-bit value at absolute {@code index}. */
    abstract long getLong(int index);

    /** Index of the first {@code value} in {@code [start, end)}, or -1. */
    abstract int indexOf(byte value, int start, int end);

    /** Copies {@code length} bytes from absolute {@code index} into {@code dst}. */
    abstract void copyTo(int index, byte[] dst, int offset, int length);

    /** Copies {@code length} bytes from absolute {@code index} into {@code dst} at {@code dstIndex}. */
    abstract void copyTo(int index, ByteBuffer dst, int dstIndex, int length);

    // The SWAR byte search both kinds share: eight bytes per step, the exact zero-byte test (without the false
    // positives of the shorter one), so the leading zeros of a big-endian word give the first match.
    static final long ONES = 0x0101010101010101L;
    static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

    /** High bit set exactly in the bytes of {@code word} that equal the byte repeated in {@code pattern}. */
    static long matches(long word, long pattern) {
        long x = word ^ pattern;
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }
}
