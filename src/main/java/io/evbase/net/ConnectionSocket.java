package io.evbase.net;

import io.evbase.buffer.BufferChain;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoHandle;
import java.io.IOException;
import java.net.InetSocketAddress;
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

    private final EventBase loop;
    private SocketChannel channel;
    private SelectionKey key;
    private BoundListener listener;
    private int interestOps;
    private volatile long bytesRead;
    private volatile long bytesWritten;

    ConnectionSocket(EventBase loop) {
        this.loop = loop;
    }

    /** Takes over {@code socket}, registered for reading with {@code handle}; returns the peer's address. */
    InetSocketAddress open(SocketChannel socket, BoundListener owner, IoHandle handle) throws IOException {
        channel = socket;
        listener = owner;
        InetSocketAddress peer = (InetSocketAddress) socket.getRemoteAddress();
        interestOps = SelectionKey.OP_READ;
        key = loop.register(socket, interestOps, handle);
        return peer;
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

    /** Sets the {@link SelectionKey} interest to {@code ops}, if it changed. */
    void interest(int ops) {
        if (ops != interestOps) {
            interestOps = ops;
            if (key == null || !key.isValid()) {
                key = loop.keyOf(channel); // the selector was rebuilt
            }
            if (key != null) {
                key.interestOps(ops);
            }
        }
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

    /** Closes the socket (which cancels its registration) and tells the loop. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing socket", e);
        }
        loop.deregistered();
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
        key = null;
        listener = null;
        interestOps = 0;
        bytesRead = 0;
        bytesWritten = 0;
    }
}
