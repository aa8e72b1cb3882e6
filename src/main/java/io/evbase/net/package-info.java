/**
 * Sockets: the {@link io.evbase.net.Acceptor} that accepts and hands over, the {@link io.evbase.net.Connection}
 * each loop owns (buffers, watermarks, timeouts, replies in request order; its socket side in
 * {@code ConnectionSocket}, its deadlines in {@code ConnectionTimeouts}, the calls into its session in
 * {@code SessionInvoker}), and the {@link io.evbase.net.Server} that assembles them.
 *
 * <p>{@link io.evbase.net.ConnectionHandler} and {@link io.evbase.net.ConnectionSession} are the minimal contract a
 * connection calls; protocols implement their documented sub-interfaces in {@code io.evbase.protocol}
 * ({@code ProtocolHandler}, {@code Session}), so that this package never depends on that one. Other threads reach a
 * connection through {@link io.evbase.net.ConnectionHandle} and {@link io.evbase.net.Reply}; blocking work runs on
 * the executors of {@link io.evbase.net.BlockingExecutors}. A listener with TLS ({@link io.evbase.net.ListenerSpec#tls()})
 * reads and writes through {@code io.evbase.net.tls}. Knows nothing of Spring or Micrometer.
 */
package io.evbase.net;
