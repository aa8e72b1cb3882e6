package io.evbase.net.tls;

import java.util.Locale;

/**
 * Why a TLS handshake failed, or why an established TLS connection was cut; a meter tag ({@link #tag()}).
 *
 * <p>Threading: immutable; any thread.
 */
public enum TlsFailure {
    /** The handshake did not finish within the listener's handshake timeout. */
    TIMEOUT,
    /**
     * The peers could not agree or a message was malformed: no common protocol or cipher suite, a bad record, an
     * unexpected message, a failed integrity check.
     */
    PROTOCOL,
    /**
     * A certificate was refused: the client sent none where one is required, the client's is not trusted, or the
     * client refused the server's (an alert such as {@code certificate_unknown}, {@code bad_certificate},
     * {@code certificate_expired}, {@code unknown_ca}).
     */
    CERTIFICATE,
    /** The first bytes were not a TLS record: a plaintext client (a memcache or HTTP request) on a TLS port. */
    PLAINTEXT,
    /** The peer closed or reset the connection before the handshake finished (a TCP probe, a client giving up). */
    CLOSED,
    /** The peer asked for a new handshake on an established TLS 1.2 connection; renegotiation is refused. */
    RENEGOTIATION,
    /** The server could not go on: a delegated task failed or could not be run (shutdown). */
    INTERNAL;

    /** Lower-case tag value, e.g. {@code plaintext}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
