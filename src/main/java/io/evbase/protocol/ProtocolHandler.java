package io.evbase.protocol;

import io.evbase.net.Connection;
import io.evbase.net.ConnectionHandler;

/**
 * A pluggable protocol: opens a {@link Session} of the protocol's own type for every connection of the listeners
 * that use it. The boot module finds handlers as beans by name: a listener with {@code protocol: kv} uses the
 * {@code ProtocolHandler} bean named {@code kv}.
 *
 * <pre>{@code
 * @Bean
 * ProtocolHandler<KvSession> kv() {
 *     return connection -> new KvSession(connection);
 * }
 * }</pre>
 *
 * <p>The handler holds what all connections share (a store, settings); everything per connection lives in the
 * session, which the connection hands back to no one else: no casts, no attachment lookups.
 *
 * <p>Threading: {@link #open} runs on the new connection's loop thread, on several loops at once; shared state must
 * be thread-safe. {@link #tooManyConnectionsReply()} runs on the acceptor thread.
 *
 * @param <S> the protocol's session type
 */
@FunctionalInterface
public interface ProtocolHandler<S extends Session> extends ConnectionHandler {

    /**
     * The connection is open and registered: returns its session, which gets the connection's callbacks from now
     * on. Set up per-connection state here; the session usually keeps {@code connection} for its callbacks.
     * Throwing closes the connection (counted {@code handler_error}).
     */
    @Override
    S open(Connection connection) throws Exception;

    /**
     * Bytes a client over the listener's {@code max-connections} receives before it is closed (memcache answers
     * {@code ERROR Too many open connections}), or null (the default) to just close. Called on the acceptor thread;
     * a throw costs the refused client its refusal, nothing else.
     */
    @Override
    default byte[] tooManyConnectionsReply() {
        return null;
    }
}
