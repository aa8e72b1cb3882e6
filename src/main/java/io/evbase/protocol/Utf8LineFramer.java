package io.evbase.protocol;

import io.evbase.buffer.BufferChain;

/**
 * Text lines ended by {@code "\n"} or {@code "\r\n"}, decoded as UTF-8: a character whose bytes straddle chunks (or
 * reads) comes out whole, and malformed bytes come out as U+FFFD, never as a wrong character. A line longer than
 * the maximum (terminator included) is signalled as {@link #TOO_LONG} as soon as that many bytes arrived without a
 * newline; answer it and close, or {@link #discardTooLong} it and go on with the next line.
 *
 * <pre>{@code
 * long n;
 * while ((n = lines.frameLength(in)) > 0) {
 *     String line = lines.readLine(in, n);
 *     ...
 * }
 * if (n == Framer.TOO_LONG) { out.writeUtf8("ERROR line too long\r\n"); connection.close(); }
 * }</pre>
 *
 * <p>{@link LineFramer} is the byte-level line search of the built-in text protocols (memcache parses in place).
 *
 * <p>Threading: one per connection (it keeps its search state), on that connection's loop thread.
 */
public final class Utf8LineFramer implements Framer {

    private final DelimiterFramer newline;

    /** @param maxLineLength longest line accepted, terminator included */
    public Utf8LineFramer(int maxLineLength) {
        this.newline = new DelimiterFramer(new byte[] {'\n'}, maxLineLength);
    }

    public int maxLineLength() {
        return newline.maxFrameLength();
    }

    /** The length of the first line, terminator included, or {@link #INCOMPLETE} or {@link #TOO_LONG}. */
    @Override
    public long frameLength(BufferChain in) {
        return newline.frameLength(in);
    }

    @Override
    public void discardTooLong(BufferChain in) {
        newline.discardTooLong(in);
    }

    /** 2 for a line ended by CRLF, 1 for LF. */
    @Override
    public int trailerLength(BufferChain in, long frameLength) {
        return frameLength >= 2 && in.getByte((int) frameLength - 2) == '\r' ? 2 : 1;
    }

    /** Consumes the line of {@code frameLength} (from {@link #frameLength}) and returns it without terminator. */
    public String readLine(BufferChain in, long frameLength) {
        String line = in.getUtf8(0, (int) frameLength - trailerLength(in, frameLength));
        in.skip(frameLength);
        return line;
    }
}
