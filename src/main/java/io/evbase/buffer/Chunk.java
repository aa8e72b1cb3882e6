package io.evbase.buffer;

import java.nio.ByteBuffer;

/**
 * One pooled chunk of direct memory with a read and a write index, the unit a {@link BufferChain} is made of.
 *
 * <p>Threading: a chunk belongs to one thread at a time: the pool while it is free, the owning loop while it sits in
 * a chain. It is never shared, so its indices need no synchronisation; the hand-over through the pool's concurrent
 * free list publishes them.
 */
final class Chunk {

    final ByteBuffer memory;
    int readIndex;
    int writeIndex;

    Chunk(int size) {
        this.memory = ByteBuffer.allocateDirect(size);
    }

    int readable() {
        return writeIndex - readIndex;
    }

    int writable() {
        return memory.capacity() - writeIndex;
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
}
