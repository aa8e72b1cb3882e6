package io.evbase.net.tls;

/**
 * Whether a TLS listener asks its clients for a certificate, as Spring Boot's {@code server.ssl.client-auth}.
 *
 * <p>Threading: immutable; any thread.
 */
public enum ClientAuth {
    /** No certificate is asked for. */
    NONE,
    /** A certificate is asked for; a client without one is still served (its subject is then unknown). */
    WANT,
    /** A certificate signed by an authority the listener trusts is required; a client without one is refused. */
    NEED
}
