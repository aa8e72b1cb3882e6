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

    /**
     * {@code VALUE <key> <flags> <bytes>[ <cas>]}, the value and its CRLF: one hit of a classic retrieval. The
     * header line is formatted in {@code scratch} (at least {@link #HEADER_SCRATCH} bytes) and written at once.
     */
    void value(ItemView it, boolean withCas, byte[] scratch) {
        int n = VALUE.length;
        System.arraycopy(VALUE, 0, scratch, 0, n);
        n = it.copyKey(scratch, n);
        scratch[n++] = ' ';
        n = decimal(scratch, n, Integer.toUnsignedLong(it.flags()));
        scratch[n++] = ' ';
        n = decimal(scratch, n, it.valueLength());
        if (withCas) {
            scratch[n++] = ' ';
            n = decimal(scratch, n, it.cas());
        }
        scratch[n++] = '\r';
        scratch[n++] = '\n';
        out.write(scratch, 0, n);
        it.writeValue(this);
        out.write(CRLF);
    }

    /** Bytes a {@code VALUE} line can take: the word, a 250-byte key, three numbers, spaces and CRLF. */
    static final int HEADER_SCRATCH = 320;

    /**
     * Writes {@code value} (unsigned) in decimal at {@code at}; returns the position after it. Values up to
     * {@code Long.MAX_VALUE} (all but a CAS past 2^63) divide by the constant 10, which the JIT turns into a
     * multiplication; {@code Long.divideUnsigned} is a 64-bit hardware division on JDK 17.
     */
    static int decimal(byte[] b, int at, long value) {
        if (value < 0) {
            long q = Long.divideUnsigned(value, 10);
            int end = decimal(b, at, q);
            b[end] = (byte) ('0' + (value - q * 10));
            return end + 1;
        }
        if (value < 10) {
            b[at] = (byte) ('0' + value);
            return at + 1;
        }
        int digits = 0;
        for (long v = value; v != 0; v /= 10) {
            digits++;
        }
        int end = at + digits;
        for (int i = end - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return end;
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
