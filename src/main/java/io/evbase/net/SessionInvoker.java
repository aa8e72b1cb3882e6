package io.evbase.net;

import io.evbase.buffer.BufferBudgetExceededException;
import io.evbase.buffer.BufferChain;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Calls one connection's {@link ConnectionSession}, one callback at a time: marks the call so that flushes asked
 * for inside it wait for its end, and turns a callback that throws into the connection's failure (closed, counted
 * {@link CloseReason#HANDLER_ERROR}; {@link CloseReason#NO_MEMORY} when the buffer pool refused a reply at its
 * budget), so that nothing a protocol throws reaches the loop. The {@link Connection}
 * decides when to call; this knows how.
 *
 * <p>Threading: the connection's loop thread only.
 */
final class SessionInvoker {

    private static final Logger LOG = Logger.getLogger(SessionInvoker.class.getName());

    /** A session callback. */
    @FunctionalInterface
    private interface Callback {
        void run() throws Exception;
    }

    private final Connection connection;
    private final Callback read;
    private ConnectionSession session;
    private boolean inCallback;
    /** The session stopped because the connection was unwritable; it is called again once it is writable. */
    private boolean stalled;
    private boolean finish;

    SessionInvoker(Connection connection) {
        this.connection = connection;
        this.read = () -> session.onRead();
    }

    /** Opens the session; false if the handler failed (the connection is closed then). */
    boolean open(ConnectionHandler handler) {
        return call(() -> session = Objects.requireNonNull(handler.open(connection), "the handler opened no session"));
    }

    /** True inside one of the session's callbacks. */
    boolean inCallback() {
        return inCallback;
    }

    /**
     * True when the session was stopped by the connection turning unwritable: it may have requests left in the
     * input, or a reply half produced (a multiget streamed as the socket drains), and is called again once the
     * connection is writable, input or not.
     */
    boolean stalled() {
        return stalled;
    }

    /** Gives the session the input (or the go-ahead to continue) if it may take requests; remembers when not. */
    void serve() {
        if (!connection.isOpen()) {
            stalled = false;
        } else if (connection.input().isEmpty() && !stalled) {
            return; // nothing to serve, nothing to continue
        } else if (!connection.isWritable()) {
            stalled = true;
        } else if (call(read)) {
            stalled = connection.isOpen() && !connection.isWritable();
        }
    }

    /** Stops serving (the connection closes). */
    void stopServing() {
        stalled = false;
    }

    /** The peer half-closed: true if the session wants to finish, false to stay open (or if it failed). */
    boolean inputClosed() {
        return call(() -> finish = session.onInputClosed()) && finish;
    }

    /** False if the session failed. */
    boolean drainBegun() {
        return call(() -> session.onDrainBegun());
    }

    void writabilityChanged(boolean writable) {
        call(() -> session.onWritabilityChanged(writable));
    }

    /**
     * Writes a settled reply into {@code out} with {@code writer}, or hands its failure to the session.
     *
     * @return false if the writer or the session failed (the connection is closed then)
     */
    <T> boolean fill(BufferChain out, T value, ReplyWriter<? super T> writer, Throwable failure) {
        return call(() -> {
            if (failure == null) {
                writer.write(value, out);
            } else {
                session.onReplyFailed(failure, out);
            }
        });
    }

    /** The connection is closed; a throw is logged, nothing more. */
    void closed(CloseReason reason) {
        if (session == null) {
            return; // the handler failed to open one
        }
        try {
            session.onClose(reason);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "onClose threw for connection " + connection.id(), t);
        }
    }

    /** Forgets the closed peer's session. */
    void reset() {
        session = null;
        inCallback = false;
        stalled = false;
        finish = false;
    }

    /** Runs {@code callback}; a throw closes the connection. Returns false if it threw. */
    private boolean call(Callback callback) {
        boolean nested = inCallback;
        inCallback = true;
        try {
            callback.run();
            return true;
        } catch (BufferBudgetExceededException e) {
            connection.outOfMemory(); // not the protocol's fault: no stack trace, a counted reason
            return false;
        } catch (Throwable t) {
            connection.fail(t);
            return false;
        } finally {
            inCallback = nested;
        }
    }
}
