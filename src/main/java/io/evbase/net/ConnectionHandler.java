package io.evbase.net;

/**
 * The callbacks a {@link Connection} makes into its protocol, bufferevent's read, write and event callbacks.
 * One instance serves every connection of a listener, on every loop, so it keeps per-connection state in
 * {@link Connection#attach(Object)}, not in fields.
 *
 * <p>Threading: every callback runs on the connection's loop thread; an implementation must be safe to call from
 * several loops at once (stateless, or thread-safe shared state) and must never block.
 */
public interface ConnectionHandler {

    /** The connection is open and registered; set up per-connection state here. */
    default void onOpen(Connection connection) throws Exception {
    }

    /**
     * New bytes arrived in {@link Connection#input()}. Consume every complete request, leave a partial one in the
     * input (the next read continues it) and write replies to {@link Connection#output()}; the connection flushes
     * after the callback returns, so replies to pipelined requests go out in one write. Stop consuming while
     * {@link Connection#isWritable()} is false: the connection calls back again once the peer catches up.
     */
    void onRead(Connection connection) throws Exception;

    /** The output crossed its high watermark ({@code false}) or drained below the low one ({@code true}). */
    default void onWritabilityChanged(Connection connection, boolean writable) throws Exception {
    }

    /**
     * The peer closed its sending side (half-close); what it sent before is already handed to {@link #onRead}.
     * By default the connection closes once its output is flushed.
     */
    default void onInputClosed(Connection connection) throws Exception {
        connection.close();
    }

    /** The connection is closed; its buffers are released after this returns. Must not throw. */
    default void onClose(Connection connection, CloseReason reason) {
    }

    /**
     * Bytes a client over the listener's connection limit receives before it is closed, or null to just close.
     * Called on the acceptor thread.
     */
    default byte[] tooManyConnectionsReply() {
        return null;
    }
}
