package io.evbase.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A queue of byte segments: bytes are appended at the tail (socket reads, handler replies) and consumed from the
 * head (parsing, gathering writes), after libevent's {@code evbuffer}.
 *
 * <p>Most segments are pooled chunks of direct memory the chain writes into. {@link #writeShared} queues a
 * reference to an immutable array instead (a cached value), so that a reply much larger than the write watermark
 * costs no pooled memory while it waits for the socket: {@link #writeTo} copies at most a bounded window of such
 * references into pooled chunks per write. Every read method sees the two kinds alike.
 *
 * <p>Indices in the lookup methods are relative to the first readable byte; they are {@code int}s, so lookups
 * reach the first 2 GiB of a chain (a parser looks at the head), while counts ({@link #readableBytes()},
 * {@link #skip}, {@link #transferFrom}) are {@code long}. A chunk is given back to the pool as soon as it is fully
 * consumed, so an empty chain holds no memory and an idle connection costs no chunk.
 *
 * <p>Memory: a write that needs a chunk the pool cannot give within its budget throws
 * {@link BufferBudgetExceededException} (the bytes written before it stay); {@link #readFrom} returns
 * {@link #NO_MEMORY} instead.
 *
 * <p>Threading: not thread-safe. A chain belongs to one connection and is touched only by that connection's loop
 * thread, which is also the only user of the {@link BufferPool.Cache} it draws from.
 */
public final class BufferChain {

    /** {@link #readFrom} could not read: no chunk within the pool's read budget. Poll the cache to resume. */
    public static final int NO_MEMORY = -2;

    /**
     * Shared writes shorter than this are copied: below it a reference costs more than the copy it saves (its own
     * segment, a chunk of its own for the bytes written after it, and the copy into the write window anyway).
     * {@code SharedWriteBench}, 16 hits per reply: referencing cost about 90 ns per value more than copying at
     * 256-512 bytes and broke even between 768 bytes and 1.5 KiB.
     */
    public static final int SHARE_THRESHOLD = 1024;

    /** Bytes of shared segments one {@link #writeTo} round copies into pooled chunks, at most. */
    static final int WRITE_WINDOW = 64 * 1024;

    static final int MAX_GATHER = 64;
    private static final byte[] DIGITS = "0123456789".getBytes(StandardCharsets.US_ASCII);

    private final BufferPool.Cache cache;
    private final SegmentRing segments = new SegmentRing();
    /** Bytes readable; a long, since a chain's bytes may pass 2 GiB where the watermarks allow it. */
    private long readable;

    public BufferChain(BufferPool.Cache cache) {
        this.cache = cache;
    }

    /** Bytes that can be read, shared references included. */
    public long readableBytes() {
        return readable;
    }

    public boolean isEmpty() {
        return readable == 0;
    }

    /** Pooled chunks held, readable or not (the occupancy a connection costs the pool); shared references aside. */
    public int chunkCount() {
        int chunks = 0;
        for (int k = 0, count = segments.size(); k < count; k++) {
            if (segments.get(k) instanceof Chunk) {
                chunks++;
            }
        }
        return chunks;
    }

    /** Size of the pooled chunks this chain is made of. */
    public int chunkSize() {
        return cache.pool().chunkSize();
    }

    // ---------------------------------------------------------------- lookup, without consuming

    /** The byte at {@code index} (0 = first readable byte). */
    public byte getByte(int index) {
        checkIndex(index, 1);
        for (int k = 0, count = segments.size(); k < count; k++) {
            Segment s = segments.get(k);
            int n = s.readable();
            if (index < n) {
                return s.get(s.readIndex + index);
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
        for (int k = 0, count = segments.size(); k < count; k++) {
            Segment s = segments.get(k);
            int n = s.readable();
            if (from < base + n) {
                int start = s.readIndex + Math.max(0, from - base);
                int end = s.readIndex + Math.min(n, to - base);
                int i = s.indexOf(value, start, end);
                if (i >= 0) {
                    return base + (i - s.readIndex);
                }
            }
            base += n;
            if (base >= to) {
                break;
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
        Objects.checkFromIndexSize(offset, length, dst.length);
        for (int k = 0, count = segments.size(); k < count && length > 0; k++) {
            Segment s = segments.get(k);
            int n = s.readable();
            if (index >= n) {
                index -= n;
                continue;
            }
            int take = Math.min(n - index, length);
            s.copyTo(s.readIndex + index, dst, offset, take);
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
            Segment s = segments.peekFirst();
            int take = (int) Math.min(s.readable(), length);
            s.readIndex += take;
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
        Segment s;
        while ((s = segments.pollFirst()) != null) {
            release(s);
        }
        readable = 0;
    }

    // ---------------------------------------------------------------- appending at the tail

    public BufferChain write(byte[] src) {
        return write(src, 0, src.length);
    }

    public BufferChain write(byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
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

    /**
     * Appends {@code array[offset, offset + length)} by reference, without copying it into pooled memory: the
     * chain reads it in place and copies it only when writing to a socket, a bounded window at a time. The caller
     * promises never to modify those bytes again (a cached value is immutable); they count in
     * {@link #readableBytes()} like any other.
     *
     * <p>Short ranges (below {@link #SHARE_THRESHOLD}) and ranges that fit the free space of the tail chunk are
     * copied, so a chain's chunks stay about as full as when everything is copied.
     */
    public BufferChain writeShared(byte[] array, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, array.length);
        Segment tail = segments.peekLast();
        if (length < SHARE_THRESHOLD || (tail != null && length <= tail.writable())) {
            return write(array, offset, length);
        }
        return share(array, offset, length);
    }

    /** Appends a reference to the range, whatever its length. */
    BufferChain share(byte[] array, int offset, int length) {
        appendSegment(cache.takeSegment(array, offset, length));
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
     * least half full change hands without copying, and so do shared references; a partial head chunk and smaller
     * remnants are copied. Both chains must belong to the calling loop thread.
     *
     * <p>Moving a chunk that holds a few bytes would keep a whole chunk for them: a slow consumer fed many small
     * transfers (an echo of small reads, one line at a time) held 128 KiB of output in 1,776 KiB of chunks. Copying
     * remnants keeps a chain's chunks within about twice its bytes, whatever the pattern of transfers.
     */
    public void transferFrom(BufferChain src, long length) {
        transfer(src, length, false);
    }

    /**
     * @param anyWholeChunk move every chunk whose readable bytes all go, however few (a short-lived chain), not only
     *                      those at least half full
     */
    void transfer(BufferChain src, long length, boolean anyWholeChunk) {
        src.checkIndex(0, length);
        while (length > 0) {
            Segment s = src.segments.peekFirst();
            int n = s.readable();
            if (s instanceof SharedSegment ref) {
                int take = (int) Math.min(n, length);
                if (take == n && src.cache == cache) {
                    src.segments.pollFirst();
                    src.readable -= n;
                    appendSegment(ref);
                } else {
                    writeShared(ref.array, ref.readIndex, take);
                    ref.readIndex += take;
                    src.readable -= take;
                    src.releaseHeadIfConsumed();
                }
                length -= take;
            } else if (n <= length && src.cache == cache && (anyWholeChunk || n >= s.limit / 2)) {
                src.segments.pollFirst();
                src.readable -= n;
                appendSegment(s);
                length -= n;
            } else {
                Chunk c = (Chunk) s;
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
     * @return bytes read; -1 if the channel reached end of stream before any byte was read; {@link #NO_MEMORY} if no
     *         byte was read because the pool is at its read budget (the socket was not touched: pause reading until
     *         {@link BufferPool.Cache#memoryGeneration()} changes)
     */
    public int readFrom(ReadableByteChannel channel, int maxBytes) throws IOException {
        int total = 0;
        while (total < maxBytes) {
            Chunk c = readableTail();
            if (c == null) {
                return total == 0 ? NO_MEMORY : total;
            }
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
     * Gathering write of as much as the channel takes. Pooled chunks are handed to the channel as they are; shared
     * references are first copied into pooled chunks, at most {@link #WRITE_WINDOW} bytes per round (with the small
     * chunks that follow them, so that a run of headers and values leaves in one system call). Only direct buffers
     * reach the channel: a heap buffer would make the JDK copy it whole into a temporary direct buffer of its size.
     *
     * @return bytes written
     */
    public long writeTo(GatheringByteChannel channel) throws IOException {
        long total = 0;
        while (readable > 0) {
            Segment head = segments.peekFirst();
            long n;
            long want;
            if (head.readable() == readable && head instanceof Chunk c) {
                // Performance: everything is in one chunk (the usual reply): a plain write, not the JDK's
                // gathering path with its iovec setup.
                want = readable;
                try {
                    n = channel.write(c.readView());
                } finally {
                    c.restore();
                }
            } else {
                want = gather();
                n = writeGathered(channel);
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

    /**
     * Fills the cache's gather array for one write: the chunks up to the first shared reference as they are, then
     * that reference and what follows copied into up to a window of pooled chunks (remembered in the cache's
     * window array). If the pool cannot give even one chunk for it, a heap window of at most
     * {@link #WRITE_WINDOW} bytes over the reference stands in, so the JDK's temporary copy stays bounded too.
     *
     * @return bytes gathered
     */
    private long gather() {
        ByteBuffer[] gather = cache.gather;
        Chunk[] window = cache.window;
        int count = 0;
        long want = 0;
        int k = 0;
        int size = segments.size();
        for (; k < size && count < MAX_GATHER; k++) {
            Segment s = segments.get(k);
            if (!(s instanceof Chunk c)) {
                break;
            }
            if (c.readable() > 0) {
                gather[count++] = c.readView();
                want += c.readable();
            }
        }
        int staged = 0;
        int offset = 0; // into segment k
        while (k < size && count < MAX_GATHER && staged < window.length) {
            Chunk stage = cache.tryTake(false);
            if (stage == null) {
                break;
            }
            window[staged++] = stage;
            int filled = 0;
            while (filled < stage.limit && k < size) {
                Segment s = segments.get(k);
                int take = Math.min(s.readable() - offset, stage.limit - filled);
                s.copyTo(s.readIndex + offset, stage.memory, filled, take);
                filled += take;
                offset += take;
                if (offset == s.readable()) {
                    k++;
                    offset = 0;
                }
            }
            stage.writeIndex = filled;
            gather[count++] = stage.readView();
            want += filled;
        }
        if (count == 0) {
            SharedSegment ref = (SharedSegment) segments.get(k);
            int take = Math.min(ref.readable(), WRITE_WINDOW);
            gather[count++] = ByteBuffer.wrap(ref.array, ref.readIndex, take);
            want = take;
        }
        cache.gathered = count;
        cache.staged = staged;
        return want;
    }

    /** Writes what {@link #gather()} prepared, then puts every buffer back to rest and gives the window back. */
    private long writeGathered(GatheringByteChannel channel) throws IOException {
        ByteBuffer[] gather = cache.gather;
        Chunk[] window = cache.window;
        int count = cache.gathered;
        try {
            return count == 1 ? channel.write(gather[0]) : channel.write(gather, 0, count);
        } finally {
            for (int i = 0; i < count; i++) {
                gather[i].clear(); // back to the resting window (see Chunk#restore)
                gather[i] = null;
            }
            for (int i = 0, staged = cache.staged; i < staged; i++) {
                cache.give(window[i]);
                window[i] = null;
            }
            cache.gathered = 0;
            cache.staged = 0;
        }
    }

    private void consumeWritten(long n) {
        readable -= n;
        while (n > 0) {
            Segment s = segments.peekFirst();
            int take = (int) Math.min(s.readable(), n);
            s.readIndex += take;
            n -= take;
            releaseHeadIfConsumed();
        }
        releaseHeadIfConsumed();
    }

    // ---------------------------------------------------------------- internals

    private Chunk writableTail() {
        Segment tail = segments.peekLast();
        if (tail != null && tail.writable() > 0) {
            return (Chunk) tail; // a shared segment has no writable space
        }
        Chunk c = cache.take();
        segments.addLast(c);
        return c;
    }

    /** The tail chunk if it has room, else a new one within the read budget; null at the budget. */
    private Chunk readableTail() {
        Segment tail = segments.peekLast();
        if (tail != null && tail.writable() > 0) {
            return (Chunk) tail;
        }
        Chunk c = cache.tryTake(true);
        if (c != null) {
            segments.addLast(c);
        }
        return c;
    }

    /** Appends a whole segment (a moved chunk, a shared reference), dropping an empty chunk at the tail first. */
    private void appendSegment(Segment s) {
        releaseTailIfEmpty();
        segments.addLast(s);
        readable += s.readable();
    }

    private void releaseHeadIfConsumed() {
        Segment head = segments.peekFirst();
        if (head != null && head.readable() == 0) {
            // Also when it is the tail with room left: then the chain is empty, and an empty chain holds nothing.
            segments.pollFirst();
            release(head);
        }
    }

    private void releaseTailIfEmpty() {
        Segment tail = segments.peekLast();
        if (tail != null && tail.readable() == 0) {
            segments.pollLast();
            release(tail);
        }
    }

    private void release(Segment s) {
        if (s instanceof Chunk c) {
            cache.give(c);
        } else {
            cache.giveSegment((SharedSegment) s);
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
        return "BufferChain[readable=" + readable + ", segments=" + segments.size() + "]";
    }
}
