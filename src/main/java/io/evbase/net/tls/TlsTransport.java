package io.evbase.net.tls;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.Scheduled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One connection's socket seen through TLS: what a connection calls instead of reading and writing the socket
 * itself. {@link #read} reads ciphertext and hands back plaintext, {@link #write} takes plaintext and writes
 * ciphertext; in between a {@link TlsCodec} runs the handshake, whose answers this transport writes itself.
 *
 * <p>What the connection must do besides (the whole of its TLS awareness):
 * <ul>
 *   <li>write when {@link #hasPendingOutput()} even with no plaintext queued (handshake messages, alerts,
 *       close_notify), and count a graceful close finished only once it is false;</li>
 *   <li>pass its interest set through {@link #interest(int)} (the handshake reads while the handler would not, and
 *       plaintext waits while the handshake runs);</li>
 *   <li>close on a {@link TlsFailureException} from {@link #read} or {@link #write}, and when the
 *       {@code timedOut} callback runs;</li>
 *   <li>run {@link #resumed()} and then a read, on its loop, when the {@code resume} callback asks for it (a
 *       delegated task finished on another thread; the callback posts, it must not run them itself);</li>
 *   <li>call {@link #closeOutbound()} before shutting its output down, and {@link #release()} when it closes.</li>
 * </ul>
 *
 * <p>Decryption is not held back by the plaintext input's limit: whatever whole records the transport read are
 * decrypted, so the input may pass the read high watermark by what {@link TlsCodec#NETWORK_IN_BOUND} holds (two
 * records); the limit decides whether more ciphertext is read. This way no complete record waits in the transport
 * while the socket has nothing new to signal.
 *
 * <p>Threading: the connection's loop thread only, except the {@code resume} callback (the task's thread).
 */
public final class TlsTransport {

    /** Ciphertext read per call at most, so one busy peer cannot starve the loop's others. */
    static final int MAX_WIRE_READ = 256 * 1024;

    /** Something that writes plaintext into a channel, as far as the channel takes it (a chain, a reply queue). */
    @FunctionalInterface
    public interface PlaintextSource {
        long writeTo(GatheringByteChannel channel) throws IOException;
    }

    private final TlsCodec codec;
    private final SocketChannel channel;
    private final Runnable timedOut;
    private Scheduled handshakeTimer;
    private boolean socketEnded;
    private long networkBytesRead;
    private long networkBytesWritten;

    /**
     * @param tls      the listener's TLS
     * @param channel  the connected socket, non-blocking
     * @param peer     the peer's address (the engine's hint for session resumption), or null
     * @param cache    the loop's buffer cache, for the ciphertext chains
     * @param loop     the connection's loop, for the handshake timer
     * @param resume   called on a task's thread when a delegated task finished; posts {@link #resumed()} and a read
     *                 to the loop
     * @param timedOut called on the loop when the handshake ran out of time; the owner closes (the alert is queued)
     */
    public TlsTransport(ListenerTls tls, SocketChannel channel, InetSocketAddress peer, BufferPool.Cache cache,
            EventBase loop, Runnable resume, Runnable timedOut) {
        this.channel = channel;
        this.timedOut = timedOut;
        this.codec = new TlsCodec(tls.newEngine(peer), new BufferChain(cache), new BufferChain(cache),
                TlsStaging.ofThisThread(), tls.tasks(), resume, tls.stats());
        if (!tls.handshakeTimeout().isZero()) {
            handshakeTimer = loop.schedule(this::handshakeTimeout, tls.handshakeTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    public TlsCodec codec() {
        return codec;
    }

    /**
     * Reads ciphertext while {@code plainIn} has room for {@code max} more bytes, decrypts every whole record read,
     * runs the handshake and writes its answers.
     *
     * @return plaintext bytes added to {@code plainIn}; -1 if none and the input has ended (close_notify, or the
     *         socket's end of stream after the handshake)
     * @throws TlsFailureException the handshake failed or the peer broke the protocol; the alert is queued, the
     *         owner closes
     * @throws IOException the socket failed (a reset)
     */
    public int read(BufferChain plainIn, int max) throws IOException {
        long before = plainIn.readableBytes();
        long limit = before + max;
        int wire = 0;
        while (true) {
            codec.process(plainIn, Long.MAX_VALUE);
            if (socketEnded && !codec.isTaskRunning()) {
                codec.networkInputClosed(); // what whole records there were are decrypted; a partial one is lost
            }
            if (!codec.wantsNetworkInput() || plainIn.readableBytes() >= limit || wire >= MAX_WIRE_READ) {
                break;
            }
            int room = Math.min(codec.networkInRoom(), MAX_WIRE_READ - wire);
            if (room == 0) {
                break;
            }
            int n = codec.networkIn().readFrom(channel, room);
            if (n < 0) {
                socketEnded = true;
                continue; // decrypt what is left, then end
            }
            networkBytesRead += n;
            wire += n;
            if (n < room) {
                codec.process(plainIn, Long.MAX_VALUE);
                break; // the socket is drained
            }
        }
        handshakeProgress();
        flushQuietly();
        failIfFailed();
        long produced = plainIn.readableBytes() - before;
        return produced == 0 && codec.isInboundDone() ? -1 : (int) produced;
    }

    /**
     * Encrypts what {@code source} gives (up to the ciphertext bound) and writes the ciphertext, until the socket
     * is full or the source empty.
     *
     * @return plaintext bytes taken from {@code source}
     */
    public long write(PlaintextSource source) throws IOException {
        long taken = 0;
        while (flush()) {
            long n = source.writeTo(codec.plaintextSink());
            taken += n;
            if (n == 0 && codec.networkOut().isEmpty()) {
                break;
            }
        }
        failIfFailed();
        return taken;
    }

    /** Writes queued ciphertext to the socket; true once none is left. */
    public boolean flush() throws IOException {
        BufferChain out = codec.networkOut();
        if (!out.isEmpty()) {
            networkBytesWritten += out.writeTo(channel);
        }
        return out.isEmpty();
    }

    private void flushQuietly() throws IOException {
        try {
            flush();
        } catch (IOException e) {
            if (codec.state() != TlsCodec.State.FAILED) {
                throw e;
            } // a failed peer that is gone anyway: report the TLS failure, not the reset
        }
    }

    /** Ciphertext waits for the socket (handshake messages, records, an alert, close_notify). */
    public boolean hasPendingOutput() {
        return !codec.networkOut().isEmpty();
    }

    /** True while plaintext can be taken: the handshake finished, no task runs, close_notify not sent. */
    public boolean takesPlaintext() {
        return codec.state() == TlsCodec.State.OPEN && !codec.isTaskRunning() && !codec.isOutboundClosed();
    }

    /**
     * The interest the socket needs, given what the connection wants ({@code OP_READ}, {@code OP_WRITE}): reading
     * while handshaking and nothing while the engine cannot use more ciphertext; writing for queued ciphertext, and
     * not for plaintext the codec cannot take yet.
     */
    public int interest(int wanted) {
        boolean canRead = codec.wantsNetworkInput() && codec.networkInRoom() > 0 && !socketEnded;
        int ops = wanted;
        if (!canRead) {
            ops &= ~SelectionKey.OP_READ;
        } else if (!codec.isHandshakeComplete()) {
            ops |= SelectionKey.OP_READ;
        }
        if (!takesPlaintext()) {
            ops &= ~SelectionKey.OP_WRITE;
        }
        if (hasPendingOutput()) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    /** A delegated task finished (the {@code resume} callback's post reached the loop); read next. */
    public void resumed() {
        codec.resumed();
    }

    /** Queues close_notify and tries to send it; the owner shuts its output down once {@link #hasPendingOutput()} is false or it gives up. */
    public void closeOutbound() {
        codec.closeOutbound();
        try {
            flush();
        } catch (IOException e) {
            // the peer is gone; the close goes on
        }
    }

    /** The connection closed: drops the engine (without a word to the peer), the timer and the ciphertext. */
    public void release() {
        cancelTimer();
        codec.abandon();
        codec.networkIn().clear();
        codec.networkOut().clear();
    }

    /** Ciphertext bytes read from the socket. */
    public long networkBytesRead() {
        return networkBytesRead;
    }

    /** Ciphertext bytes written to the socket. */
    public long networkBytesWritten() {
        return networkBytesWritten;
    }

    /** Ciphertext held in the two chains now (read ahead, or waiting for the socket). */
    public long bufferedBytes() {
        return codec.networkIn().readableBytes() + codec.networkOut().readableBytes();
    }

    private void handshakeProgress() {
        if (handshakeTimer != null && codec.isHandshakeComplete()) {
            cancelTimer();
        }
    }

    private void cancelTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
    }

    private void handshakeTimeout() {
        handshakeTimer = null;
        if (codec.state() != TlsCodec.State.HANDSHAKING) {
            return;
        }
        codec.handshakeTimedOut();
        try {
            flush(); // the alert, if the socket takes it
        } catch (IOException e) {
            // gone anyway
        }
        timedOut.run();
    }

    private void failIfFailed() throws TlsFailureException {
        if (codec.state() == TlsCodec.State.FAILED) {
            throw new TlsFailureException(codec.failure(), codec.failureCause());
        }
    }

    @Override
    public String toString() {
        return "TlsTransport[" + codec + "]";
    }
}
