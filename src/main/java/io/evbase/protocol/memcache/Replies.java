package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import java.nio.charset.StandardCharsets;

/**
 * Where one connection's replies go: the output chain, memcached's {@code noreply} switch, and the two reply shapes
 * every retrieval writes ({@code VALUE} lines and meta flag echoes), each written in one place.
 *
 * <p>{@link #line} is memcached's {@code out_string}: silenced by {@code noreply}; {@link #error} is
 * {@code out_errstring}: errors of the meta commands ignore {@code noreply}. {@link #beginCommand} clears the switch
 * for each command (memcached's {@code conn_parse_cmd}).
 *
 * <p>Threading: one instance per connection, on its loop thread.
 */
final class Replies {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = "END\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.US_ASCII);

    final BufferChain out;
    private boolean noreply;

    Replies(BufferChain out) {
        this.out = out;
    }

    /** A new command: replies are on until it says otherwise. */
    void beginCommand() {
        noreply = false;
    }

    void noreply(boolean on) {
        noreply = on;
    }

    boolean noreply() {
        return noreply;
    }

    /** memcached's out_string: one line, unless noreply is in force. */
    void line(String s) {
        if (noreply) {
            return;
        }
        out.writeAscii(s);
        out.write(CRLF);
    }

    /** memcached's out_errstring: an error line that shows whatever noreply says. */
    void error(String s) {
        noreply = false;
        line(s);
    }

    void crlf() {
        out.write(CRLF);
    }

    /** {@code VALUE <key> <flags> <bytes>[ <cas>]}, the value and its CRLF: one hit of a classic retrieval. */
    void value(ItemView it, boolean withCas) {
        out.write(VALUE);
        it.writeKey(out);
        out.write((byte) ' ');
        out.writeUnsignedDecimal(Integer.toUnsignedLong(it.flags()));
        out.write((byte) ' ');
        out.writeUnsignedDecimal(it.valueLength());
        if (withCas) {
            out.write((byte) ' ');
            out.writeUnsignedDecimal(it.cas());
        }
        out.write(CRLF);
        it.writeValue(out);
        out.write(CRLF);
    }

    /** The {@code END} that closes a classic retrieval. */
    void end() {
        out.write(END);
    }
}
