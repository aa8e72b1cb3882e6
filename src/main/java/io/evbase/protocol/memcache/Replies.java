package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Where one connection's replies go: the output chain, memcached's {@code noreply} switch, and the two reply shapes
 * every retrieval writes ({@code VALUE} lines and meta flag echoes), each written in one place.
 *
 * <p>{@link #line} is memcached's {@code out_string}: silenced by {@code noreply}; {@link #error} is
 * {@code out_errstring}: errors of the meta commands ignore {@code noreply}. {@link #beginCommand} clears the switch
 * for each command (memcached's {@code conn_parse_cmd}).
 *
 * <p>Values are copied into the output, except a large value in an array of its own (never reused once stored),
 * which is written by reference when the store's budget for referenced values has room ({@link ValueReferences}):
 * the output then reads it in place, and a large reply holds no pooled memory while it waits for the socket. The
 * reference is given back once the socket has taken it ({@link #syncReferences}).
 *
 * <p>Threading: one instance per connection, on its loop thread.
 */
final class Replies {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = "END\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.US_ASCII);

    final BufferChain out;
    private boolean noreply;
    /** The store's budget for referenced values, and the output's references (made on the first one). */
    private final ValueReferences budget;
    private OutputReferences references;
    /** The socket's byte count, which tells when a referenced value is written. */
    private final LongSupplier bytesWritten;

    /**
     * @param bytesWritten the bytes of {@code out} the socket has taken so far (the connection's count), which tells
     *                     when a value the output refers to is written; null: values are always copied
     */
    Replies(BufferChain out, ValueReferences references, LongSupplier bytesWritten) {
        this.out = out;
        this.budget = references;
        this.bytesWritten = bytesWritten;
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
        it.writeValue(this);
        out.write(CRLF);
    }

    /**
     * Writes a stored value, {@code array[from, from + length)}: by reference if its array is its own (never reused)
     * and the reference budget has room, else copied.
     */
    void storedValue(byte[] array, int from, int length, boolean ownArray) {
        if (ownArray && bytesWritten != null && length >= out.chunkSize() && budget.acquire(array)) {
            if (references == null) {
                references = new OutputReferences(budget);
            }
            out.writeShared(array, from, length);
            references.add(array, bytesWritten.getAsLong() + out.readableBytes());
        } else {
            out.write(array, from, length);
        }
    }

    /** Gives back the references to values the socket has taken; returns how many the output still holds. */
    int syncReferences() {
        if (references == null) {
            return 0;
        }
        int left = references.release(bytesWritten.getAsLong());
        if (left == 0) {
            references = null; // an idle connection keeps none
        }
        return left;
    }

    /** Gives back every reference (the connection closed). */
    void releaseReferences() {
        if (references != null) {
            references.releaseAll();
            references = null;
        }
    }

    /** The {@code END} that closes a classic retrieval. */
    void end() {
        out.write(END);
    }
}
