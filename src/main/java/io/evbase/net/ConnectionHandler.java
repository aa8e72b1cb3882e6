package io.evbase.net;

/**
 * What a listener runs its connections with: a factory of one {@link ConnectionSession} per connection. This is the
 * minimal contract the {@link Connection} relies on; protocols implement its documented sub-interface
 * {@code io.evbase.protocol.ProtocolHandler}, which narrows {@link #open} to the protocol's own session type.
 *
 * <p>Threading: {@link #open} runs on the new connection's loop thread, on several loops at once, so an
 * implementation keeps per-connection state in the session it returns and shares only thread-safe state;
 * {@link #tooManyConnectionsReply()} runs on the acceptor thread.
 */
public interface ConnectionHandler {

    /**
     * The connection is open and registered: returns the session that receives its callbacks from now on.
     * Throwing closes the connection ({@link CloseReason#HANDLER_ERROR}).
     */
    ConnectionSession open(Connection connection) throws Exception;

    /**
     * Bytes a client over the listener's connection limit receives before it is closed, or null to just close.
     * Called on the acceptor thread.
     */
    byte[] tooManyConnectionsReply();
}
