package io.evbase.protocol;

import io.evbase.buffer.BufferChain;

/**
 * Finds the frames of a stream protocol in a connection's input: a length field ({@link LengthFieldFramer}), a
 * fixed length ({@link FixedLengthFramer}), a delimiter ({@link DelimiterFramer}), or a text line
 * ({@link Utf8LineFramer}). A framer never allocates for a frame: it looks at the input, says how long the first
 * frame is once it is all there, and refuses one longer than its maximum as soon as that is known (for a length
 * field, as soon as the header is in, whatever it declares).
 *
 * <p>The loop of a framed protocol:
 * <pre>{@code
 * long n;
 * while ((n = framer.frameLength(in)) > 0) {
 *     BufferChain payload = framer.readPayload(in, n); // or parse in place from framer.headerLength(), then skip n
 *     ... answer ...
 *     payload.clear();
 * }
 * if (n == Framer.TOO_LONG || n == Framer.BAD) {
 *     ... answer an error and close (or framer.discardTooLong(in) to drop the frame and go on) ...
 * }
 * // INCOMPLETE: wait for more input
 * }</pre>
 *
 * <p>Threading: a framer may keep state between calls (where a search resumes, a frame being discarded), so each
 * connection has its own, used on that connection's loop thread. Between two calls the input may only grow at the
 * tail or lose whole frames from the head.
 */
public interface Framer {

    /** No complete frame yet, and nothing wrong so far: wait for more bytes. */
    long INCOMPLETE = -1;
    /** The first frame is longer than the maximum (declared so, or no delimiter within it). */
    long TOO_LONG = -2;
    /** The first frame's header makes no sense (a length shorter than the header itself). */
    long BAD = -3;

    /**
     * The length of the first frame at the head of {@code in}, everything included (header, body, delimiter), once
     * all of it has arrived; otherwise {@link #INCOMPLETE}, {@link #TOO_LONG} or {@link #BAD}. Consumes nothing
     * (except bytes of a frame being discarded, see {@link #discardTooLong}).
     */
    long frameLength(BufferChain in);

    /** Bytes at the start of every frame that are not payload: the header {@link #readPayload} strips. */
    default int headerLength() {
        return 0;
    }

    /** Bytes at the end of the frame of {@code frameLength} at the head of {@code in} that are not payload. */
    default int trailerLength(BufferChain in, long frameLength) {
        return 0;
    }

    /**
     * Consumes the frame of {@code frameLength} (from {@link #frameLength}) at the head of {@code in} and returns
     * its payload, without header and trailer, as a chain of its own ({@link BufferChain#readChain}: whole chunks
     * move, nothing is copied but a chunk cut at either end). Clear it when done.
     */
    default BufferChain readPayload(BufferChain in, long frameLength) {
        int header = headerLength();
        int trailer = trailerLength(in, frameLength);
        in.skip(header);
        BufferChain payload = in.readChain(frameLength - header - trailer);
        in.skip(trailer);
        return payload;
    }

    /**
     * After {@link #TOO_LONG}: drop that frame and go on instead of closing (memcached's swallow). What has arrived
     * of it is skipped now, the rest as it arrives: {@link #frameLength} skips it before it looks for the next
     * frame, so none of it is held.
     *
     * @throws UnsupportedOperationException if this framer cannot find the end of a frame it refused
     * @throws IllegalStateException if the last result was not {@link #TOO_LONG}
     */
    default void discardTooLong(BufferChain in) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot discard a frame");
    }
}
