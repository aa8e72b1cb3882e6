package io.evbase.net.tls;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.Scheduled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.TimeUnit;

/**
 * One connection's socket seen through TLS: what a connection calls instead of reading and writing the socket
 * itself. {@link #read} reads ciphertext (through the connection's own raw read, with its limits) and hands back
 * plaintext; {@link #write} takes plaintext and writes ciphertext; in between a {@link TlsCodec} runs the handshake,
 * whose answers this transport writes itself.
 *
 * <p>What the connection does besides (the whole of its TLS awareness):
 * <ul>
 *   <li>write when {@link #hasPendingOutput()} even with no plaintext queued (handshake messages, alerts,
 *       close_notify), and count a graceful close finished only once it is false;</li>
 *   <li>pass its interest set through {@link #interest(int)} (the handshake reads while the handler would not, and
 *       plaintext waits while the handshake runs);</li>
 *   <li>close on a {@link TlsFailureException} from {@link #read} or {@link #write}, and when the
 *       {@code timedOut} callback runs;</li>
 *   <li>when the {@code resume} callback asks (it posts; it must not read on the caller's thread), run
 *       {@link #resumed()} and then a read on its loop: a delegated task finished on another thread, or the input
 *       ended in the same read that produced the last plaintext (the end is reported by the next read);</li>
 *   <li>call {@link #closeOutbound()} when it closes gracefully, and {@link #release()} when it closes.</li>
 * </ul>
 *
 * <p>Decryption is not held back by the plaintext input's limit: whatever whole records were read are decrypted, so
 * the input may pass the read high watermark by what {@link TlsCodec#NETWORK_IN_BOUND} holds (two records); the
 * limit decides whether more ciphertext is read. No complete record ever waits in the transport for a socket event
 * that will not come.
 *
 * <p>Threading: the connection's loop thread only, except the {@code resume} callback (also a task's thread).
 */
public final class TlsTransport {

    /** Ciphertext read per call at most, so one busy peer cannot starve the loop's others. */
    static final int MAX_WIRE_READ = 256 * 1024;

    /** The connection's own socket read: bytes read into {@code into}, 0 if none (or no memory), -1 at the end. */
    @FunctionalInterface
    public interface RawReader {
        int read(BufferChain into, int max) throws IOException;
    }

    /** Something that writes plaintext into a channel, as far as the channel takes it (a chain, a reply queue). */
    @FunctionalInterface
    public interface PlaintextSource {
        long writeTo(GatheringByteChannel channel) throws IOException;
    }

    private final TlsCodec codec;
    private final GatheringByteChannel channel;
    private final Runnable resume;
    private final Runnable timedOut;
    private Scheduled handshakeTimer;
    /** The input ended in a read that also produced plaintext: the next read reports the end. */
    private boolean endPending;
    /** A read was asked for to report a pending end. */
    private boolean endPosted;
    private boolean endReported;
    private long networkBytesWritten;

    /**
     * @param tls      the listener's TLS
     * @param channel  the connected socket, non-blocking, for writing
     * @param peer     the peer's address (the engine's hint for session resumption), or null
     * @param cache    the loop's buffer cache, for the ciphertext chains
     * @param loop     the connection's loop, for the handshake timer
     * @param resume   posts {@link #resumed()} and a read to the loop; called from a task's thread or the loop
     * @param timedOut called on the loop when the handshake ran out of time; the owner closes (the alert is queued)
     */
    public TlsTransport(ListenerTls tls, GatheringByteChannel channel, InetSocketAddress peer,
            BufferPool.Cache cache, EventBase loop, Runnable resume, Runnable timedOut) {
        this.channel = channel;
        this.resume = resume;
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
     * Reads ciphertext through {@code raw} while {@code plainIn} has room for {@code max} more bytes, decrypts every
     * whole record read, runs the handshake and writes its answers.
     *
     * @return plaintext bytes added to {@code plainIn}; 0 if none (see {@link #waitingForMemory()}); -1 if none and
     *         the input has ended (close_notify, or the socket's end of stream after the handshake)
     * @throws TlsFailureException the handshake failed or the peer broke the protocol; the alert is queued, the
     *         owner closes
     * @throws IOException the socket failed (a reset)
     */
    public int read(BufferChain plainIn, int max, RawReader raw) throws IOException {
        long before = plainIn.readableBytes();
        long limit = before + max;
        if (endPending) {
            return reportEnd(plainIn, before);
        }
        boolean socketEnded = false;
        int wire = 0;
        while (true) {
            codec.process(plainIn, Long.MAX_VALUE);
            if (socketEnded && !codec.isTaskRunning()) {
                codec.networkInputClosed(); // the whole records there were are decrypted; a partial one is lost
            }
            if (!codec.wantsNetworkInput() || codec.waitingForMemory() || plainIn.readableBytes() >= limit
                    || wire >= MAX_WIRE_READ) {
                break;
            }
            int room = Math.min(codec.networkInRoom(), MAX_WIRE_READ - wire);
            if (room == 0) {
                break;
            }
            int n = raw.read(codec.networkIn(), room);
            if (n < 0) {
                socketEnded = true;
                continue; // decrypt what is left, then end
            }
            wire += n;
            if (n < room) {
                codec.process(plainIn, Long.MAX_VALUE);
                break; // the socket is drained, or there is no memory to read into
            }
        }
        if (handshakeTimer != null && codec.isHandshakeComplete()) {
            cancelTimer();
        }
        flushQuietly();
        failIfFailed();
        long produced = plainIn.readableBytes() - before;
        if (!codec.isInboundDone()) {
            return (int) produced;
        }
        if (produced > 0) {
            endPending = true; // the end goes to the connection with the next read (see interest())
            return (int) produced;
        }
        return reportEnd(plainIn, before);
    }

    private int reportEnd(BufferChain plainIn, long before) {
        endPending = false;
        endPosted = false;
        endReported = true;
        return plainIn.readableBytes() > before ? (int) (plainIn.readableBytes() - before) : -1;
    }

    /** True once {@link #read} reported the end of the input. */
    public boolean inputEnded() {
        return endReported;
    }

    /** Decrypted bytes wait for the buffer pool to have memory; a read delivers them once it has. */
    public boolean waitingForMemory() {
        return codec.waitingForMemory();
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
            if (n == 0 && !codec.hasNetworkOutput()) {
                break;
            }
        }
        failIfFailed();
        return taken;
    }

    /** Writes queued ciphertext to the socket; true once none is left. */
    public boolean flush() throws IOException {
        if (codec.hasNetworkOutput()) {
            networkBytesWritten += codec.writeNetworkOutput(channel);
        }
        return !codec.hasNetworkOutput();
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
        return codec.hasNetworkOutput();
    }

    /** True while plaintext can be taken: the handshake finished, no task runs, close_notify not sent. */
    public boolean takesPlaintext() {
        return codec.state() == TlsCodec.State.OPEN && !codec.isTaskRunning() && !codec.isOutboundClosed();
    }

    /**
     * The interest the socket needs, given what the connection wants ({@code OP_READ}, {@code OP_WRITE}): reading
     * while handshaking, and nothing while the engine cannot use more ciphertext; writing for queued ciphertext,
     * and not for plaintext the codec cannot take yet.
     */
    public int interest(int wanted) {
        if (endPending && !endPosted && (wanted & SelectionKey.OP_READ) != 0) {
            endPosted = true;
            resume.run(); // no socket event will come for an end already read: ask for the read that reports it
        }
        boolean canRead = codec.wantsNetworkInput() && codec.networkInRoom() > 0 && !codec.waitingForMemory();
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

    /** The {@code resume} callback's post reached the loop (a delegated task finished); read next. */
    public void resumed() {
        codec.resumed();
    }

    /** Queues close_notify (a graceful close) and tries to send it. */
    public void closeOutbound() {
        cancelTimer();
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

    /** Ciphertext bytes written to the socket so far. */
    public long networkBytesWritten() {
        return networkBytesWritten;
    }

    /** The negotiated protocol once the handshake finished, else null. */
    public String protocol() {
        return codec.protocol();
    }

    /** The client certificate's subject, or null. */
    public String peerSubject() {
        return codec.peerSubject();
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
