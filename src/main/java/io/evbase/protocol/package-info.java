/**
 * Writing a protocol: the {@link io.evbase.protocol.ProtocolHandler} a listener names, the per-connection
 * {@link io.evbase.protocol.Session} with its callbacks, and framing helpers; one sub-package per built-in protocol
 * ({@code echo}, {@code memcache}). Parsers are explicit state machines over the input chain, testable without
 * sockets. No Spring here.
 *
 * <h2>Why the interfaces come in pairs</h2>
 * The connection ({@code io.evbase.net}) must call the protocol, and protocols use the connection; to keep the
 * packages layered ({@code protocol} depends on {@code net}, never the reverse), {@code net} declares the minimal
 * contract it calls, {@link io.evbase.net.ConnectionHandler} and {@link io.evbase.net.ConnectionSession}, without
 * defaults. This package re-declares them as the interfaces users implement, {@code ProtocolHandler<S>} (narrowing
 * {@code open} to the protocol's own session type {@code S}) and {@code Session} (a default for every callback but
 * {@code onRead}, and the documentation of each). Implement these two; the {@code net} ones are the wiring.
 *
 * <h2>Threading</h2>
 * A session's callbacks run on its connection's loop thread, one at a time, and must not block; blocking work goes
 * to {@link io.evbase.net.Connection#replyBlocking}, whose reply comes back in request order.
 */
package io.evbase.protocol;
