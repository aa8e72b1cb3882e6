package io.evbase.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ScatteringByteChannel;
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
 * <p>What a protocol reads and writes with:
 * <ul>
 *   <li>bytes: {@link #getByte}, {@link #indexOf}, {@link #copy}, {@link #read}, {@link #skip}, {@link #write};
 *   <li>binary values of 8, 16, 32 and 64 bits, signed and unsigned, big-endian (the plain names) and
 *       little-endian ({@code LE}): {@code get*(index)} looks without consuming, {@code read*()} consumes from the
 *       head, {@code write*(value)} appends, {@code set*(index, value)} patches what was written (a length field
 *       reserved before the body); a value may straddle segments;
 *   <li>text: {@link #writeUtf8} (straight into the chunks), {@link #getUtf8}, {@link #readUtf8},
 *       {@link #utf8Length}; {@link #writeAscii} and {@link #writeDecimal} for the text protocols;
 *   <li>payloads: {@link #readChain} moves a received payload into a chain of its own without copying its whole
 *       chunks (the zero-copy hand-off to a handler: it reads it with the same methods and clears it when done);
 *       {@link #toByteArray} copies one out, for use beyond the loop thread; {@link #transferFrom} appends one.
 * </ul>
 *
 * <p>Indices are relative to the first readable byte. Lookup indices are {@code int}s, so lookups reach the first
 * 2 GiB of a chain (a parser looks at the head); counts ({@link #readableBytes()}, {@link #skip},
 * {@link #transferFrom}, {@link #readChain}) and patch indices ({@code set*}, which work near the tail) are
 * {@code long}. A chunk is given back to the pool as soon as it is fully consumed, so an empty chain holds no memory
 * and an idle connection costs no chunk.
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

    private static final byte[] DIGITS = "0123456789".getBytes(StandardCharsets.US_ASCII);

    private final BufferPool.Cache cache;
    private final SegmentRing segments = new SegmentRing();
    /** Bytes readable; a long, since a chain's bytes may pass 2 GiB where the watermarks allow it. */
    private long readable;
    /** The last read filled a chunk: read by scattering ({@link #readFrom}). */
    private boolean scatter;

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

    /** The bytes in {@code [index, index + length)} decoded as UTF-8 (malformed input as U+FFFD), not consumed. */
    public String getUtf8(int index, int length) {
        return Utf8.decode(this, index, length);
    }

    /** Every readable byte in a new array, not consumed; for handing a payload beyond the loop. */
    public byte[] toByteArray() {
        if (readable > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too large for an array: " + readable);
        }
        byte[] bytes = new byte[(int) readable];
        copy(0, bytes, 0, bytes.length);
        return bytes;
    }

    // ---------------------------------------------------------------- binary values at an index, not consumed

    public short getUnsignedByte(int index) {
        return (short) (getByte(index) & 0xff);
    }

    /** Big-endian. */
    public short getShort(int index) {
        checkIndex(index, Short.BYTES);
        return (short) segments.getBits(index, Short.BYTES);
    }

    public short getShortLE(int index) {
        return Short.reverseBytes(getShort(index));
    }

    /** Big-endian. */
    public int getUnsignedShort(int index) {
        return getShort(index) & 0xffff;
    }

    public int getUnsignedShortLE(int index) {
        return getShortLE(index) & 0xffff;
    }

    /** Big-endian. */
    public int getInt(int index) {
        checkIndex(index, Integer.BYTES);
        return (int) segments.getBits(index, Integer.BYTES);
    }

    public int getIntLE(int index) {
        return Integer.reverseBytes(getInt(index));
    }

    /** Big-endian. */
    public long getUnsignedInt(int index) {
        return getInt(index) & 0xffffffffL;
    }

    public long getUnsignedIntLE(int index) {
        return getIntLE(index) & 0xffffffffL;
    }

    /** Big-endian; read an unsigned 64-bit value with this too and treat it with {@link Long#compareUnsigned} etc. */
    public long getLong(int index) {
        checkIndex(index, Long.BYTES);
        return segments.getBits(index, Long.BYTES);
    }

    public long getLongLE(int index) {
        return Long.reverseBytes(getLong(index));
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

    public byte readByte() {
        byte value = getByte(0);
        skip(1);
        return value;
    }

    public short readUnsignedByte() {
        return (short) (readByte() & 0xff);
    }

    /** Big-endian. */
    public short readShort() {
        short value = getShort(0);
        skip(Short.BYTES);
        return value;
    }

    public short readShortLE() {
        return Short.reverseBytes(readShort());
    }

    /** Big-endian. */
    public int readUnsignedShort() {
        return readShort() & 0xffff;
    }

    public int readUnsignedShortLE() {
        return readShortLE() & 0xffff;
    }

    /** Big-endian. */
    public int readInt() {
        int value = getInt(0);
        skip(Integer.BYTES);
        return value;
    }

    public int readIntLE() {
        return Integer.reverseBytes(readInt());
    }

    /** Big-endian. */
    public long readUnsignedInt() {
        return readInt() & 0xffffffffL;
    }

    public long readUnsignedIntLE() {
        return readIntLE() & 0xffffffffL;
    }

    /** Big-endian. */
    public long readLong() {
        long value = getLong(0);
        skip(Long.BYTES);
        return value;
    }

    public long readLongLE() {
        return Long.reverseBytes(readLong());
    }

    /** Moves the first {@code length} bytes out as a UTF-8 string (malformed input as U+FFFD). */
    public String readUtf8(int length) {
        String text = getUtf8(0, length);
        skip(length);
        return text;
    }

    /**
     * Moves the first {@code length} bytes into a new chain, without copying what can be moved: every chunk whose
     * readable bytes all go changes hands, as do shared references; only a chunk cut by the end (at most one) is
     * copied. The way to hand a received payload (a frame's body) to code that reads it with this class's methods.
     *
     * <p>The new chain draws from the same loop's cache: use it on this loop thread and {@link #clear()} it (or
     * {@link #transferFrom} it elsewhere) when done, as with any chain. To keep a payload beyond the loop thread,
     * take {@link #toByteArray()}.
     */
    public BufferChain readChain(long length) {
        BufferChain payload = new BufferChain(cache);
        payload.transfer(this, length, true);
        return payload;
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

    /** Appends the low 16 bits, big-endian. */
    public BufferChain writeShort(int value) {
        return writeBits(value, Short.BYTES);
    }

    public BufferChain writeShortLE(int value) {
        return writeBits(Short.reverseBytes((short) value), Short.BYTES);
    }

    /** Big-endian; an unsigned 32-bit value goes in as {@code (int) value}. */
    public BufferChain writeInt(int value) {
        return writeBits(value, Integer.BYTES);
    }

    public BufferChain writeIntLE(int value) {
        return writeBits(Integer.reverseBytes(value), Integer.BYTES);
    }

    /** Big-endian. */
    public BufferChain writeLong(long value) {
        return writeBits(value, Long.BYTES);
    }

    public BufferChain writeLongLE(long value) {
        return writeBits(Long.reverseBytes(value), Long.BYTES);
    }

    private BufferChain writeBits(long value, int width) {
        Chunk c = writableTail();
        int w = c.writeIndex;
        if (c.writable() >= width) {
            switch (width) {
                case Short.BYTES -> c.memory.putShort(w, (short) value);
                case Integer.BYTES -> c.memory.putInt(w, (int) value);
                default -> c.memory.putLong(w, value);
            }
            c.writeIndex = w + width;
            readable += width;
            return this;
        }
        for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
            write((byte) (value >>> shift));
        }
        return this;
    }

    /**
     * Appends {@code text} as UTF-8, encoded straight into the chunks: no intermediate array. Unpaired surrogates
     * are written as {@code '?'}, as {@code String.getBytes(UTF_8)} does.
     */
    public BufferChain writeUtf8(CharSequence text) {
        Utf8.write(this, text);
        return this;
    }

    /** The bytes {@link #writeUtf8} would append for {@code text}: for a length prefix written first. */
    public static long utf8Length(CharSequence text) {
        return Utf8.length(text);
    }

    // ---------------------------------------------------------------- patching bytes already written

    /**
     * Overwrites the byte at {@code index} (relative to the first readable byte, like every index here; a
     * {@code long}, as patches go near the tail of an output that may be long). The usual use is a length field
     * reserved with a placeholder and set once the body is written: {@code long at = out.readableBytes();
     * out.writeInt(0); ...; out.setInt(at, length)}, within one callback (a flush consumes the head). Bytes of a
     * shared reference are immutable: setting one throws {@link IllegalStateException}.
     */
    public BufferChain setByte(long index, int value) {
        return setBits(index, value, Byte.BYTES);
    }

    /** Big-endian; see {@link #setByte}. */
    public BufferChain setShort(long index, int value) {
        return setBits(index, value, Short.BYTES);
    }

    public BufferChain setShortLE(long index, int value) {
        return setBits(index, Short.reverseBytes((short) value), Short.BYTES);
    }

    /** Big-endian; see {@link #setByte}. */
    public BufferChain setInt(long index, int value) {
        return setBits(index, value, Integer.BYTES);
    }

    public BufferChain setIntLE(long index, int value) {
        return setBits(index, Integer.reverseBytes(value), Integer.BYTES);
    }

    /** Big-endian; see {@link #setByte}. */
    public BufferChain setLong(long index, long value) {
        return setBits(index, value, Long.BYTES);
    }

    public BufferChain setLongLE(long index, long value) {
        return setBits(index, Long.reverseBytes(value), Long.BYTES);
    }

    private BufferChain setBits(long index, long value, int width) {
        checkIndex(index, width);
        segments.setBits(index, value, width, readable);
        return this;
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
     * reports end of stream. A read that fills a chunk makes the chain read by scattering (when the channel can):
     * one system call into the tail's room and up to {@value BufferPool#SCATTER_CHUNKS} chunks in all (those that
     * got nothing go back to the pool), instead of one call per chunk and a last one that finds the socket empty;
     * the chain reads one chunk at a time again once a read brings less than a chunk.
     *
     * @return bytes read; -1 if the channel reached end of stream before any byte was read; {@link #NO_MEMORY} if no
     *         byte was read because the pool is at its read budget (the socket was not touched: pause reading until
     *         {@link BufferPool.Cache#memoryGeneration()} changes)
     */
    public int readFrom(ReadableByteChannel channel, int maxBytes) throws IOException {
        if (scatter && channel instanceof ScatteringByteChannel scattering) {
            int n = scatterFrom(scattering, maxBytes);
            scatter = n >= chunkSize(); // less than a chunk came: one chunk at a time again
            return n;
        }
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
            if (channel instanceof ScatteringByteChannel scattering && total < maxBytes) {
                scatter = true;
                int m = scatterFrom(scattering, maxBytes - total);
                return m > 0 ? total + m : total;
            }
        }
        return total;
    }

    /**
     * One scattering read of up to {@code maxBytes} into the tail's room and fresh chunks appended in order;
     * returns the bytes read, -1 at end of stream, or {@link #NO_MEMORY} when there was no room and the pool gave no
     * chunk.
     */
    private int scatterFrom(ScatteringByteChannel channel, int maxBytes) throws IOException {
        Chunk[] chunks = cache.scatterChunks;
        ByteBuffer[] views = cache.scatterViews;
        int count = 0;
        long room = 0;
        Segment tail = segments.peekLast();
        boolean fromTail = tail instanceof Chunk && tail.writable() > 0;
        if (fromTail) {
            chunks[count++] = (Chunk) tail;
            room += tail.writable();
        }
        while (count < chunks.length && room < maxBytes) {
            Chunk c = cache.tryTake(true);
            if (c == null) {
                break;
            }
            chunks[count++] = c;
            room += c.writable();
        }
        if (count == 0) {
            return NO_MEMORY;
        }
        int left = maxBytes;
        for (int i = 0; i < count; i++) {
            ByteBuffer view = chunks[i].writeView();
            int take = Math.min(view.remaining(), left);
            view.limit(view.position() + take);
            left -= take;
            views[i] = view;
        }
        long n = -1;
        try {
            n = channel.read(views, 0, count);
        } finally {
            for (int i = 0; i < count; i++) {
                Chunk c = chunks[i];
                int got = views[i].position() - c.writeIndex;
                c.restore();
                chunks[i] = null;
                views[i] = null;
                if (got > 0) {
                    c.writeIndex += got;
                    readable += got;
                    if (i > 0 || !fromTail) {
                        segments.addLast(c);
                    }
                } else if (i > 0 || !fromTail) {
                    cache.give(c);
                }
            }
        }
        return n < 0 ? -1 : (int) n;
    }

    /**
     * Gathering write of as much as the channel takes. Shared references are copied into pooled chunks on the way,
     * at most a 64 KiB window per round (see {@link GatherWriter}); the channel only ever sees direct buffers.
     *
     * @return bytes written
     */
    public long writeTo(GatheringByteChannel channel) throws IOException {
        return cache.writer.writeTo(this, channel, Long.MAX_VALUE);
    }

    /**
     * As {@link #writeTo(GatheringByteChannel)}, stopping once {@code maxBytes} are written (a write in progress
     * completes, so a little more may go): a loop bounds what one connection writes per event this way, so that
     * many connections with long replies share the loop's time rather than one iteration running for seconds.
     *
     * @return bytes written
     */
    public long writeTo(GatheringByteChannel channel, long maxBytes) throws IOException {
        return cache.writer.writeTo(this, channel, maxBytes);
    }

    /** Consumes {@code n} bytes a channel took. */
    void consumeWritten(long n) {
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

    /** The tail chunk if it has room, else a new one (throws at the budget). */
    Chunk writableTail() {
        Segment tail = segments.peekLast();
        if (tail != null && tail.writable() > 0) {
            return (Chunk) tail; // a shared segment has no writable space
        }
        Chunk c = cache.take();
        segments.addLast(c);
        return c;
    }

    /** Records that the tail chunk {@code c}, filled directly, now ends at {@code writeIndex}. */
    void wrote(Chunk c, int writeIndex) {
        readable += writeIndex - c.writeIndex;
        c.writeIndex = writeIndex;
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

    SegmentRing segments() {
        return segments;
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
