package io.evbase.buffer;

import java.nio.ByteBuffer;

/**
 * One pooled chunk of direct memory with a read and a write index, the unit a {@link BufferChain} writes into.
 *
 * <p>Threading: a chunk belongs to one thread at a time: the pool while it is free, the owning loop while it sits in
 * a chain. It is never shared, so its indices need no synchronisation; the hand-over through the pool's concurrent
 * free list publishes them.
 */
final class Chunk extends Segment {

    final ByteBuffer memory;

    /** @param memory a direct buffer in big-endian order (the default), owned by this chunk from now on */
    Chunk(ByteBuffer memory) {
        this.memory = memory;
        this.limit = memory.capacity();
    }

    /** Forgets every byte: a recycled chunk must show nothing of its previous owner. */
    void reset() {
        readIndex = 0;
        writeIndex = 0;
        memory.clear();
    }

    /**
     * Puts the buffer back to its resting window, the whole capacity. Absolute gets and puts are checked against the
     * limit, so every user of {@link #readView()} or {@link #writeView()} restores it when done.
     */
    void restore() {
        memory.clear();
    }

    /** Sets the buffer's window onto the readable bytes, for reads out of the chunk and gathering writes. */
    ByteBuffer readView() {
        memory.limit(writeIndex).position(readIndex);
        return memory;
    }

    /** Sets the buffer's window onto the writable space, for socket reads into the chunk. */
    ByteBuffer writeView() {
        memory.limit(memory.capacity()).position(writeIndex);
        return memory;
    }

    @Override
    byte get(int index) {
        return memory.get(index);
    }

    @Override
    short getShort(int index) {
        return memory.getShort(index);
    }

    @Override
    int getInt(int index) {
        return memory.getInt(index);
    }

    @Override
    long getLong(int index) {
        return memory.getLong(index);
    }

    /**
     * Performance: eight bytes per step; the line search of every text protocol runs through here.
     */
    @Override
    int indexOf(byte value, int start, int end) {
        ByteBuffer m = memory;
        long pattern = (value & 0xffL) * ONES;
        int i = start;
        for (int last = end - Long.BYTES; i <= last; i += Long.BYTES) {
            long zeros = matches(m.getLong(i), pattern);
            if (zeros != 0) {
                return i + (Long.numberOfLeadingZeros(zeros) >>> 3);
            }
        }
        for (; i < end; i++) {
            if (m.get(i) == value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    void copyTo(int index, byte[] dst, int offset, int length) {
        memory.get(index, dst, offset, length);
    }

    @Override
    void copyTo(int index, ByteBuffer dst, int dstIndex, int length) {
        dst.put(dstIndex, memory, index, length);
    }
}
