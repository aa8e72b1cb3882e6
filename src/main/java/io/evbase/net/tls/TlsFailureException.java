package io.evbase.net.tls;

import java.io.IOException;

/**
 * A TLS connection cannot go on: its handshake failed or timed out, the peer spoke plaintext, asked to renegotiate
 * or sent a broken record. The alert (if any) is queued; the owner closes.
 *
 * <p>Threading: an immutable value.
 */
public final class TlsFailureException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient TlsFailure reason;

    public TlsFailureException(TlsFailure reason, Throwable cause) {
        super("TLS " + reason.tag() + (cause == null ? "" : ": " + cause.getMessage()), cause);
        this.reason = reason;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an expected outcome, thrown per failed connection: the cause has the engine's stack
    }

    public TlsFailure reason() {
        return reason;
    }
}
