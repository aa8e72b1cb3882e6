package io.evbase.net.tls;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * What a TLS listener presents, as loaded at one moment: the SSL context (its key and trust material), the
 * protocols and cipher suites to enable, and the certificate it serves, for display. A reload replaces the whole
 * value at once, so a connection sees one identity or the other, never a mix.
 *
 * <p>Threading: immutable; any thread.
 *
 * @param source      where it came from, for logs (e.g. {@code bundle server})
 * @param context     makes the engines
 * @param protocols   protocols to enable, or empty for the JDK's defaults
 * @param ciphers     cipher suites to enable, or empty for the JDK's defaults
 * @param certificate the certificate presented to clients (the first of the key's chain), or null if unknown
 */
public record TlsIdentity(String source, SSLContext context, List<String> protocols, List<String> ciphers,
        X509Certificate certificate) {

    public TlsIdentity {
        Objects.requireNonNull(context, "context");
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        ciphers = ciphers == null ? List.of() : List.copyOf(ciphers);
    }

    /** The certificate's subject, e.g. {@code CN=cache.example.com}, or empty. */
    public String subject() {
        return certificate == null ? "" : certificate.getSubjectX500Principal().getName();
    }

    /** The certificate's serial number, or null. */
    public BigInteger serial() {
        return certificate == null ? null : certificate.getSerialNumber();
    }

    /** When the certificate expires, or null. */
    public Instant notAfter() {
        return certificate == null ? null : certificate.getNotAfter().toInstant();
    }
}
