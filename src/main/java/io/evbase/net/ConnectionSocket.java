package io.evbase.net;

import io.evbase.buffer.BufferBudgetExceededException;
import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.IoRegistration;
import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsFailureException;
import io.evbase.net.tls.TlsTransport;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection's socket and its registration with the loop: reads into the input (and whether more may be read:
 * not after the peer's FIN, not past the limit a drain sets, not while the buffer pool has no memory to read into),
 * gathering writes from the reply queue, the interest set, the byte counters (its own and its listener's).
 * {@link Connection} decides what to do; this does it to the socket.
 *
 * <p>On a TLS listener the socket is seen through a {@link TlsTransport}: reads hand back plaintext (the ciphertext
 * is read with the same limits), writes take plaintext, and the transport's own needs (handshake messages,
 * close_notify, a delegated task's resumption, the handshake timeout) come through {@link #hasPendingOutput()},
 * {@link #interest}, {@link #closeOutbound()}, a read asked for as when memory comes back (the connection's
 * {@code memoryReturned}) and {@code closeNow(TLS)}. The byte counters count what crosses the socket (ciphertext).
 *
 * <p>Threading: the connection's loop thread only, except {@link #bytesRead()} and {@link #bytesWritten()}, which
 * any thread may read.
 */
final class ConnectionSocket {

    private static final Logger LOG = Logger.getLogger(ConnectionSocket.class.getName());

    private final Connection connection;
    private final BufferPool.Cache cache;
    private SocketChannel channel;
    /** The TLS layer on a TLS listener, else null. */
    private TlsTransport tls;
    /** Ciphertext the TLS layer wrote that is already in the counters. */
    private long tlsWrittenCounted;
    /** The TLS layer asked for a read (see {@link #open}); served like memory coming back. */
    private boolean resumeRequested;
    private IoRegistration registration;
    private BoundListener listener;
    /** The peer's FIN was read: nothing more will come. */
    private boolean inputEnded;
    /** The last read found the pool at its read budget: reading waits until memory comes back. */
    private boolean waitingForMemory;
    /**
     * While waiting for memory: the one byte a probe read took from the socket (it goes into the input first when
     * memory is back), or -1. See {@link #probe()}.
     */
    private int holdover = -1;
    private ByteBuffer probe;
    /** Bytes still to read: unbounded, or what the kernel held when a drain began. */
    private long readLimit = Long.MAX_VALUE;
    private volatile long bytesRead;
    private volatile long bytesWritten;

    ConnectionSocket(Connection connection, BufferPool.Cache cache) {
        this.connection = connection;
        this.cache = cache;
    }

    /** Takes over {@code socket}, registered with the loop (for reading) by the connection's owner. */
    void open(SocketChannel socket, IoRegistration loopRegistration, BoundListener owner) {
        channel = socket;
        registration = loopRegistration;
        listener = owner;
        ListenerTls listenerTls = owner.config().tls();
        if (listenerTls != null) {
            ConnectionHandle handle = connection.handle();
            // A delegated task finished, or an end is to be reported: read again, as when memory comes back.
            tls = new TlsTransport(listenerTls, socket, connection.remoteAddress(), cache, connection.loop(),
                    () -> handle.execute(c -> {
                        resumeRequested = true;
                        c.memoryReturned();
                    }), () -> connection.closeNow(CloseReason.TLS));
        }
    }

    SocketChannel channel() {
        return channel;
    }

    /**
     * Reads at most {@code max} bytes into {@code into} (fewer within a drain's limit).
     *
     * @return bytes read, 0 when none came (or there was no memory to read into: see {@link #waitingForMemory()}),
     *         or -1 at the peer's FIN
     * @throws IOException the peer reset the connection, or the socket failed; a
     *         {@link io.evbase.net.tls.TlsFailureException} when the TLS layer failed
     */
    int read(BufferChain into, int max) throws IOException {
        if (tls == null) {
            return readRaw(into, max);
        }
        int n;
        try {
            n = tls.read(into, max, this::readRaw);
        } finally {
            countTlsWritten(); // the handshake's answers
        }
        if (n < 0) {
            inputEnded = true;
        }
        return n;
    }

    /** Reads from the socket itself: plaintext, or a TLS listener's ciphertext. */
    private int readRaw(BufferChain into, int max) throws IOException {
        int moved = 0;
        if (holdover >= 0) {
            try {
                into.write((byte) holdover);
            } catch (BufferBudgetExceededException e) {
                waitingForMemory = true;
                return 0;
            }
            holdover = -1;
            moved = 1;
        }
        int limit = (int) Math.min(max, readLimit);
        int n = into.readFrom(channel, limit);
        if (n == BufferChain.NO_MEMORY) {
            return moved > 0 ? moved : probe();
        }
        if (n < 0) {
            inputEnded |= tls == null; // on TLS, the end is the transport's to report (after what it decrypts)
            return moved > 0 ? moved : -1;
        }
        counted(n, limit);
        return moved + n;
    }

    /**
     * No memory to read into: read one byte into a small buffer of this socket's own, to tell a peer that has
     * finished (its FIN: the input ends now, the connection can finish and give its memory back) from one with more
     * to say (the byte is kept for when memory is back, and the socket is left alone until then). Without the probe,
     * connections that wait for memory could never see their peers leave, and nothing would give memory back.
     */
    private int probe() throws IOException {
        if (probe == null) {
            probe = ByteBuffer.allocate(1);
        }
        probe.clear();
        int n = channel.read(probe);
        if (n < 0) {
            inputEnded |= tls == null;
            return -1;
        }
        waitingForMemory = true;
        if (n > 0) {
            holdover = probe.get(0) & 0xff;
            counted(1, 1);
        }
        return 0;
    }

    private void counted(int n, int limit) {
        bytesRead += n;
        listener.addRead(n);
        if (readLimit != Long.MAX_VALUE) {
            readLimit = n < limit ? 0 : readLimit - n; // a short read: all the kernel held is in
        }
    }

    /** From now on reads only what the kernel holds for this socket now (a drain: requests sent before it). */
    void limitToUnread() {
        readLimit = inputEnded ? 0 : unreadBytes();
    }

    /**
     * True while a read may bring something: no FIN yet, within the limit, and memory to read into (or, waiting for
     * memory, no byte held yet: a read then probes for the peer's FIN).
     */
    boolean mayRead() {
        return !inputEnded && readLimit > 0 && (!waitingForMemory || holdover < 0);
    }

    /** True once nothing more will be read: the peer's FIN came, or a drain's limit is reached. */
    boolean readsDone() {
        return inputEnded || readLimit <= 0;
    }

    boolean inputEnded() {
        return inputEnded;
    }

    boolean waitingForMemory() {
        return waitingForMemory || resumeRequested || (tls != null && tls.waitingForMemory());
    }

    /** The pool may have memory again: the next read tries. */
    void memoryBack() {
        waitingForMemory = false;
        if (resumeRequested) {
            resumeRequested = false;
            tls.resumed();
        }
    }

    /**
     * Writes what the socket takes of {@code replies}, up to about {@code maxBytes}; returns the bytes written (on a
     * TLS listener the plaintext taken, or, when none was, the ciphertext written: progress either way).
     */
    long write(ReplyQueue replies, long maxBytes) throws IOException {
        if (tls != null) {
            long before = tlsWrittenCounted;
            long taken;
            try {
                taken = tls.write(channel -> replies.writeTo(channel, maxBytes));
            } finally {
                countTlsWritten();
            }
            return taken > 0 ? taken : tlsWrittenCounted - before;
        }
        long n = replies.writeTo(channel, maxBytes);
        if (n > 0) {
            bytesWritten += n;
            listener.addWritten(n);
        }
        return n;
    }

    /** Bytes the kernel holds for reading now (FIONREAD), or at most the receive buffer's size if it cannot say. */
    private long unreadBytes() {
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

    private void countTlsWritten() {
        long n = tls.networkBytesWritten() - tlsWrittenCounted;
        if (n > 0) {
            tlsWrittenCounted += n;
            bytesWritten += n;
            listener.addWritten(n);
        }
    }

    /** Ciphertext waits for the socket (TLS: handshake messages, alerts, close_notify, records). */
    boolean hasPendingOutput() {
        return tls != null && tls.hasPendingOutput();
    }

    /** A graceful close: TLS sends close_notify after the last reply. */
    void closeOutbound() {
        if (tls != null) {
            tls.closeOutbound();
            countTlsWritten();
        }
    }

    /** The negotiated TLS protocol, or null (plaintext, or the handshake not finished). */
    String tlsProtocol() {
        return tls == null ? null : tls.protocol();
    }

    /** The TLS client certificate's subject, or null. */
    String peerSubject() {
        return tls == null ? null : tls.peerSubject();
    }

    /** A socket failure is a reset, unless the TLS layer failed (a handshake, a plaintext client, a bad record). */
    static CloseReason closeReason(IOException e) {
        return e instanceof TlsFailureException ? CloseReason.TLS : CloseReason.RESET;
    }

    /** Asks the loop for exactly {@code ops} ({@link SelectionKey} bits) from now on (as TLS needs them). */
    void interest(int ops) {
        registration.interestOps(tls == null ? ops : tls.interest(ops));
    }

    /**
     * Sends a FIN after what is queued in the kernel and from now on waits for reading only; false if the socket is
     * already gone. The lingering close: a plain close() with unread bytes in the socket makes the kernel send a
     * reset and drop the replies it has not delivered yet, so a client still reading (a pipelining client, a drain)
     * would see its last replies cut. Instead the output is shut down (a FIN follows the queued replies) and what
     * the peer sends is read and discarded ({@link #discard}) until its own FIN, or the linger deadline, then the
     * socket is closed: Apache's and nginx's lingering close.
     */
    boolean shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            return false;
        }
        registration.interestOps(SelectionKey.OP_READ);
        return true;
    }

    /**
     * Reads what arrived and drops it ({@code scratch} ends empty).
     *
     * @return true once the peer has finished (its FIN, or a reset), or when there is no memory to read into: the
     *         lingering close then ends without waiting for the peer
     */
    boolean discard(BufferChain scratch) {
        int n;
        try {
            n = readRaw(scratch, Connection.MAX_READ_PER_EVENT); // ciphertext too: nothing of it is wanted now
        } catch (IOException e) {
            n = -1;
        }
        scratch.clear();
        return n < 0 || waitingForMemory;
    }

    /** Gives the registration back to the loop and closes the socket. */
    void close() {
        if (tls != null) {
            tls.release();
        }
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
        tls = null;
        tlsWrittenCounted = 0;
        resumeRequested = false;
        channel = null;
        registration = null;
        listener = null;
        inputEnded = false;
        waitingForMemory = false;
        holdover = -1;
        readLimit = Long.MAX_VALUE;
        bytesRead = 0;
        bytesWritten = 0;
    }
}
