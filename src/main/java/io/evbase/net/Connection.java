package io.evbase.net;

import io.evbase.buffer.BufferChain;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoHandle;
import io.evbase.loop.IoRegistration;
import io.evbase.loop.Scheduled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One accepted socket with its input and output {@link BufferChain}s, watermarks, timeouts and protocol state:
 * libevent's {@code bufferevent}, memcached's {@code conn}.
 *
 * <p>Reads go into {@link #input()} until it holds more than the read high watermark, then reading pauses until
 * the handler drains it. Replies written to {@link #output()} are flushed after each callback in one gathering
 * write; what the socket does not take stays queued and the connection waits for {@code OP_WRITE} (it never
 * spins). Above the write high watermark the connection turns unwritable and stops reading, so a peer that never
 * reads cannot make the server buffer without bound.
 *
 * <p>Connection objects are recycled by their loop. Everything of the previous peer (buffers, attachment, state,
 * timers) is reset at close, and the generation changes, so a {@link Handle} taken for the old peer can never reach
 * the new one.
 *
 * <p>Threading: every method runs on the connection's loop thread only, except {@link #handle()}'s
 * {@link Handle#execute}, which is thread-safe, and the read-only introspection getters, which other threads may
 * call for a recent value.
 */
public final class Connection implements IoHandle {

    private static final Logger LOG = Logger.getLogger(Connection.class.getName());
    /** Bytes read per readiness event at most, so one busy peer cannot starve the loop's others. */
    static final int MAX_READ_PER_EVENT = 256 * 1024;
    /** How long a close waits for its output to flush when no write timeout is set. */
    static final long CLOSE_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long a graceful close waits, after its FIN, for the peer's (discarding what the peer still sends). */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Life of a connection object. */
    public enum State { OPEN, CLOSING, CLOSED }

    private final LoopConnections owner;
    private final EventBase loop;
    private final BufferChain input;
    private final BufferChain output;

    private volatile long id;
    private volatile long generation;
    private volatile State state = State.CLOSED;
    private volatile InetSocketAddress remoteAddress;
    private BoundListener listener;
    private ListenerSpec config;
    private SocketChannel channel;
    private IoRegistration registration;
    private Object attachment;
    private int interestOps;
    /** Index in the owner's open list, for O(1) removal. */
    int slot = -1;

    private boolean writable;
    private boolean inputClosed;
    private boolean draining;
    private boolean drainReadDone;
    private boolean dispatching;
    /** Output shut down after a graceful close; reading and discarding until the peer's FIN (see linger()). */
    private boolean lingering;
    /** While draining: bytes still to read, at most what the socket could hold when the drain began. */
    private long drainBudget;
    /** Set by a handler that has consumed part of a request (a value copied out as it arrives). */
    private boolean requestInProgress;
    private CloseReason closeReason;

    private volatile long openedNanos;
    private volatile long lastActivityNanos;
    private long partialSinceNanos;
    private long writeProgressNanos;
    private long closingSinceNanos;
    private Scheduled timeoutCheck;
    private volatile long bytesRead;
    private volatile long bytesWritten;
    private volatile long inputBytes;
    private volatile long outputBytes;

    Connection(LoopConnections owner) {
        this.owner = owner;
        this.loop = owner.loop();
        this.input = new BufferChain(owner.bufferCache());
        this.output = new BufferChain(owner.bufferCache());
    }

    // ---------------------------------------------------------------- the handler's view

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

    /** The bytes queued for the peer. */
    public BufferChain output() {
        return output;
    }

    public void attach(Object state) {
        this.attachment = state;
    }

    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) attachment;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    public State state() {
        return state;
    }

    /** True while the output is at or below the write high watermark (and was not stuck above it since). */
    public boolean isWritable() {
        return writable && output.readableBytes() <= config.writeHighWatermark();
    }

    /**
     * Tells the connection that a request is under way even though its bytes have left the input (a handler that
     * copies a value out as it arrives). The read timeout then applies to it as to a partial request in the input.
     */
    public void requestInProgress(boolean inProgress) {
        this.requestInProgress = inProgress;
    }

    /** True once the server began draining for shutdown: finish what was received, then close. */
    public boolean isDraining() {
        return draining;
    }

    /** Writes queued output now, for replies produced outside a read callback (a posted task, a timer). */
    public void flush() {
        if (state != State.CLOSED && !dispatching) {
            afterCallback();
        }
    }

    /** Closes after flushing the queued output. Input that arrives meanwhile is discarded. */
    public void close() {
        close(CloseReason.NORMAL);
    }

    /** Closes at once, discarding queued output. */
    public void abort() {
        closeNow(CloseReason.ABORTED);
    }

    /** A thread-safe reference to this connection's current life, for posting results of slow work back to it. */
    public Handle handle() {
        return new Handle(this, generation);
    }

    // ---------------------------------------------------------------- introspection, any thread

    public long openedNanos() {
        return openedNanos;
    }

    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    public long bytesRead() {
        return bytesRead;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /** Input bytes held as of the last callback. */
    public long inputBytes() {
        return inputBytes;
    }

    /** Output bytes queued as of the last callback. */
    public long outputBytes() {
        return outputBytes;
    }

    // ---------------------------------------------------------------- life cycle, called by LoopConnections

    /**
     * Takes over a socket the owner has registered for {@code OP_READ} with this connection as its handle; cannot
     * fail (what can, the owner did first), so every connection that reaches {@code onOpen} is counted closed once.
     */
    void open(long newId, SocketChannel socket, IoRegistration newRegistration, InetSocketAddress peer,
            BoundListener newListener) {
        id = newId;
        listener = newListener;
        config = newListener.config();
        channel = socket;
        registration = newRegistration;
        remoteAddress = peer;
        long now = System.nanoTime();
        openedNanos = now;
        lastActivityNanos = now;
        writable = true;
        state = State.OPEN;
        interestOps = SelectionKey.OP_READ;
        try {
            config.handler().onOpen(this);
        } catch (Throwable t) {
            fail(t);
            return;
        }
        afterCallback();
    }

    /**
     * Stop taking new requests: read what the peer already sent, answer it, then close.
     *
     * <p>"Already sent" is what the kernel holds for this socket as the drain begins (FIONREAD, through the socket
     * adaptor's {@code available()}), or at most the receive buffer's size if that cannot be asked. Without a bound,
     * a peer that keeps sending kept each read full and the drain never finished: it ran into the drain timeout,
     * whose forced close cut replies in the middle.
     */
    void beginDrain() {
        if (state != State.OPEN || draining) {
            return;
        }
        draining = true;
        try {
            drainBudget = channel.socket().getInputStream().available();
        } catch (IOException | RuntimeException e) {
            try {
                drainBudget = Math.max(1, channel.getOption(StandardSocketOptions.SO_RCVBUF));
            } catch (IOException again) {
                drainBudget = MAX_READ_PER_EVENT;
            }
        }
        readAndDispatch();
    }

    // ---------------------------------------------------------------- I/O

    /**
     * Writes before it reads (redis's {@code ae} reads first unless asked for {@code AE_BARRIER}; here replies are
     * flushed after every callback anyway, so reading first would gain nothing): the queued output goes out first,
     * which can bring the connection back under its write low watermark, so the read that follows is handed to the
     * handler in this same event instead of piling up unhandled behind an unwritable connection.
     */
    @Override
    public void handleIo(int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            afterCallback();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && state == State.OPEN) {
            readAndDispatch();
        } else if ((readyOps & SelectionKey.OP_READ) != 0 && lingering) {
            discardUntilEnd();
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
        long room = config.readHighWatermark() - input.readableBytes();
        if (room > 0 && !inputClosed && !drainReadDone) {
            int max = (int) Math.min(room, MAX_READ_PER_EVENT);
            if (draining) {
                max = (int) Math.min(max, drainBudget);
            }
            int n;
            try {
                n = input.readFrom(channel, max);
            } catch (IOException e) {
                closeNow(CloseReason.RESET);
                return;
            }
            if (n < 0) {
                inputClosed = true;
            } else if (n > 0) {
                bytesRead += n;
                listener.addRead(n);
                lastActivityNanos = System.nanoTime();
            }
            if (draining) {
                drainBudget -= Math.max(0, n);
                if (n < max || drainBudget <= 0) {
                    drainReadDone = true; // all that was sent before the drain is in
                }
            }
        }
        dispatch();
    }

    /** Gives the handler the input (and the end of it), then flushes. */
    private void dispatch() {
        if (dispatching) {
            return; // a callback asked for a flush; the outer dispatch finishes the job
        }
        dispatching = true;
        try {
            if (!input.isEmpty() && state == State.OPEN && isWritable()) {
                config.handler().onRead(this);
            }
            if (inputClosed && state == State.OPEN) {
                config.handler().onInputClosed(this);
            }
        } catch (Throwable t) {
            dispatching = false;
            fail(t);
            return;
        }
        dispatching = false;
        afterCallback();
    }

    /**
     * After every callback: flush, update writability (resuming the handler when the peer caught up), track
     * partial requests, set the interest ops, arm the timeout check and finish a close or a drain.
     */
    private void afterCallback() {
        while (state != State.CLOSED) {
            if (!output.isEmpty() && !writeOut()) {
                return; // reset while writing
            }
            if (state == State.CLOSING && output.isEmpty() && !lingering) {
                finishClose(closeReason);
                return;
            }
            boolean resume = updateWritability();
            if (resume && !input.isEmpty() && state == State.OPEN) {
                dispatching = true;
                try {
                    config.handler().onRead(this);
                } catch (Throwable t) {
                    dispatching = false;
                    fail(t);
                    return;
                }
                dispatching = false;
                continue; // flush what the handler wrote
            }
            break;
        }
        if (state == State.CLOSED) {
            return;
        }
        if (lingering) {
            publishBuffered(); // interest and timer belong to the linger now
            return;
        }
        long now = System.nanoTime();
        boolean partial = (!input.isEmpty() || requestInProgress) && isWritable();
        partialSinceNanos = !partial ? 0 : (partialSinceNanos == 0 ? now : partialSinceNanos);
        publishBuffered();
        if (draining && state == State.OPEN && (drainReadDone || inputClosed) && output.isEmpty()
                && (input.isEmpty() || isWritable())) {
            close(CloseReason.NORMAL); // everything received before the drain is answered; a partial request stays so
            return;
        }
        updateInterest();
        armTimeoutCheck(now);
    }

    /** Makes the buffered byte counts visible to introspection, here and in the loop's totals. */
    private void publishBuffered() {
        long in = input.readableBytes();
        long out = output.readableBytes();
        if (in != inputBytes || out != outputBytes) {
            owner.addBuffered(in - inputBytes, out - outputBytes);
            inputBytes = in;
            outputBytes = out;
        }
    }

    /** Writes what the socket takes; false if the connection died. */
    private boolean writeOut() {
        long before = output.readableBytes();
        long n;
        try {
            n = output.writeTo(channel);
        } catch (IOException e) {
            closeNow(CloseReason.RESET);
            return false;
        }
        long now = System.nanoTime();
        if (n > 0) {
            bytesWritten += n;
            listener.addWritten(n);
            lastActivityNanos = now;
            writeProgressNanos = now;
        } else if (before > 0 && writeProgressNanos == 0) {
            writeProgressNanos = now;
        }
        if (output.isEmpty()) {
            writeProgressNanos = 0;
        }
        return true;
    }

    /** Applies the watermarks; true if the connection just turned writable again. */
    private boolean updateWritability() {
        long queued = output.readableBytes();
        try {
            if (writable && queued > config.writeHighWatermark()) {
                writable = false;
                config.handler().onWritabilityChanged(this, false);
            } else if (!writable && queued <= config.writeLowWatermark()) {
                writable = true;
                config.handler().onWritabilityChanged(this, true);
                return true;
            }
        } catch (Throwable t) {
            fail(t);
        }
        return false;
    }

    private void updateInterest() {
        boolean read = state == State.OPEN && !inputClosed && writable
                && input.readableBytes() < config.readHighWatermark() && !(draining && drainReadDone);
        int ops = (read ? SelectionKey.OP_READ : 0) | (output.isEmpty() ? 0 : SelectionKey.OP_WRITE);
        if (ops != interestOps) {
            interestOps = ops;
            registration.interestOps(ops);
        }
    }

    // ---------------------------------------------------------------- timeouts

    private long nextDeadline() {
        if (lingering) {
            return closingSinceNanos + LINGER_NANOS;
        }
        long next = Long.MAX_VALUE;
        if (!config.idleTimeout().isZero()) {
            next = lastActivityNanos + config.idleTimeout().toNanos();
        }
        if (partialSinceNanos != 0 && !config.readTimeout().isZero()) {
            next = earlier(next, partialSinceNanos + config.readTimeout().toNanos());
        }
        if (writeProgressNanos != 0 && !config.writeTimeout().isZero()) {
            next = earlier(next, writeProgressNanos + config.writeTimeout().toNanos());
        }
        if (state == State.CLOSING) {
            next = earlier(next, closingSinceNanos + closeFlushNanos());
        }
        return next;
    }

    private long closeFlushNanos() {
        return config.writeTimeout().isZero() ? CLOSE_FLUSH_NANOS : config.writeTimeout().toNanos();
    }

    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE || b - a < 0 ? b : a;
    }

    /** Keeps one timer per connection, armed at the earliest deadline; activity only moves deadlines later. */
    private void armTimeoutCheck(long now) {
        long deadline = nextDeadline();
        if (deadline == Long.MAX_VALUE) {
            if (timeoutCheck != null) {
                timeoutCheck.cancel();
                timeoutCheck = null;
            }
            return;
        }
        if (timeoutCheck == null || timeoutCheck.deadlineNanos() - deadline > 0) {
            if (timeoutCheck != null) {
                timeoutCheck.cancel();
            }
            long gen = generation;
            timeoutCheck = loop.schedule(() -> checkTimeouts(gen), Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
        }
    }

    private void checkTimeouts(long gen) {
        if (gen != generation || state == State.CLOSED) {
            return;
        }
        timeoutCheck = null;
        long now = System.nanoTime();
        if (lingering) {
            if (now - (closingSinceNanos + LINGER_NANOS) >= 0) {
                closeNow(closeReason); // the peer never sent its FIN: stop waiting for it
            } else {
                armTimeoutCheck(now);
            }
            return;
        }
        if (state == State.CLOSING && now - (closingSinceNanos + closeFlushNanos()) >= 0) {
            closeNow(CloseReason.WRITE_TIMEOUT);
        } else if (writeProgressNanos != 0 && !config.writeTimeout().isZero()
                && now - (writeProgressNanos + config.writeTimeout().toNanos()) >= 0) {
            closeNow(CloseReason.WRITE_TIMEOUT);
        } else if (partialSinceNanos != 0 && !config.readTimeout().isZero()
                && now - (partialSinceNanos + config.readTimeout().toNanos()) >= 0) {
            close(CloseReason.READ_TIMEOUT);
        } else if (!config.idleTimeout().isZero()
                && now - (lastActivityNanos + config.idleTimeout().toNanos()) >= 0) {
            close(CloseReason.IDLE_TIMEOUT);
        } else {
            armTimeoutCheck(now);
        }
    }

    // ---------------------------------------------------------------- closing

    void close(CloseReason reason) {
        if (state != State.OPEN) {
            return;
        }
        if (reason == CloseReason.NORMAL && inputClosed) {
            reason = CloseReason.PEER_CLOSED;
        }
        closeReason = reason;
        if (output.isEmpty()) {
            finishClose(reason);
            return;
        }
        state = State.CLOSING;
        closingSinceNanos = System.nanoTime();
        input.clear();
        if (!dispatching) {
            afterCallback();
        }
    }

    /** The output is flushed to the kernel: close, lingering unless the peer has already finished sending. */
    private void finishClose(CloseReason reason) {
        if (inputClosed) {
            closeNow(reason); // nothing more can arrive: the close sends a FIN behind the queued replies
        } else {
            linger(reason);
        }
    }

    /**
     * A graceful close while the peer may still be sending (a pipelining client, a drain): a plain close() with
     * unread bytes in the socket makes the kernel send a reset and drop the replies it has not delivered yet, so a
     * client still reading would see its last replies cut. Instead the output is shut down (a FIN follows the
     * queued replies) and what the peer sends is read and discarded until its own FIN, or {@link #LINGER_NANOS},
     * then the socket is closed: Apache's and nginx's lingering close. Counted closed with its reason at the end.
     */
    private void linger(CloseReason reason) {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            closeNow(reason); // already gone
            return;
        }
        state = State.CLOSING;
        closeReason = reason;
        lingering = true;
        closingSinceNanos = System.nanoTime();
        input.clear();
        interestOps = SelectionKey.OP_READ;
        registration.interestOps(interestOps);
        armTimeoutCheck(closingSinceNanos);
        discardUntilEnd(); // the peer may have closed already
    }

    /** While lingering: read and drop what arrived; close at the peer's FIN (or reset). */
    private void discardUntilEnd() {
        int n;
        try {
            n = input.readFrom(channel, MAX_READ_PER_EVENT);
        } catch (IOException e) {
            closeNow(closeReason);
            return;
        }
        input.clear();
        if (n > 0) {
            bytesRead += n;
            listener.addRead(n);
        } else if (n < 0) {
            closeNow(closeReason);
        }
    }

    private void fail(Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        LOG.log(Level.WARNING, "closing connection " + id + " from " + remoteAddress + " on " + loop.name()
                + ": handler failed", cause);
        closeNow(CloseReason.HANDLER_ERROR);
    }

    /** Closes the socket and resets every field of this peer; the object goes back to the loop's free list. */
    void closeNow(CloseReason reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (lingering) {
            reason = closeReason; // its business was done; the linger only waited for the peer
        }
        state = State.CLOSED;
        generation++;
        if (timeoutCheck != null) {
            timeoutCheck.cancel();
            timeoutCheck = null;
        }
        registration.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing socket", e);
        }
        try {
            config.handler().onClose(this, reason);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "onClose threw for connection " + id, t);
        }
        // No byte of this peer may reach the next one, in either direction.
        input.clear();
        output.clear();
        publishBuffered();
        listener.countClose(reason);
        owner.closed(this);
    }

    /** Forgets the closed peer; called by the owner before the object is reused. */
    void recycle() {
        attachment = null;
        channel = null;
        registration = null;
        listener = null;
        remoteAddress = null;
        interestOps = 0;
        inputClosed = false;
        draining = false;
        drainReadDone = false;
        dispatching = false;
        lingering = false;
        drainBudget = 0;
        requestInProgress = false;
        closeReason = null;
        partialSinceNanos = 0;
        writeProgressNanos = 0;
        closingSinceNanos = 0;
        bytesRead = 0;
        bytesWritten = 0;
        inputBytes = 0;
        outputBytes = 0;
        input.clear();
        output.clear();
    }

    /** The socket, for tests in this package that must close it behind the connection's back. */
    SocketChannel channel() {
        return channel;
    }

    @Override
    public String toString() {
        return "Connection[" + id + " " + remoteAddress + " on " + loop.name() + " " + state + "]";
    }

    /**
     * A connection in one life: posts work to its loop and runs it only if the connection is still that same,
     * open connection. Thread-safe; what a handler gives an executor for slow work.
     */
    public static final class Handle {

        private final Connection connection;
        private final long generation;

        private Handle(Connection connection, long generation) {
            this.connection = connection;
            this.generation = generation;
        }

        public EventBase loop() {
            return connection.loop;
        }

        /**
         * Runs {@code action} on the connection's loop if the connection is still open, then flushes. Returns
         * at once. Thread-safe.
         */
        public void execute(Consumer<Connection> action) {
            connection.loop.execute(() -> {
                Connection c = connection;
                if (c.generation != generation || c.state != State.OPEN) {
                    return; // closed or recycled: the result has nobody to go to
                }
                try {
                    action.accept(c);
                } catch (Throwable t) {
                    c.fail(t);
                    return;
                }
                c.flush();
            });
        }
    }
}
