package io.evbase.net;

import java.time.Duration;

/**
 * A connection as seen at one moment, for introspection (memcached's {@code stats conns}).
 *
 * <p>Threading: immutable; any thread.
 *
 * @param id          the connection's id
 * @param listener    the listener that accepted it
 * @param loop        the loop that owns it
 * @param remoteAddress the peer, {@code host:port}
 * @param age         time since accept
 * @param idle        time since the last byte moved
 * @param state       {@code open}, {@code draining}, {@code flushing} or {@code lingering} ({@link ConnectionState})
 * @param inputBytes  bytes read and not yet consumed
 * @param outputBytes bytes queued for the peer, those held behind a pending reply included
 * @param bytesRead   bytes read over its life
 * @param bytesWritten bytes written over its life (on a TLS listener, ciphertext: what crossed the socket)
 * @param tls         the negotiated TLS protocol (e.g. {@code TLSv1.3}); empty on a plaintext listener and while the
 *                    handshake runs
 * @param peerSubject the subject of the client's certificate (TLS with client authentication), or empty
 */
public record ConnectionInfo(long id, String listener, int loop, String remoteAddress, Duration age, Duration idle,
        String state, long inputBytes, long outputBytes, long bytesRead, long bytesWritten, String tls,
        String peerSubject) {
}
