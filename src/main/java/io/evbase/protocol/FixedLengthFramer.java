package io.evbase.protocol;

import io.evbase.buffer.BufferChain;

/**
 * Frames of one fixed length.
 *
 * <p>Threading: stateless; may be shared, each call on the thread that owns the input.
 */
public final class FixedLengthFramer implements Framer {

    private final int length;

    public FixedLengthFramer(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("frame length must be positive: " + length);
        }
        this.length = length;
    }

    public int length() {
        return length;
    }

    @Override
    public long frameLength(BufferChain in) {
        return in.readableBytes() >= length ? length : INCOMPLETE;
    }
}
