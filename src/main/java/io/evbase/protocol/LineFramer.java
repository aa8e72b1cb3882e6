package io.evbase.protocol;

import io.evbase.buffer.BufferChain;

/**
 * Finds line ends in a {@link BufferChain} for line-delimited protocols, bounded by a maximum line length so that
 * a peer that never sends a newline cannot make the server buffer without end. It works on bytes, for parsers that
 * read a line in place (memcache); for lines as text use {@link Utf8LineFramer}, which decodes them as UTF-8.
 *
 * <p>Threading: stateless apart from its bound; any thread, on chains that thread owns.
 */
public final class LineFramer {

    /** No complete line yet and the input is still within the bound: wait for more bytes. */
    public static final int INCOMPLETE = -1;
    /** No newline within the maximum length: the peer is misbehaving. */
    public static final int TOO_LONG = -2;

    private final int maxLineLength;

    /** @param maxLineLength longest line accepted, terminator included */
    public LineFramer(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    public int maxLineLength() {
        return maxLineLength;
    }

    /**
     * Index of the {@code '\n'} that ends the first line, {@link #INCOMPLETE} or {@link #TOO_LONG}.
     *
     * @param searchFrom where to resume the search: bytes before it are known to hold no newline
     */
    public int findLineEnd(BufferChain input, int searchFrom) {
        int limit = (int) Math.min(input.readableBytes(), maxLineLength);
        int lf = input.indexOf((byte) '\n', searchFrom, limit);
        if (lf >= 0) {
            return lf;
        }
        return input.readableBytes() >= maxLineLength ? TOO_LONG : INCOMPLETE;
    }

    public int findLineEnd(BufferChain input) {
        return findLineEnd(input, 0);
    }

    /** Length of the line ending at {@code lf}, without its {@code "\r\n"} or {@code "\n"}. */
    public static int contentLength(BufferChain input, int lf) {
        return lf > 0 && input.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }
}
