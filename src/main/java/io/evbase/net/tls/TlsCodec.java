package io.evbase.net.tls;

import io.evbase.buffer.BufferBudgetExceededException;
import io.evbase.buffer.BufferChain;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The TLS record layer of one connection: the JDK's {@link SSLEngine} between the bytes on the wire (ciphertext,
 * in {@link #networkIn()} and {@link #networkOut()}, pooled chains) and the bytes a protocol handler sees
 * (plaintext, in the connection's own input and output). Runs the handshake, TLS 1.2 and 1.3, close_notify both
 * ways; refuses renegotiation.
 *
 * <h2>How it is driven</h2>
 * The owner appends what the socket gave to {@link #networkIn()} and calls {@link #process}: the engine consumes
 * whole records (a record may straddle the chain's chunks: it is copied, with the records after it, into the loop's
 * {@link TlsStaging}), decrypts application data into the plaintext input, and answers the handshake into
 * {@link #networkOut()}, which the owner writes to the socket with {@link #writeNetworkOutput}. Plaintext to send goes through {@link #wrap} (or the
 * {@link #plaintextSink()} channel, for a chain's or a reply queue's gathering write); it is refused (0 bytes taken)
 * until the handshake finished, and while {@link #networkOut()} holds {@link #NETWORK_OUT_BOUND} bytes: what is
 * not taken stays in the owner's plaintext output, where its watermarks count it.
 *
 * <h2>Memory</h2>
 * A codec holds no buffer of its own: ciphertext waits in the two pooled chains (at most {@link #NETWORK_IN_BOUND}
 * read ahead, and {@link #NETWORK_OUT_BOUND} plus one record queued), everything in between lives in the loop's
 * staging area only during a call. An idle TLS connection holds no chunk. When the buffer pool is at its budget
 * and a decrypted record or an encrypted one cannot be appended to its chain, what did not fit is kept on the heap
 * (at most one record each way) until the pool has memory again: a record the engine produced cannot be produced
 * again, so it is never dropped.
 *
 * <h2>Delegated tasks</h2>
 * When the engine asks for a task (key exchange, certificate checks) the codec runs it on the task executor, never
 * on the calling thread, and does nothing more until the owner calls {@link #resumed()}: the task's thread calls
 * the {@code resume} callback given at construction once the task ran, and the owner posts {@code resumed()}
 * followed by {@link #process} back to the codec's thread.
 *
 * <h2>Renegotiation and post-handshake messages</h2>
 * After the first handshake, a TLS 1.2 peer that starts another one is cut ({@link TlsFailure#RENEGOTIATION});
 * TLS 1.3's post-handshake messages (key update, session tickets) are answered as the engine wants.
 *
 * <p>Threading: everything runs on the owner's thread (the connection's loop), except the {@code resume}
 * callback, which the task executor's thread calls.
 */
public final class TlsCodec {

    /** A TLS record's header: content type, version (2 bytes), length (2 bytes). */
    static final int HEADER = 5;
    /** The largest record a peer may send: 2^14 bytes of plaintext and 2,048 of expansion (RFC 5246 6.2.3). */
    static final int MAX_RECORD = HEADER + 16384 + 2048;
    /** Ciphertext read ahead of decryption, at most; two whole records, so the engine always has one to work on. */
    public static final int NETWORK_IN_BOUND = 2 * MAX_RECORD;
    /** Ciphertext queued for the socket past which plaintext is refused (it waits in the owner's output). */
    public static final int NETWORK_OUT_BOUND = 2 * MAX_RECORD;

    private static final byte HANDSHAKE = 22;
    private static final byte ALERT = 21;
    /**
     * Alerts about certificates (RFC 8446 6.2): bad_certificate, unsupported_certificate, certificate_revoked,
     * certificate_expired, certificate_unknown, unknown_ca, certificate_required.
     */
    private static final java.util.Set<Integer> CERTIFICATE_ALERTS = java.util.Set.of(42, 43, 44, 45, 46, 48, 116);
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};

    /** Where a codec is in its life. */
    public enum State {
        /** The first handshake is under way; plaintext waits. */
        HANDSHAKING,
        /** Application data flows (until close_notify in either direction). */
        OPEN,
        /** Cut: see {@link #failure()}; what {@link #networkOut()} holds (an alert) may still be sent. */
        FAILED
    }

    private final SSLEngine engine;
    private final BufferChain networkIn;
    private final BufferChain networkOut;
    private final TlsStaging staging;
    private final Executor tasks;
    private final Runnable resume;
    private final TlsStats stats;
    private final long startNanos;
    private final PlaintextSink sink = new PlaintextSink();

    private State state = State.HANDSHAKING;
    private boolean taskRunning;
    /** Written by the task's thread before it calls resume; read after the owner's hand-over back. */
    private volatile Throwable taskFailure;
    private boolean firstRecordChecked;
    /**
     * The description of the last unencrypted alert staged (a peer may send one before it encrypts: OpenSSL refusing
     * a certificate during a TLS 1.3 handshake), or -1; says why when the engine cannot read it.
     */
    private int plainAlert = -1;
    private boolean inboundDone;
    private boolean outboundClosed;
    private TlsFailure failure;
    private Exception failureCause;
    private long handshakeNanos;
    private String protocol;
    private String cipherSuite;
    /**
     * Decrypted bytes the plaintext input could not take (the buffer pool at its budget), delivered first by the
     * next {@link #process}; at most one record's plaintext, held only while the pool has no memory.
     */
    private byte[] pendingIn;
    private int pendingInPos;
    /** Encrypted bytes {@link #networkOut()} could not take (the pool at its budget); sent after it. */
    private byte[] pendingOut;
    private int pendingOutPos;

    /**
     * @param engine     configured for its side (client or server mode, protocols, client authentication); the
     *                   codec begins its handshake
     * @param networkIn  ciphertext from the peer, appended by the owner
     * @param networkOut ciphertext for the peer, written to the socket by the owner
     * @param staging    the scratch space of the owner's loop
     * @param tasks      runs the engine's delegated tasks (never the owner's thread)
     * @param resume     called by the task's thread when a task ran; the owner then calls {@link #resumed()}
     *                   and {@link #process} on its own thread
     * @param stats      the listener's counters
     */
    public TlsCodec(SSLEngine engine, BufferChain networkIn, BufferChain networkOut, TlsStaging staging,
            Executor tasks, Runnable resume, TlsStats stats) {
        this.engine = engine;
        this.networkIn = networkIn;
        this.networkOut = networkOut;
        this.staging = staging;
        this.tasks = tasks;
        this.resume = resume;
        this.stats = stats;
        this.startNanos = System.nanoTime();
        try {
            engine.beginHandshake();
        } catch (SSLException | RuntimeException e) {
            fail(TlsFailure.INTERNAL, e);
        }
    }

    // ---------------------------------------------------------------- the owner's view

    /** Ciphertext from the peer: the owner appends what the socket read, then calls {@link #process}. */
    public BufferChain networkIn() {
        return networkIn;
    }

    /** Ciphertext for the peer: the owner writes it to the socket (handshake messages, records, alerts). */
    public BufferChain networkOut() {
        return networkOut;
    }

    public State state() {
        return state;
    }

    /** True once the first handshake finished (also after a later failure). */
    public boolean isHandshakeComplete() {
        return protocol != null;
    }

    /** True while a delegated task runs: the codec waits for {@link #resumed()}. */
    public boolean isTaskRunning() {
        return taskRunning;
    }

    /** The peer sent its close_notify (or its end of stream was seen after the handshake): no more input. */
    public boolean isInboundDone() {
        return inboundDone;
    }

    /** {@link #closeOutbound()} was called (its close_notify is in {@link #networkOut()} once produced). */
    public boolean isOutboundClosed() {
        return outboundClosed;
    }

    /** Why the codec failed, or null. */
    public TlsFailure failure() {
        return failure;
    }

    /** The exception behind {@link #failure()}, or null (a plaintext peer, a timeout). */
    public Exception failureCause() {
        return failureCause;
    }

    /** True while the engine can use more ciphertext: handshaking or open, input not finished, no task running. */
    public boolean wantsNetworkInput() {
        return state != State.FAILED && !inboundDone && !taskRunning;
    }

    /** Decrypted bytes wait for the buffer pool to have memory (the next {@link #process} delivers them first). */
    public boolean waitingForMemory() {
        return pendingIn != null;
    }

    /** Ciphertext waits for the socket: in {@link #networkOut()}, or kept aside at the pool's budget. */
    public boolean hasNetworkOutput() {
        return !networkOut.isEmpty() || pendingOut != null;
    }

    /**
     * Writes the waiting ciphertext to {@code channel}, in order, as far as it takes it.
     *
     * @return bytes written
     */
    public long writeNetworkOutput(GatheringByteChannel channel) throws java.io.IOException {
        long n = networkOut.isEmpty() ? 0 : networkOut.writeTo(channel);
        if (networkOut.isEmpty() && pendingOut != null) {
            ByteBuffer rest = ByteBuffer.wrap(pendingOut, pendingOutPos, pendingOut.length - pendingOutPos);
            n += channel.write(rest);
            pendingOutPos = rest.position();
            if (!rest.hasRemaining()) {
                pendingOut = null;
                pendingOutPos = 0;
            }
        }
        return n;
    }

    /** Room left in {@link #networkIn()} before {@link #NETWORK_IN_BOUND}. */
    public int networkInRoom() {
        return (int) Math.max(0, NETWORK_IN_BOUND - networkIn.readableBytes());
    }

    /** The negotiated protocol, e.g. {@code TLSv1.3}, once the handshake finished; else null. */
    public String protocol() {
        return protocol;
    }

    /** The negotiated cipher suite once the handshake finished; else null. */
    public String cipherSuite() {
        return cipherSuite;
    }

    /** How long the handshake took, from this codec's creation; 0 until it finished. */
    public long handshakeNanos() {
        return handshakeNanos;
    }

    /** The peer's certificate subject (client authentication), or null when it sent none. */
    public String peerSubject() {
        if (protocol == null) {
            return null;
        }
        try {
            return engine.getSession().getPeerPrincipal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    public SSLSession session() {
        return engine.getSession();
    }

    // ---------------------------------------------------------------- driving

    /**
     * Runs the engine as far as the bytes in {@link #networkIn()} allow: handshake steps (answers go to
     * {@link #networkOut()}, tasks to the executor) and decryption of application data into {@code plainIn}, as
     * long as it holds fewer than {@code plainLimit} bytes (a record may pass the limit by up to 16 KiB). Call after
     * new ciphertext arrived, after the owner consumed plaintext, and after {@link #resumed()}.
     */
    public void process(BufferChain plainIn, long plainLimit) {
        if (!deliverPendingIn(plainIn)) {
            return; // still no memory for what was decrypted before
        }
        while (state != State.FAILED && !taskRunning) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (state == State.OPEN && hs != HandshakeStatus.NOT_HANDSHAKING && refusesRenegotiation()) {
                fail(TlsFailure.RENEGOTIATION, null);
                return;
            }
            if (state == State.HANDSHAKING && hs == HandshakeStatus.NOT_HANDSHAKING && !inboundDone) {
                handshakeFinished(); // the engine said so through its status rather than FINISHED
            }
            switch (hs) {
                case NEED_TASK -> {
                    startTasks();
                    return;
                }
                case NEED_WRAP -> {
                    if (!wrapHandshake()) {
                        return;
                    }
                }
                default -> {
                    if (!unwrap(plainIn, plainLimit)) {
                        return;
                    }
                }
            }
        }
    }

    /** The delegated task the {@code resume} callback announced is done; call {@link #process} next. */
    public void resumed() {
        if (!taskRunning) {
            return;
        }
        taskRunning = false;
        Throwable t = taskFailure;
        if (t != null) {
            taskFailure = null;
            fail(TlsFailure.INTERNAL, t instanceof Exception e ? e : new RuntimeException(t));
        } else if (state == State.FAILED) {
            closeEngine(); // failed while the task ran (a timeout): the engine was not touched meanwhile
        } else if (outboundClosed && !engine.isOutboundDone()) {
            engine.closeOutbound();
            wrapClose();
        }
    }

    /**
     * Encrypts plaintext from {@code srcs} into {@link #networkOut()}: nothing before the handshake finished, after
     * {@link #closeOutbound()} or a failure, and nothing more once {@link #networkOut()} holds
     * {@link #NETWORK_OUT_BOUND} bytes. After a TLS 1.2 peer's close_notify (which the engine answers at once with
     * its own) everything is taken and dropped, as that protocol says.
     *
     * @return plaintext bytes taken from {@code srcs}
     */
    public long wrap(ByteBuffer[] srcs, int offset, int length) {
        if (state == State.OPEN && !taskRunning && inboundDone && engine.isOutboundDone() && !outboundClosed) {
            return discard(srcs, offset, length); // a TLS 1.2 peer's close_notify closed both directions
        }
        if (state != State.OPEN || taskRunning || outboundClosed
                || engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            return 0;
        }
        long taken = 0;
        try {
            while (networkOut.readableBytes() < NETWORK_OUT_BOUND && pendingOut == null
                    && hasRemaining(srcs, offset, length)) {
                SSLEngineResult r = wrapInto(srcs, offset, length);
                taken += r.bytesConsumed();
                if (r.getStatus() != Status.OK || r.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                        || r.bytesConsumed() == 0) {
                    break; // closed, or a post-handshake message to answer first: process() does that
                }
            }
        } catch (SSLException e) {
            fail(TlsFailure.PROTOCOL, e);
        }
        return taken;
    }

    /**
     * The plaintext side of {@link #wrap} as a channel, for a buffer chain's or a reply queue's gathering write:
     * a write takes what {@code wrap} takes (possibly nothing) and never throws.
     */
    public GatheringByteChannel plaintextSink() {
        return sink;
    }

    /**
     * Sends close_notify: the engine's closing alert goes to {@link #networkOut()} (after a running task, once
     * {@link #resumed()}); no plaintext is taken afterwards. The peer's own close_notify may still arrive.
     */
    public void closeOutbound() {
        if (outboundClosed || state == State.FAILED) {
            return;
        }
        outboundClosed = true;
        if (!taskRunning) { // else resumed() does it: a task holds the engine's lock while it runs
            engine.closeOutbound();
            wrapClose();
        }
    }

    /** The handshake ran out of time: fails the codec ({@link TlsFailure#TIMEOUT}) if it has not finished. */
    public void handshakeTimedOut() {
        if (state == State.HANDSHAKING) {
            fail(TlsFailure.TIMEOUT, null);
        }
    }

    /**
     * The peer's end of stream (or a reset): before the handshake finished, a failure ({@link TlsFailure#CLOSED});
     * after it, the end of input even without close_notify (many clients never send one). Records still in
     * {@link #networkIn()} should be {@linkplain #process processed} first.
     */
    public void networkInputClosed() {
        if (state == State.HANDSHAKING) {
            fail(TlsFailure.CLOSED, null);
        } else {
            inboundDone = true;
        }
    }

    /** Gives the engine up without a word to the peer (the connection is gone). */
    public void abandon() {
        if (state == State.HANDSHAKING) {
            fail(TlsFailure.CLOSED, null);
        }
        pendingIn = null;
        pendingOut = null;
        if (taskRunning) {
            return; // the task's thread holds the engine; it is dropped with the connection
        }
        engine.closeOutbound();
        try {
            engine.closeInbound();
        } catch (SSLException expected) {
            // no close_notify from the peer: nothing more to read anyway
        }
    }

    // ---------------------------------------------------------------- internals

    /** TLS 1.2 (and older) may renegotiate; 1.3 has only post-handshake messages, which are fine. */
    private boolean refusesRenegotiation() {
        return !inboundDone && !outboundClosed && !"TLSv1.3".equals(protocol);
    }

    private boolean unwrap(BufferChain plainIn, long plainLimit) {
        if (inboundDone || pendingIn != null || (state == State.OPEN && plainIn.readableBytes() >= plainLimit)) {
            return false;
        }
        int staged = stageRecords();
        if (staged <= 0) {
            return false;
        }
        ByteBuffer src = staging.recordsIn();
        src.limit(staged).position(0);
        int consumed = 0;
        boolean progress = false;
        try {
            while (src.hasRemaining()) {
                if (pendingIn != null || (state == State.OPEN && plainIn.readableBytes() >= plainLimit)) {
                    break;
                }
                ByteBuffer dst = staging.plainOut();
                dst.clear();
                SSLEngineResult r = engine.unwrap(src, dst);
                consumed += r.bytesConsumed();
                if (r.bytesProduced() > 0) {
                    dst.flip();
                    deliver(dst, plainIn);
                }
                progress |= r.bytesConsumed() > 0 || r.bytesProduced() > 0;
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    if (!staging.growPlainOut(engine.getSession().getApplicationBufferSize())) {
                        fail(TlsFailure.INTERNAL, new SSLException("record does not fit: " + r));
                        return false;
                    }
                    continue;
                }
                if (r.getStatus() == Status.CLOSED) {
                    inboundDone = true; // the peer's close_notify
                    progress = true;
                    break;
                }
                if (r.getStatus() == Status.BUFFER_UNDERFLOW) {
                    break; // whole records are staged, so the engine wants something it will get later
                }
                HandshakeStatus hs = r.getHandshakeStatus();
                if (hs == HandshakeStatus.FINISHED) {
                    handshakeFinished();
                } else if (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP) {
                    break; // process() does that; the records after stay in networkIn
                }
            }
        } catch (SSLException e) {
            networkIn.skip(Math.min(consumed, networkIn.readableBytes()));
            fail(CERTIFICATE_ALERTS.contains(plainAlert) ? TlsFailure.CERTIFICATE : classify(e), e);
            return false;
        } finally {
            src.clear();
        }
        networkIn.skip(consumed);
        return progress;
    }

    /**
     * Copies as many whole records from the head of {@link #networkIn()} as the staging area holds; 0 if not
     * even one is complete, -1 if the bytes are not TLS (the codec failed).
     */
    private int stageRecords() {
        long available = networkIn.readableBytes();
        if (available == 0) {
            return 0;
        }
        if (!firstRecordChecked) {
            int type = networkIn.getByte(0) & 0xff;
            if (type != HANDSHAKE) {
                // A TLS peer opens with a handshake record; printable text is a plaintext client on a TLS port.
                fail(type >= 0x09 && type < 0x7f ? TlsFailure.PLAINTEXT : TlsFailure.PROTOCOL, null);
                return -1;
            }
            firstRecordChecked = true;
        }
        int capacity = staging.recordsIn().capacity();
        int staged = 0;
        while (available - staged >= HEADER) {
            int length = ((networkIn.getByte(staged + 3) & 0xff) << 8) | (networkIn.getByte(staged + 4) & 0xff);
            if (networkIn.getByte(staged) == ALERT && length == 2 && available - staged >= HEADER + 2) {
                plainAlert = networkIn.getByte(staged + HEADER + 1) & 0xff;
            }
            if (length > MAX_RECORD - HEADER) {
                fail(TlsFailure.PROTOCOL, new SSLException("record of " + length + " bytes"));
                return -1;
            }
            int record = HEADER + length;
            if (available - staged < record || staged + record > capacity) {
                break;
            }
            staged += record;
        }
        if (staged > 0) {
            networkIn.copy(0, staging.recordsIn().array(), 0, staged);
        }
        return staged;
    }

    /** Produces the engine's handshake messages; false if it produced nothing. */
    private boolean wrapHandshake() {
        boolean progress = false;
        try {
            while (state != State.FAILED && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult r = wrapInto(NOTHING, 0, 1);
                if (r.bytesProduced() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    break;
                }
                progress = true;
                if (r.getStatus() == Status.CLOSED) {
                    break;
                }
            }
        } catch (SSLException e) {
            fail(classify(e), e);
            return false;
        }
        return progress;
    }

    /** Produces the close_notify of {@link #closeOutbound()}. */
    private void wrapClose() {
        try {
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = wrapInto(NOTHING, 0, 1);
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (SSLException e) {
            // the peer will see the TCP close instead
        }
    }

    /** One engine wrap into the staging area, appended to {@link #networkOut()}. */
    private SSLEngineResult wrapInto(ByteBuffer[] srcs, int offset, int length) throws SSLException {
        while (true) {
            ByteBuffer dst = staging.recordOut();
            dst.clear();
            SSLEngineResult r = engine.wrap(srcs, offset, length, dst);
            if (r.getStatus() == Status.BUFFER_OVERFLOW
                    && staging.growRecordOut(engine.getSession().getPacketBufferSize())) {
                continue;
            }
            if (r.bytesProduced() > 0) {
                dst.flip();
                emit(dst);
            }
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakeFinished();
            }
            return r;
        }
    }

    /** Appends decrypted bytes to the plaintext input, or keeps what the pool has no memory for. */
    private void deliver(ByteBuffer plain, BufferChain plainIn) {
        if (pendingIn == null) {
            try {
                plainIn.write(plain);
                return;
            } catch (BufferBudgetExceededException e) {
                // what was written stays; the rest waits below
            }
        }
        pendingIn = append(pendingIn, pendingInPos, plain);
        pendingInPos = 0;
    }

    /** Hands what {@link #deliver} kept to the plaintext input; false while the pool still has no memory. */
    private boolean deliverPendingIn(BufferChain plainIn) {
        if (pendingIn == null) {
            return true;
        }
        ByteBuffer rest = ByteBuffer.wrap(pendingIn, pendingInPos, pendingIn.length - pendingInPos);
        try {
            plainIn.write(rest);
        } catch (BufferBudgetExceededException e) {
            pendingInPos = rest.position();
            return false;
        }
        pendingIn = null;
        pendingInPos = 0;
        return true;
    }

    /** Appends an encrypted record to the network output, or keeps what the pool has no memory for. */
    private void emit(ByteBuffer record) {
        if (pendingOut == null) {
            try {
                networkOut.write(record);
                return;
            } catch (BufferBudgetExceededException e) {
                // what was written stays; the rest goes out after it
            }
        }
        pendingOut = append(pendingOut, pendingOutPos, record);
        pendingOutPos = 0;
    }

    private static byte[] append(byte[] held, int from, ByteBuffer more) {
        int kept = held == null ? 0 : held.length - from;
        byte[] out = new byte[kept + more.remaining()];
        if (kept > 0) {
            System.arraycopy(held, from, out, 0, kept);
        }
        more.get(out, kept, more.remaining());
        return out;
    }

    private void handshakeFinished() {
        if (state != State.HANDSHAKING) {
            return;
        }
        SSLSession session = engine.getSession();
        state = State.OPEN;
        handshakeNanos = System.nanoTime() - startNanos;
        protocol = session.getProtocol();
        cipherSuite = session.getCipherSuite();
        stats.handshakeCompleted(handshakeNanos, protocol, cipherSuite);
    }

    private void startTasks() {
        Runnable first = engine.getDelegatedTask();
        if (first == null) {
            return;
        }
        taskRunning = true;
        try {
            tasks.execute(() -> {
                try {
                    Runnable t = first;
                    while (t != null) {
                        t.run();
                        t = engine.getDelegatedTask();
                    }
                } catch (Throwable e) {
                    taskFailure = e;
                }
                resume.run();
            });
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            fail(TlsFailure.INTERNAL, e);
        }
    }

    private void fail(TlsFailure reason, Exception cause) {
        if (state == State.FAILED) {
            return;
        }
        boolean handshaking = state == State.HANDSHAKING;
        state = State.FAILED;
        failure = reason;
        failureCause = cause;
        if (handshaking) {
            stats.handshakeFailed(reason);
        } else {
            stats.error(reason);
        }
        if (!taskRunning) {
            closeEngine(); // else resumed() does it: a task holds the engine's lock while it runs
        }
    }

    /**
     * Closes the failed engine; its closing alert goes to {@link #networkOut()}, which tells a TLS peer why
     * ({@code certificate_required}, {@code handshake_failure}...). A plaintext peer or a gone one gets none.
     */
    private void closeEngine() {
        engine.closeOutbound();
        if (failure == TlsFailure.PLAINTEXT || failure == TlsFailure.CLOSED) {
            return;
        }
        try {
            while (!engine.isOutboundDone()) {
                ByteBuffer dst = staging.recordOut();
                dst.clear();
                SSLEngineResult r = engine.wrap(NOTHING, dst);
                if (r.bytesProduced() == 0) {
                    break;
                }
                dst.flip();
                emit(dst);
            }
        } catch (SSLException | RuntimeException ignored) {
            // no alert then: the TCP close says enough
        }
    }

    /** Sorts an engine's complaint into a certificate problem or a protocol one. */
    static TlsFailure classify(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathValidatorException
                    || t instanceof CertPathBuilderException) {
                return TlsFailure.CERTIFICATE;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("certificate") || m.contains("unknown_ca")) {
                return TlsFailure.CERTIFICATE; // "Empty client certificate chain", alerts such as bad_certificate
            }
        }
        return TlsFailure.PROTOCOL;
    }

    /**
     * Takes plaintext that can no longer be sent: after a TLS 1.2 peer's close_notify the engine has answered with
     * its own, and what was not sent is discarded (RFC 5246 7.2.1), so the owner's output drains and it closes.
     */
    private static long discard(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += srcs[i].remaining();
            srcs[i].position(srcs[i].limit());
        }
        return n;
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TlsCodec[" + state + (protocol == null ? "" : " " + protocol + " " + cipherSuite)
                + (failure == null ? "" : " " + failure.tag()) + "]";
    }

    /** {@link #wrap} as a gathering channel. */
    private final class PlaintextSink implements GatheringByteChannel {

        private final ByteBuffer[] one = new ByteBuffer[1];

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            return wrap(srcs, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return wrap(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            one[0] = src;
            try {
                return (int) wrap(one, 0, 1);
            } finally {
                one[0] = null;
            }
        }

        @Override
        public boolean isOpen() {
            return state != State.FAILED;
        }

        @Override
        public void close() {
            // the codec's life is the connection's
        }
    }
}
