/**
 * Sockets: the {@link io.evbase.net.Acceptor} that accepts and hands over, the {@link io.evbase.net.Connection}
 * each loop owns (buffers, watermarks, timeouts), the {@link io.evbase.net.ConnectionHandler} callbacks a protocol
 * implements, and the {@link io.evbase.net.Server} that assembles them. A listener with TLS
 * ({@link io.evbase.net.ListenerSpec#tls()}) reads and writes through {@code io.evbase.net.tls}. Knows nothing of
 * Spring or Micrometer.
 */
package io.evbase.net;
