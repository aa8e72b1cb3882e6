package io.evbase.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * A queue of pooled chunks: bytes are appended at the tail (socket reads, handler replies) and consumed from the
 * head (parsing, gathering writes), after libevent's {@code evbuffer}.
 *
 * <p>Indices in the lookup methods are relative to the first readable byte. A chunk is given back to the pool as
 * soon as it is fully consumed, so an empty chain holds no memory and an idle connection costs no chunk.
 *
 * <p>Threading: not thread-safe. A chain belongs to one connection and is touched only by that connection's loop
 * thread, which is also the only user of the {@link BufferPool.Cache} it draws from.
 */
public final class BufferChain {

    static final int MAX_GATHER = 64;
    private static final byte[] DIGITS = "0123456789".getBytes(StandardCharsets.US_ASCII);

    private final BufferPool.Cache cache;
    // Performance: an indexable ring instead of an ArrayDeque (no iterator per lookup or write, 48 instead of 112
    // bytes per idle chain); the gather array and the decimal scratch belong to the loop's cache, not to every
    // chain (they were 600 bytes per connection).
    private final ChunkRing chunks = new ChunkRing();
    /** Bytes readable; a long, since a chain's bytes may pass 2 GiB where the watermarks allow it. */
    private long readable;

    public BufferChain(BufferPool.Cache cache) {
        this.cache = cache;
    }

    /** Bytes that can be read. */
    public long readableBytes() {
        return readable;
    }

    public boolean isEmpty() {
        return readable == 0;
    }

    /** Chunks held, readable or not (the occupancy a connection costs the pool). */
    public int chunkCount() {
        return chunks.size();
    }

    /** Size of the pooled chunks this chain is made of. */
    public int chunkSize() {
        return cache.pool().chunkSize();
    }

    // ---------------------------------------------------------------- lookup, without consuming

    /** The byte at {@code index} (0 = first readable byte). */
    public byte getByte(int index) {
        checkIndex(index, 1);
        for (int k = 0, count = chunks.size(); k < count; k++) {
            Chunk c = chunks.get(k);
            int n = c.readable();
            if (index < n) {
                return c.memory.get(c.readIndex + index);
            }
            index -= n;
        }
        throw new IndexOutOfBoundsException(index);
    }

    /** Index of the first {@code value} in {@code [from, to)}, or -1. */
    public int indexOf(byte value, int from, int to) {
        to = (int) Math.min(to, readable);
        if (from < 0 || from >= to) {
            return -1;
        }
        int base = 0;
        for (int k = 0, count = chunks.size(); k < count; k++) {
            Chunk c = chunks.get(k);
            int n = c.readable();
            if (from < base + n) {
                int start = c.readIndex + Math.max(0, from - base);
                int end = c.readIndex + Math.min(n, to - base);
                int i = indexOf(c.memory, value, start, end);
                if (i >= 0) {
                    return base + (i - c.readIndex);
                }
            }
            base += n;
            if (base >= to) {
                break;
            }
        }
        return -1;
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

    /**
     * Index of the first {@code value} in {@code m[start, end)}, or -1. Performance: eight bytes per step (SWAR:
     * the exact zero-byte test, without the false positives of the shorter one, so the leading zeros of a
     * big-endian word give the first match); the line search of every text protocol runs through here.
     */
    static int indexOf(ByteBuffer m, byte value, int start, int end) {
        long pattern = (value & 0xffL) * ONES;
        int i = start;
        for (int last = end - Long.BYTES; i <= last; i += Long.BYTES) {
            long x = m.getLong(i) ^ pattern; // a zero byte where the value is
            long zeros = ~(((x & LOW7) + LOW7) | x | LOW7); // high bit set exactly in the zero bytes
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

    /** Index of the first {@code value} at or after {@code from}, or -1. */
    public int indexOf(byte value, int from) {
        return indexOf(value, from, (int) Math.min(Integer.MAX_VALUE, readable));
    }

    /** Copies {@code length} bytes starting at {@code index} into {@code dst} without consuming them. */
    public void copy(int index, byte[] dst, int offset, int length) {
        checkIndex(index, length);
        for (int k = 0, count = chunks.size(); k < count; k++) {
            Chunk c = chunks.get(k);
            if (length == 0) {
                return;
            }
            int n = c.readable();
            if (index >= n) {
                index -= n;
                continue;
            }
            int take = Math.min(n - index, length);
            c.memory.get(c.readIndex + index, dst, offset, take);
            offset += take;
            length -= take;
            index = 0;
        }
    }

    /** The bytes in {@code [index, index + length)} as US-ASCII text, without consuming them. */
    public String toAscii(int index, int length) {
        byte[] bytes = new byte[length];
        copy(index, bytes, 0, length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- consuming from the head

    /** Discards {@code length} bytes from the head. */
    public void skip(long length) {
        checkIndex(0, length);
        readable -= length;
        while (length > 0) {
            Chunk c = chunks.peekFirst();
            int take = (int) Math.min(c.readable(), length);
            c.readIndex += take;
            length -= take;
            releaseHeadIfConsumed();
        }
        releaseHeadIfConsumed();
    }

    /** Moves {@code length} bytes from the head into {@code dst}. */
    public void read(byte[] dst, int offset, int length) {
        copy(0, dst, offset, length);
        skip(length);
    }

    /** Moves the first {@code length} bytes into a new array. */
    public byte[] readBytes(int length) {
        byte[] bytes = new byte[length];
        read(bytes, 0, length);
        return bytes;
    }

    /** Discards everything and gives every chunk back to the pool. */
    public void clear() {
        Chunk c;
        while ((c = chunks.pollFirst()) != null) {
            cache.give(c);
        }
        readable = 0;
    }

    // ---------------------------------------------------------------- appending at the tail

    public BufferChain write(byte[] src) {
        return write(src, 0, src.length);
    }

    public BufferChain write(byte[] src, int offset, int length) {
        while (length > 0) {
            Chunk c = writableTail();
            int take = Math.min(c.writable(), length);
            c.memory.put(c.writeIndex, src, offset, take);
            c.writeIndex += take;
            readable += take;
            offset += take;
            length -= take;
        }
        return this;
    }

    public BufferChain write(ByteBuffer src) {
        while (src.hasRemaining()) {
            Chunk c = writableTail();
            int take = Math.min(c.writable(), src.remaining());
            c.memory.put(c.writeIndex, src, src.position(), take);
            src.position(src.position() + take);
            c.writeIndex += take;
            readable += take;
        }
        return this;
    }

    public BufferChain write(byte b) {
        Chunk c = writableTail();
        c.memory.put(c.writeIndex++, b);
        readable++;
        return this;
    }

    /** Appends US-ASCII text (each char's low byte). */
    public BufferChain writeAscii(CharSequence text) {
        int length = text.length();
        int i = 0;
        while (i < length) {
            Chunk c = writableTail();
            int take = Math.min(c.writable(), length - i);
            ByteBuffer m = c.memory;
            int w = c.writeIndex;
            for (int end = i + take; i < end; i++) {
                m.put(w++, (byte) text.charAt(i));
            }
            c.writeIndex = w;
            readable += take;
        }
        return this;
    }

    /** Appends the decimal form of an unsigned 64-bit value, without allocating. */
    public BufferChain writeUnsignedDecimal(long value) {
        byte[] scratch = cache.scratch;
        int pos = scratch.length;
        if (value >= 0) {
            do {
                scratch[--pos] = DIGITS[(int) (value % 10)];
                value /= 10;
            } while (value != 0);
        } else {
            do {
                scratch[--pos] = DIGITS[(int) Long.remainderUnsigned(value, 10)];
                value = Long.divideUnsigned(value, 10);
            } while (value != 0);
        }
        return write(scratch, pos, scratch.length - pos);
    }

    /** Appends a signed decimal. */
    public BufferChain writeDecimal(long value) {
        if (value < 0) {
            write((byte) '-');
            if (value == Long.MIN_VALUE) {
                return writeAscii("9223372036854775808");
            }
            value = -value;
        }
        return writeUnsignedDecimal(value);
    }

    /**
     * Moves {@code length} bytes from the head of {@code src} to the tail of this chain. Whole chunks that are at
     * least half full change hands without copying; a partial head chunk and smaller remnants are copied. Both
     * chains must draw from the same loop's cache.
     *
     * <p>Moving a chunk that holds a few bytes would keep a whole chunk for them: a slow consumer fed many small
     * transfers (an echo of small reads, one line at a time) held 128 KiB of output in 1,776 KiB of chunks. Copying
     * remnants keeps a chain's chunks within about twice its bytes, whatever the pattern of transfers.
     */
    public void transferFrom(BufferChain src, long length) {
        src.checkIndex(0, length);
        while (length > 0) {
            Chunk c = src.chunks.peekFirst();
            int n = c.readable();
            if (n <= length && src.cache == cache && n >= c.memory.capacity() / 2) {
                src.chunks.pollFirst();
                src.readable -= n;
                appendChunk(c);
                length -= n;
            } else {
                int take = (int) Math.min(n, length);
                ByteBuffer view = c.readView();
                view.limit(c.readIndex + take);
                try {
                    write(view);
                } finally {
                    c.restore();
                }
                c.readIndex += take;
                src.readable -= take;
                length -= take;
                src.releaseHeadIfConsumed();
            }
        }
    }

    // ---------------------------------------------------------------- channel I/O

    /**
     * Reads from {@code channel} into the tail until it has no more bytes, {@code maxBytes} were read, or it
     * reports end of stream.
     *
     * @return bytes read, or -1 if the channel reached end of stream before any byte was read
     */
    public int readFrom(ReadableByteChannel channel, int maxBytes) throws IOException {
        int total = 0;
        while (total < maxBytes) {
            Chunk c = writableTail();
            ByteBuffer view = c.writeView();
            int room = Math.min(view.remaining(), maxBytes - total);
            view.limit(c.writeIndex + room);
            int n;
            try {
                n = channel.read(view);
                if (n > 0) {
                    c.writeIndex += n;
                    readable += n;
                    total += n;
                }
            } finally {
                c.restore();
                releaseTailIfEmpty(); // a read that brought nothing must not leave an idle chunk behind
            }
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            if (n < room) {
                break; // the socket is drained: no second syscall just to see EAGAIN
            }
        }
        return total;
    }

    /**
     * Gathering write of as much as the channel takes.
     *
     * @return bytes written
     */
    public long writeTo(GatheringByteChannel channel) throws IOException {
        long total = 0;
        ByteBuffer[] gather = cache.gather;
        while (readable > 0) {
            Chunk head = chunks.peekFirst();
            if (head.readable() == readable) {
                // Performance: everything is in one chunk (the usual reply): a plain write, not the JDK's
                // gathering path with its iovec setup.
                long n;
                try {
                    n = channel.write(head.readView());
                } finally {
                    head.restore();
                }
                if (n <= 0) {
                    break;
                }
                long want = readable;
                consumeWritten(n);
                total += n;
                if (n < want) {
                    break; // the socket buffer is full
                }
                continue;
            }
            int count = 0;
            long want = 0;
            for (int k = 0, size = chunks.size(); k < size && count < MAX_GATHER; k++) {
                Chunk c = chunks.get(k);
                if (c.readable() > 0) {
                    gather[count++] = c.readView();
                    want += c.readable();
                }
            }
            long n;
            try {
                n = channel.write(gather, 0, count);
            } finally {
                for (int i = 0; i < count; i++) {
                    gather[i].clear(); // back to the resting window (see Chunk#restore)
                    gather[i] = null;
                }
            }
            if (n <= 0) {
                break;
            }
            consumeWritten(n);
            total += n;
            if (n < want) {
                break; // the socket buffer is full
            }
        }
        return total;
    }

    private void consumeWritten(long n) {
        readable -= n;
        while (n > 0) {
            Chunk c = chunks.peekFirst();
            int take = (int) Math.min(c.readable(), n);
            c.readIndex += take;
            n -= take;
            releaseHeadIfConsumed();
        }
        releaseHeadIfConsumed();
    }

    // ---------------------------------------------------------------- internals

    private Chunk writableTail() {
        Chunk tail = chunks.peekLast();
        if (tail == null || tail.writable() == 0) {
            tail = cache.take();
            chunks.addLast(tail);
        }
        return tail;
    }

    private void appendChunk(Chunk c) {
        Chunk tail = chunks.peekLast();
        if (tail != null && tail.readable() == 0) {
            chunks.pollLast();
            cache.give(tail);
        }
        chunks.addLast(c);
        readable += c.readable();
    }

    private void releaseHeadIfConsumed() {
        Chunk head = chunks.peekFirst();
        if (head != null && head.readable() == 0 && (head.writable() == 0 || chunks.size() > 1 || readable == 0)) {
            chunks.pollFirst();
            cache.give(head);
        }
    }

    private void releaseTailIfEmpty() {
        Chunk tail = chunks.peekLast();
        if (tail != null && tail.readable() == 0) {
            chunks.pollLast();
            cache.give(tail);
        }
    }

    private void checkIndex(long index, long length) {
        if (index < 0 || length < 0 || index + length > readable) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " length " + length + " readable " + readable);
        }
    }

    @Override
    public String toString() {
        return "BufferChain[readable=" + readable + ", chunks=" + chunks.size() + "]";
    }

    /** The chunks of a chain, head first: a growable ring with indexed access and no iterators. */
    private static final class ChunkRing {
        private Chunk[] ring = new Chunk[2];
        private int head;
        private int size;

        int size() {
            return size;
        }

        /** The {@code k}-th chunk from the head; {@code 0 <= k < size()}. */
        Chunk get(int k) {
            return ring[(head + k) & (ring.length - 1)];
        }

        Chunk peekFirst() {
            return size == 0 ? null : ring[head];
        }

        Chunk peekLast() {
            return size == 0 ? null : ring[(head + size - 1) & (ring.length - 1)];
        }

        Chunk pollFirst() {
            if (size == 0) {
                return null;
            }
            Chunk c = ring[head];
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
            return c;
        }

        Chunk pollLast() {
            if (size == 0) {
                return null;
            }
            int i = (head + size - 1) & (ring.length - 1);
            Chunk c = ring[i];
            ring[i] = null;
            size--;
            return c;
        }

        void addLast(Chunk c) {
            if (size == ring.length) {
                Chunk[] bigger = new Chunk[ring.length * 2]; // lengths stay powers of two
                for (int k = 0; k < size; k++) {
                    bigger[k] = get(k);
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size) & (ring.length - 1)] = c;
            size++;
        }
    }
}
