package io.evbase.protocol;

import io.evbase.buffer.BufferChain;
import java.util.Arrays;

/**
 * Frames ended by a delimiter of one or more bytes; a frame is everything up to and including the first delimiter,
 * at most {@code maxFrameLength} bytes (delimiter included), so a peer that never sends one cannot make the server
 * buffer without end. The payload is the frame without its delimiter.
 *
 * <p>An explicit state machine: SEARCHING resumes where the last search stopped (bytes already searched are not
 * searched again while a long frame trickles in); DISCARDING, entered by {@link #discardTooLong}, skips input up to
 * the next delimiter, holding at most the delimiter's length less one byte.
 *
 * <p>Threading: one per connection (it keeps its search state), on that connection's loop thread.
 */
public final class DelimiterFramer implements Framer {

    /** Where the framer is: looking for the end of a frame, or skipping a frame it refused. */
    private enum State {
        SEARCHING, DISCARDING
    }

    private final byte[] delimiter;
    private final int maxFrameLength;
    private State state = State.SEARCHING;
    /** Positions before it are known not to start a delimiter, in the current frame. */
    private int searched;
    private boolean refused;

    /** @param maxFrameLength longest frame accepted, delimiter included */
    public DelimiterFramer(byte[] delimiter, int maxFrameLength) {
        if (delimiter.length == 0 || maxFrameLength < delimiter.length) {
            throw new IllegalArgumentException("an empty delimiter, or a maximum below it");
        }
        this.delimiter = delimiter.clone();
        this.maxFrameLength = maxFrameLength;
    }

    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    public long frameLength(BufferChain in) {
        if (state == State.DISCARDING && !discarding(in)) {
            return INCOMPLETE;
        }
        return searching(in);
    }

    /** State SEARCHING: the first delimiter ending within the maximum, else wait or refuse. */
    private long searching(BufferChain in) {
        long available = in.readableBytes();
        int lastStart = (int) Math.min(available, maxFrameLength) - delimiter.length;
        int at = find(in, searched, lastStart);
        if (at >= 0) {
            searched = 0;
            refused = false;
            return at + delimiter.length;
        }
        if (available >= maxFrameLength) {
            searched = 0;
            refused = true;
            return TOO_LONG;
        }
        searched = Math.max(searched, lastStart + 1);
        return INCOMPLETE;
    }

    /** State DISCARDING: skip up to and including the next delimiter; true once it was found. */
    private boolean discarding(BufferChain in) {
        long available = in.readableBytes();
        int lastStart = (int) Math.min(available, Integer.MAX_VALUE) - delimiter.length;
        int at = find(in, searched, lastStart);
        if (at >= 0) {
            in.skip(at + delimiter.length);
            searched = 0;
            state = State.SEARCHING;
            return true;
        }
        long keep = Math.min(available, delimiter.length - 1); // a delimiter may start in them
        in.skip(available - keep);
        searched = 0;
        return false;
    }

    @Override
    public void discardTooLong(BufferChain in) {
        if (!refused) {
            throw new IllegalStateException("no frame was refused as too long");
        }
        refused = false;
        state = State.DISCARDING;
        searched = 0;
        discarding(in);
    }

    @Override
    public int trailerLength(BufferChain in, long frameLength) {
        return delimiter.length;
    }

    /** The first position in {@code [from, lastStart]} where the delimiter starts, or -1. */
    private int find(BufferChain in, int from, int lastStart) {
        byte first = delimiter[0];
        for (int i = from; i <= lastStart; i++) {
            i = in.indexOf(first, i, lastStart + 1);
            if (i < 0) {
                return -1;
            }
            if (matchesAt(in, i)) {
                return i;
            }
        }
        return -1;
    }

    private boolean matchesAt(BufferChain in, int at) {
        for (int k = 1; k < delimiter.length; k++) {
            if (in.getByte(at + k) != delimiter[k]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "DelimiterFramer" + Arrays.toString(delimiter);
    }
}
