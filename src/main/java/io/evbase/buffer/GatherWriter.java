package io.evbase.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * Writes a {@link BufferChain} to a channel, one loop's chains after another: the gathering write's buffer array and
 * the window that shared segments are copied into, held once per loop rather than in every chain.
 *
 * <p>Pooled chunks are handed to the channel as they are. A shared segment, and whatever follows it, is first copied
 * into at most {@link #WINDOW} bytes of pooled chunks, taken for the write and given back right after it (so a
 * chain waiting for a slow peer holds no window). Only direct buffers reach the channel: a heap buffer would make the
 * JDK copy it whole into a temporary direct buffer of its size, kept per thread. If the pool cannot give even one
 * chunk, a heap window of at most {@link #WINDOW} bytes over the shared array stands in, so the JDK's temporary
 * copy stays bounded too.
 *
 * <p>Threading: owned by one {@link BufferPool.Cache}, used only on its loop thread.
 */
final class GatherWriter {

    /** Bytes of shared segments one write copies into pooled chunks, at most. */
    static final int WINDOW = 64 * 1024;
    /** Buffers handed to one gathering write, at most. */
    static final int MAX_GATHER = 64;

    private final BufferPool.Cache cache;
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    private final Chunk[] window;
    /** Entries of {@link #gather} and {@link #window} in use by the write being prepared. */
    private int gathered;
    private int staged;

    GatherWriter(BufferPool.Cache cache, int chunkSize) {
        this.cache = cache;
        this.window = new Chunk[Math.max(1, Math.min(16, WINDOW / chunkSize))];
    }

    /** Writes as much of {@code chain} as the channel takes, up to about {@code maxBytes}; returns the bytes written. */
    long writeTo(BufferChain chain, GatheringByteChannel channel, long maxBytes) throws IOException {
        SegmentRing segments = chain.segments();
        long total = 0;
        while (!chain.isEmpty() && total < maxBytes) {
            Segment head = segments.peekFirst();
            long n;
            long want;
            if (head.readable() == chain.readableBytes() && head instanceof Chunk c) {
                // Performance: everything is in one chunk (the usual reply): a plain write, not the JDK's
                // gathering path with its iovec setup.
                want = c.readable();
                try {
                    n = channel.write(c.readView());
                } finally {
                    c.restore();
                }
            } else {
                want = gather(segments);
                n = writeGathered(channel);
            }
            if (n <= 0) {
                break;
            }
            chain.consumeWritten(n);
            total += n;
            if (n < want) {
                break; // the socket buffer is full
            }
        }
        return total;
    }

    /**
     * Fills the gather array for one write: the chunks up to the first shared segment as they are, then that
     * segment and what follows copied into up to a window of pooled chunks.
     *
     * @return bytes gathered
     */
    private long gather(SegmentRing segments) {
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
        if (count == 0) { // the head is shared and the pool is at its budget
            SharedSegment ref = (SharedSegment) segments.get(k);
            int take = Math.min(ref.readable(), WINDOW);
            gather[count++] = ByteBuffer.wrap(ref.array, ref.readIndex, take);
            want = take;
        }
        gathered = count;
        return want;
    }

    /** Writes what {@link #gather} prepared, then puts every buffer back to rest and gives the window back. */
    private long writeGathered(GatheringByteChannel channel) throws IOException {
        int count = gathered;
        try {
            return count == 1 ? channel.write(gather[0]) : channel.write(gather, 0, count);
        } finally {
            for (int i = 0; i < count; i++) {
                gather[i].clear(); // back to the resting window (see Chunk#restore)
                gather[i] = null;
            }
            for (int i = 0; i < staged; i++) {
                cache.give(window[i]);
                window[i] = null;
            }
            gathered = 0;
            staged = 0;
        }
    }
}
