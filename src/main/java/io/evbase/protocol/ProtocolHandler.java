package io.evbase.protocol;

import io.evbase.net.ConnectionHandler;

/**
 * A pluggable protocol: the {@link ConnectionHandler} callbacks a listener runs its connections with. The boot
 * module finds handlers as beans by name: a listener with {@code protocol: memcache} uses the
 * {@code ProtocolHandler} bean named {@code memcache}.
 *
 * <p>Threading: callbacks run on the connection's loop thread, several loops at once; see
 * {@link ConnectionHandler}. Slow work goes to an executor and its result comes back through
 * {@link io.evbase.net.Connection#handle()}.
 */
public interface ProtocolHandler extends ConnectionHandler {

    /** A short name for logs and introspection; by convention the bean name. */
    String protocolName();
}
