package io.evbase.net;

import io.evbase.buffer.BufferChain;
import io.evbase.loop.IoRegistration;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection's socket and its registration with the loop: reads into the input, gathering writes from the
 * reply queue, the interest set, the byte counters (its own and its listener's). {@link Connection} decides what to
 * do; this does it to the socket.
 *
 * <p>Threading: the connection's loop thread only, except {@link #bytesRead()} and {@link #bytesWritten()}, which
 * any thread may read.
 */
final class ConnectionSocket {

    private static final Logger LOG = Logger.getLogger(ConnectionSocket.class.getName());

    private SocketChannel channel;
    private IoRegistration registration;
    private BoundListener listener;
    private volatile long bytesRead;
    private volatile long bytesWritten;

    /** Takes over {@code socket}, registered with the loop (for reading) by the connection's owner. */
    void open(SocketChannel socket, IoRegistration loopRegistration, BoundListener owner) {
        channel = socket;
        registration = loopRegistration;
        listener = owner;
    }

    SocketChannel channel() {
        return channel;
    }

    /**
     * Reads at most {@code max} bytes into {@code into}.
     *
     * @return bytes read, or -1 at the peer's FIN
     * @throws IOException the peer reset the connection, or the socket failed
     */
    int read(BufferChain into, int max) throws IOException {
        int n = into.readFrom(channel, max);
        if (n > 0) {
            bytesRead += n;
            listener.addRead(n);
        }
        return n;
    }

    /** Writes what the socket takes of {@code replies}; returns the bytes written. */
    long write(ReplyQueue replies) throws IOException {
        long n = replies.writeTo(channel);
        if (n > 0) {
            bytesWritten += n;
            listener.addWritten(n);
        }
        return n;
    }

    /** Bytes the kernel holds for reading now (FIONREAD), or at most the receive buffer's size if it cannot say. */
    long unreadBytes() {
        try {
            return channel.socket().getInputStream().available();
        } catch (IOException | RuntimeException e) {
            try {
                return Math.max(1, channel.getOption(StandardSocketOptions.SO_RCVBUF));
            } catch (IOException again) {
                return Connection.MAX_READ_PER_EVENT;
            }
        }
    }

    /** Asks the loop for exactly {@code ops} ({@link SelectionKey} bits) from now on. */
    void interest(int ops) {
        registration.interestOps(ops);
    }

    /**
     * Sends a FIN after what is queued in the kernel and from now on waits for reading only (the lingering close);
     * false if the socket is already gone.
     */
    boolean shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            return false;
        }
        interest(SelectionKey.OP_READ);
        return true;
    }

    /**
     * Reads what arrived and drops it ({@code scratch} ends empty).
     *
     * @return true once the peer has finished: its FIN, or a reset
     */
    boolean discard(BufferChain scratch) {
        int n;
        try {
            n = read(scratch, Connection.MAX_READ_PER_EVENT);
        } catch (IOException e) {
            n = -1;
        }
        scratch.clear();
        return n < 0;
    }

    /** Gives the registration back to the loop and closes the socket. */
    void close() {
        registration.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing socket", e);
        }
    }

    /** Counts the close on the listener, once everything of the peer is released. */
    void countClose(CloseReason reason) {
        listener.countClose(reason);
    }

    long bytesRead() {
        return bytesRead;
    }

    long bytesWritten() {
        return bytesWritten;
    }

    /** Forgets the closed peer. */
    void reset() {
        channel = null;
        registration = null;
        listener = null;
        bytesRead = 0;
        bytesWritten = 0;
    }
}
