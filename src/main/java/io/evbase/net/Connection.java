package io.evbase.net;

import static io.evbase.net.ConnectionState.CLOSED;
import static io.evbase.net.ConnectionState.DRAINING;
import static io.evbase.net.ConnectionState.FLUSHING;
import static io.evbase.net.ConnectionState.LINGERING;
import static io.evbase.net.ConnectionState.OPEN;

import io.evbase.buffer.BufferBudgetExceededException;
import io.evbase.buffer.BufferChain;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoHandle;
import io.evbase.loop.IoRegistration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One accepted socket with its input and output {@link BufferChain}s, watermarks, timeouts and the protocol's
 * session: libevent's {@code bufferevent}, memcached's {@code conn}.
 *
 * <p>Reads go into {@link #input()} until it holds more than the read high watermark, then reading pauses until
 * the handler consumes it. Replies written to {@link #output()} are flushed after each callback in one gathering
 * write; what the socket does not take stays queued and the connection waits for {@code OP_WRITE} (it never
 * spins). Above the write high watermark the connection turns unwritable and stops reading, so a peer that never
 * reads cannot make the server buffer without bound. A reply promised with {@link #replyLater()} keeps its place
 * in request order: what is written after it waits behind it ({@link ReplyQueue}), counted against the write
 * watermark, and at the listener's {@code maxRequestsInFlight} pending replies reading and serving pause too.
 *
 * <p>Its {@link ConnectionState}s go one way, {@code OPEN} to {@code CLOSED}. The socket side is
 * {@link ConnectionSocket}, the deadlines of each state {@link ConnectionTimeouts}, the calls into the session
 * {@link SessionInvoker}.
 *
 * <p>Connection objects are recycled by their loop. Everything of the previous peer (buffers, session, pending
 * replies, timers) is reset at close, and the generation changes, so a {@link ConnectionHandle} or a {@link Reply}
 * taken for the old peer can never reach the new one.
 *
 * <p>Threading: every method runs on the connection's loop thread only, except {@link #handle()} and the
 * read-only introspection getters, which other threads may call for a recent value; {@link ConnectionHandle} and
 * {@link Reply} are the thread-safe ways in.
 */
public final class Connection implements IoHandle {

    private static final Logger LOG = Logger.getLogger(Connection.class.getName());
    /** Bytes read per readiness event at most, so one busy peer cannot starve the loop's others. */
    static final int MAX_READ_PER_EVENT = 256 * 1024;
    /**
     * Bytes written per readiness event at most. Loopback sockets take megabytes at once: 300 peers each owed
     * megabytes of replies kept one iteration busy for seconds (a stall). What is left waits for the next event,
     * which comes at once while the socket stays writable, after the loop's other connections had their turn.
     */
    static final int MAX_WRITE_PER_EVENT = 256 * 1024;

    private final LoopConnections owner;
    private final EventBase loop;
    private final BufferChain input;
    private final ReplyQueue replies;
    private final ConnectionTimeouts timeouts;
    private final ConnectionSocket socket;
    private final SessionInvoker session;

    private volatile long id;
    private volatile long generation;
    private volatile ConnectionState state = CLOSED;
    private volatile InetSocketAddress remoteAddress;
    private ListenerSpec config;
    /** Index in the owner's open list, for O(1) removal. */
    int slot = -1;

    /** Watermark hysteresis: false from above the high watermark until the queued output is back at the low one. */
    private boolean writable;
    /** Half-closed and kept open by the session with replies outstanding: ask it again when the last one is out. */
    private boolean awaitingLastReply;
    /** Set by a handler that has consumed part of a request (a value copied out as it arrives). */
    private boolean requestInProgress;
    private CloseReason closeReason;

    private volatile long openedNanos;
    /** The buffered figures last added to the loop's totals (which other threads read). */
    private long inputBytes;
    private long outputBytes;

    Connection(LoopConnections owner) {
        this.owner = owner;
        this.loop = owner.loop();
        this.input = new BufferChain(owner.bufferCache());
        this.replies = new ReplyQueue(owner.bufferCache());
        this.timeouts = new ConnectionTimeouts(loop, this::onTimer);
        this.socket = new ConnectionSocket(this, owner.bufferCache());
        this.session = new SessionInvoker(this);
    }

    /** Unique among all connections this server ever opened. */
    public long id() {
        return id;
    }

    public EventBase loop() {
        return loop;
    }

    public String listenerName() {
        return config == null ? "" : config.name();
    }

    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The bytes read and not yet consumed by the handler. */
    public BufferChain input() {
        return input;
    }

    /**
     * Where replies go, in request order: the bytes are sent after every reply written or promised before them.
     * The same chain for the connection's whole life.
     */
    public BufferChain output() {
        return replies.output();
    }

    /** True while reading and serving: {@link ConnectionState#OPEN} or {@link ConnectionState#DRAINING}. */
    public boolean isOpen() {
        return state == OPEN || state == DRAINING;
    }

    public ConnectionState state() {
        return state;
    }

    /**
     * True while the handler may take another request: the queued output (replies held behind a pending one
     * included) is at or below the write high watermark, was not stuck above it since, and fewer than the
     * listener's maximum of requests are in flight. A handler stops consuming input when this turns false; the
     * connection calls {@code onRead} again once it is true.
     */
    public boolean isWritable() {
        return writable && replies.queuedBytes() <= config.writeHighWatermark()
                && replies.inFlight() < config.maxRequestsInFlight();
    }

    /** Replies promised with {@link #replyLater()} and not yet written. */
    public int requestsInFlight() {
        return replies.inFlight();
    }

    /**
     * Tells the connection that a request is under way even though its bytes have left the input (a handler that
     * copies a value out as it arrives). The read timeout then applies to it as to a partial request in the input.
     */
    public void requestInProgress(boolean inProgress) {
        this.requestInProgress = inProgress;
    }

    /** Writes queued output now, for replies produced outside a callback (a posted task, a timer). */
    public void flush() {
        if (state != CLOSED && !session.inCallback()) {
            afterCallback();
        }
    }

    /** Closes gracefully: stops reading and serving, writes every reply promised or queued so far, then closes. */
    public void close() {
        close(CloseReason.NORMAL);
    }

    /** Closes at once, discarding queued output and pending replies. */
    public void abort() {
        closeNow(CloseReason.ABORTED);
    }

    /** A thread-safe reference to this connection's current life, for posting results of slow work back to it. */
    public ConnectionHandle handle() {
        return new ConnectionHandle(this, generation);
    }

    /**
     * Promises a reply, to be settled later from any thread; its place in the reply order is taken now, so what
     * the handler writes afterwards waits behind it. Counts as a request in flight until written. Loop thread only.
     */
    public Reply replyLater() {
        boolean taking = state == OPEN || state == DRAINING || state == FLUSHING;
        return new Reply(handle(), taking ? replies.reserve() : new ReplyQueue.Slot());
    }

    /**
     * Replies with {@code writer} when {@code result} completes, in request order; a failed result goes to the
     * session's {@code onReplyFailed}. Loop thread only.
     */
    public <T> void replyWhen(CompletionStage<? extends T> result, ReplyWriter<? super T> writer) {
        replyLater().completeWhen(result, writer);
    }

    /**
     * Runs {@code work} on the listener's blocking executor and replies with {@code writer} when it returns, in
     * request order. What {@code work} throws goes to the session's {@code onReplyFailed}, never to the loop. Loop
     * thread only.
     */
    public <T> void replyBlocking(Callable<? extends T> work, ReplyWriter<? super T> writer) {
        replyLater().completeBlocking(config.blockingExecutor(), work, writer);
    }

    public long openedNanos() {
        return openedNanos;
    }

    public long lastActivityNanos() {
        return timeouts.lastActivityNanos();
    }

    public long bytesRead() {
        return socket.bytesRead();
    }

    public long bytesWritten() {
        return socket.bytesWritten();
    }

    /** Output bytes queued right now, held behind pending replies included. Loop thread only. */
    long queuedBytes() {
        return replies.queuedBytes();
    }

    /**
     * Takes over a socket the owner has registered for {@code OP_READ} with this connection as its handle; cannot
     * fail (what can, the owner did first), so every connection that reaches the handler is counted closed once.
     */
    void open(long newId, SocketChannel channel, IoRegistration registration, InetSocketAddress peer,
            BoundListener listener) {
        id = newId;
        config = listener.config();
        remoteAddress = peer;
        socket.open(channel, registration, listener);
        long now = System.nanoTime();
        openedNanos = now;
        timeouts.start(config, now);
        writable = true;
        state = OPEN;
        if (session.open(config.handler())) {
            afterCallback();
        }
    }

    /**
     * Stop taking new requests: read what the peer already sent, answer it (pending replies included), then close.
     *
     * <p>"Already sent" is what the kernel holds for this socket as the drain begins (FIONREAD), or at most the
     * receive buffer's size if that cannot be asked. Without a bound, a peer that keeps sending kept each read full
     * and the drain never finished: it ran into the drain timeout, whose forced close cut replies in the middle.
     */
    void beginDrain() {
        if (state != OPEN) {
            return;
        }
        state = DRAINING;
        socket.limitToUnread();
        if (session.drainBegun()) {
            readAndDispatch();
        }
    }

    /**
     * Writes before it reads, as Netty's {@code NioEventLoop} does (redis's {@code ae.c} reads first unless a
     * handler asks for {@code AE_BARRIER}). Writing first gives the chunks the kernel took back to the pool and
     * lowers the queued output below the write watermark before the read adds requests, so the read can serve them
     * in the same event instead of finding the connection unwritable; and a write that fails because the peer is
     * gone (reset) closes the connection before its unread requests are read and served for nobody. Replies the
     * read produces do not wait for the next event: the read flushes them itself.
     */
    @Override
    public void handleIo(int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            afterCallback();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            if (isOpen()) {
                readAndDispatch();
            } else if (state == LINGERING) {
                discardUntilEnd();
            }
        }
    }

    @Override
    public void handleFailure(Throwable cause) {
        fail(cause);
    }

    @Override
    public void registrationLost(Throwable cause) {
        closeNow(CloseReason.RESET); // the loop can no longer serve the socket (the loop logged why)
    }

    private void readAndDispatch() {
        boolean ended = false;
        long room = config.readHighWatermark() - input.readableBytes();
        if (room > 0 && socket.mayRead()) {
            int n;
            try {
                n = socket.read(input, (int) Math.min(room, MAX_READ_PER_EVENT));
            } catch (IOException e) {
                closeNow(ConnectionSocket.closeReason(e)); // the peer is gone: what it sent and is still unanswered is dropped
                return;
            }
            if (n > 0) {
                timeouts.activity(loop.callbackNanos());
            } else if (n < 0) {
                ended = true;
            } else if (socket.waitingForMemory()) {
                owner.waitForMemory(this); // the loop calls memoryReturned() when the pool has some again
            }
        }
        session.serve();
        if (ended && isOpen()) {
            inputEnded();
        }
        afterCallback();
    }

    /** The peer half-closed (or, kept open, its last reply is out): finish, or stay open if the session says so. */
    private void inputEnded() {
        if (session.inputClosed() && state == OPEN) {
            state = DRAINING; // nothing more can arrive: answer what is here, then close
        }
    }

    /**
     * After every callback and event: flush, update writability (serving again when the session can take requests
     * once more), finish a drain or a close, set the interest ops and arm the timeouts.
     */
    private void afterCallback() {
        long budget = MAX_WRITE_PER_EVENT;
        while (state != CLOSED) {
            if (replies.sendableBytes() > 0 || socket.hasPendingOutput()) {
                long n = writeOut(budget);
                if (n < 0) {
                    return; // reset while writing
                }
                budget -= n;
            }
            if (state == FLUSHING && replies.isEmpty() && !socket.hasPendingOutput()) {
                finishClose();
                return;
            }
            if (!isOpen()) {
                break;
            }
            updateWritability();
            if (session.stalled() && isWritable() && budget > 0) {
                session.serve();
                continue; // flush what the session wrote
            }
            break;
        }
        if (state == CLOSED) {
            return;
        }
        publishBuffered();
        if (state == LINGERING) {
            return; // interest and timer belong to the linger now
        }
        if (state == OPEN && socket.inputEnded()) {
            if (!replies.isEmpty() || session.stalled()) {
                awaitingLastReply = true;
            } else if (awaitingLastReply) {
                awaitingLastReply = false;
                inputEnded(); // told again: the last reply is out
                flush();
                return;
            }
        }
        if (state == DRAINING && socket.readsDone() && replies.isEmpty() && !session.stalled()
                && (input.isEmpty() || isWritable())) {
            close(CloseReason.NORMAL); // all received is answered; a partial request stays so
            return;
        }
        long now = loop.callbackNanos(); // this callback's start: timeouts count in milliseconds
        timeouts.partial(isOpen() && (!input.isEmpty() || requestInProgress) && isWritable(), now);
        boolean read = isOpen() && socket.mayRead() && isWritable()
                && input.readableBytes() < config.readHighWatermark();
        socket.interest((read ? SelectionKey.OP_READ : 0) | (replies.sendableBytes() > 0 ? SelectionKey.OP_WRITE : 0));
        timeouts.arm(state, replies.inFlight() == 0, now);
    }

    /** Makes the buffered byte counts visible to introspection, here and in the loop's totals. */
    private void publishBuffered() {
        long in = input.readableBytes();
        long out = replies.queuedBytes();
        if (in != inputBytes || out != outputBytes) {
            owner.addBuffered(in - inputBytes, out - outputBytes);
            inputBytes = in;
            outputBytes = out;
        }
    }

    /** Writes what the socket takes, up to about {@code maxBytes}; the bytes written, or -1 if the connection died. */
    private long writeOut(long maxBytes) {
        long n;
        try {
            n = socket.write(replies, Math.max(1, maxBytes));
        } catch (IOException e) {
            closeNow(ConnectionSocket.closeReason(e)); // the peer is gone: what it asked for and is still queued is dropped
            return -1;
        }
        timeouts.wrote(n, replies.sendableBytes(), loop.callbackNanos());
        publishBuffered(); // also while a long reply is produced, not only after callbacks
        return n;
    }

    /** Applies the watermarks, telling the session when it crosses one. */
    private void updateWritability() {
        long queued = replies.queuedBytes();
        if (writable ? queued > config.writeHighWatermark() : queued <= config.writeLowWatermark()) {
            writable = !writable;
            session.writabilityChanged(writable);
        }
    }

    /** True while reading waits for the pool to have memory. */
    boolean waitsForMemory() {
        return state != CLOSED && socket.waitingForMemory();
    }

    /** The socket side, for the owner's listing (the TLS protocol and peer). Loop thread only. */
    ConnectionSocket socket() {
        return socket;
    }

    /** Called by the owner: the pool may have memory again (or TLS asks for a read); read what waited. */
    void memoryReturned() {
        if (socket.waitingForMemory()) {
            socket.memoryBack();
            if (isOpen()) {
                readAndDispatch();
            }
        }
    }

    /** A reply needed memory the pool, at its budget, would not give: close at once, freeing what it held. */
    void outOfMemory() {
        LOG.log(Level.FINE, () -> "closing connection " + id + " from " + remoteAddress + ": no memory for a reply");
        closeNow(CloseReason.NO_MEMORY);
    }

    /** A deadline of {@link #timeouts} may have passed. */
    private void onTimer() {
        if (state == CLOSED) {
            return;
        }
        long now = System.nanoTime();
        ConnectionTimeouts.Expiry expired = timeouts.expired(state, replies.inFlight() == 0, now);
        if (expired == ConnectionTimeouts.Expiry.NONE) {
            timeouts.arm(state, replies.inFlight() == 0, now);
        } else if (expired.graceful) {
            close(expired.reason);
        } else {
            closeNow(expired.reason == null ? closeReason : expired.reason);
        }
    }

    /** True inside one of this connection's session callbacks. Loop thread only. */
    boolean inCallback() {
        return session.inCallback();
    }

    /** True while {@code gen} is this connection's life and it still takes replies. Any thread (volatile reads). */
    boolean takesReplies(long gen) {
        ConnectionState s = state;
        return generation == gen && (s == OPEN || s == DRAINING || s == FLUSHING);
    }

    /** Writes a settled reply into its slot (or hands its failure to the session), in request order. */
    <T> void fill(ReplyQueue.Slot slot, T value, ReplyWriter<? super T> writer, Throwable failure) {
        if (slot.isFilled()) {
            return;
        }
        if (session.fill(replies.replyBuffer(slot), value, writer, failure)) {
            try {
                replies.filled(slot);
            } catch (BufferBudgetExceededException e) {
                outOfMemory();
            }
        }
    }

    void close(CloseReason reason) {
        if (!isOpen()) {
            return;
        }
        if (reason == CloseReason.NORMAL && socket.inputEnded()) {
            reason = CloseReason.PEER_CLOSED;
        }
        closeReason = reason;
        state = FLUSHING;
        session.stopServing();
        input.clear();
        timeouts.closing(System.nanoTime());
        if (replies.isEmpty()) {
            finishClose();
        } else if (!session.inCallback()) {
            afterCallback();
        }
    }

    /** Every reply is with the kernel: close, lingering unless the peer has already finished sending. */
    private void finishClose() {
        socket.closeOutbound(); // TLS: close_notify after the last reply
        if (socket.inputEnded()) {
            closeNow(closeReason); // nothing more can arrive: the close sends a FIN behind the queued replies
        } else {
            linger();
        }
    }

    /** The graceful close while the peer may still be sending: see {@link ConnectionSocket#shutdownOutput()}. */
    private void linger() {
        if (!socket.shutdownOutput()) {
            closeNow(closeReason); // already gone
            return;
        }
        state = LINGERING;
        long now = System.nanoTime();
        timeouts.closing(now);
        timeouts.arm(state, false, now);
        discardUntilEnd(); // the peer may have closed already
    }

    /** While lingering: drop what arrived; close at the peer's FIN (or reset). */
    private void discardUntilEnd() {
        if (socket.discard(input)) {
            closeNow(closeReason);
        }
    }

    void fail(Throwable cause) {
        if (state == CLOSED) {
            return;
        }
        LOG.log(Level.WARNING, "closing connection " + id + " from " + remoteAddress + " on " + loop.name()
                + ": handler failed", cause);
        closeNow(CloseReason.HANDLER_ERROR);
    }

    /** Closes the socket and resets every field of this peer; the object goes back to the loop's free list. */
    void closeNow(CloseReason reason) {
        if (state == CLOSED) {
            return;
        }
        if (state == LINGERING) {
            reason = closeReason; // its business was done; the linger only waited for the peer
        }
        state = CLOSED;
        generation++;
        timeouts.reset();
        socket.close();
        session.closed(reason);
        // No byte of this peer may reach the next one, in either direction.
        input.clear();
        replies.clear();
        publishBuffered();
        socket.countClose(reason);
        owner.closed(this);
    }

    /** Forgets the closed peer; called by the owner before the object is reused. */
    void recycle() {
        session.reset();
        remoteAddress = null;
        awaitingLastReply = false;
        requestInProgress = false;
        closeReason = null;
        timeouts.reset();
        socket.reset();
        input.clear();
        replies.clear();
    }

    /** The socket, for tests in this package that must close it behind the connection's back. */
    SocketChannel channel() {
        return socket.channel();
    }

    @Override
    public String toString() {
        return "Connection[" + id + " " + remoteAddress + " on " + loop.name() + " " + state + "]";
    }
}
