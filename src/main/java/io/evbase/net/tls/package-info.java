/**
 * TLS for listeners: the JDK's {@link javax.net.ssl.SSLEngine} between a connection's socket and its plaintext
 * buffers. {@link io.evbase.net.tls.TlsCodec} is the record layer (handshake, records split anywhere, close_notify,
 * renegotiation refused, delegated tasks off the loop); {@link io.evbase.net.tls.TlsTransport} is what a connection
 * reads and writes through; {@link io.evbase.net.tls.ListenerTls} is a listener's identity (swapped whole on a
 * certificate reload), client authentication, handshake timeout and {@link io.evbase.net.tls.TlsStats counters}.
 * Knows nothing of Spring (the boot module turns SSL bundles into {@link io.evbase.net.tls.TlsIdentity}s) or
 * Micrometer (it binds the counters).
 *
 * <p>Threading: a codec and a transport belong to one connection's loop thread; the task executor's threads run
 * only the engine's delegated tasks and hand back through a callback; {@link io.evbase.net.tls.ListenerTls} and
 * {@link io.evbase.net.tls.TlsStats} are thread-safe.
 */
package io.evbase.net.tls;
