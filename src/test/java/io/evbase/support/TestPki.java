package io.evbase.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time (BouncyCastle): a certificate authority and the server and client certificates it
 * signs, EC P-256 keys, written as PEM where a test needs files. Nothing of it is committed; every run has its own.
 *
 * <p>Server certificates name {@code localhost} and {@code 127.0.0.1}, so clients that check host names (Python's
 * default context) accept them when they trust the authority.
 *
 * <p>Threading: immutable values; the serial counter is thread-safe.
 */
public final class TestPki {

    private static final AtomicLong SERIALS = new AtomicLong(1000 + new SecureRandom().nextInt(1_000_000));

    private TestPki() {
    }

    /** A key pair with its certificate and the certificate that signed it (itself for an authority). */
    public record Issued(KeyPair keys, X509Certificate cert, X509Certificate issuer) {

        public BigInteger serial() {
            return cert.getSerialNumber();
        }

        /** Signs a server certificate for {@code localhost} valid from an hour ago for a day. */
        public Issued server(String cn) {
            return issue(cn, Kind.SERVER, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
        }

        /** Signs a client certificate valid from an hour ago for a day. */
        public Issued client(String cn) {
            return issue(cn, Kind.CLIENT, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
        }

        /** Signs a certificate valid between the two instants (in the past for an expired one). */
        public Issued issue(String cn, Kind kind, Instant notBefore, Instant notAfter) {
            return TestPki.issue(this, cn, kind, notBefore, notAfter);
        }

        /** The certificate (and, for a leaf, its issuer after it) in PEM. */
        public String chainPem() {
            return cert.equals(issuer) ? pem("CERTIFICATE", encoded(cert)) : pem("CERTIFICATE", encoded(cert))
                    + pem("CERTIFICATE", encoded(issuer));
        }

        public String certPem() {
            return pem("CERTIFICATE", encoded(cert));
        }

        /** The private key in PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
        public String keyPem() {
            return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }

        /** Writes the chain and the key as PEM files (replacing what is there). */
        public void writePem(Path certFile, Path keyFile) {
            try {
                Files.writeString(certFile, chainPem(), StandardCharsets.US_ASCII);
                Files.writeString(keyFile, keyPem(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A PKCS#12 key store with the key and chain under alias {@code key}. */
        public KeyStore keyStore(char[] password) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                X509Certificate[] chain = cert.equals(issuer) ? new X509Certificate[] {cert}
                        : new X509Certificate[] {cert, issuer};
                ks.setKeyEntry("key", keys.getPrivate(), password, chain);
                return ks;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A server (or client) context presenting this certificate and trusting {@code trusted}. */
        public SSLContext context(X509Certificate... trusted) {
            return TestPki.context(this, trusted);
        }
    }

    /** What a certificate is for. */
    public enum Kind { AUTHORITY, SERVER, CLIENT }

    /** A new self-signed certificate authority. */
    public static Issued authority(String cn) {
        KeyPair keys = ecKeys();
        Instant now = Instant.now();
        X509Certificate cert = build(new X500Name("CN=" + cn), keys, new X500Name("CN=" + cn), keys,
                Kind.AUTHORITY, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
        return new Issued(keys, cert, cert);
    }

    /** A context that trusts {@code trusted} and presents no certificate (a client). */
    public static SSLContext trusting(X509Certificate... trusted) {
        return context(null, trusted);
    }

    private static SSLContext context(Issued identity, X509Certificate... trusted) {
        try {
            KeyManagerFactory kmf = null;
            if (identity != null) {
                char[] password = "test".toCharArray();
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(identity.keyStore(password), password);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < trusted.length; i++) {
                ts.setCertificateEntry("trusted-" + i, trusted[i]);
            }
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Issued issue(Issued ca, String cn, Kind kind, Instant notBefore, Instant notAfter) {
        KeyPair keys = ecKeys();
        X509Certificate cert = build(new X500Name("CN=" + cn), keys,
                X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded()), ca.keys(), kind, notBefore,
                notAfter);
        return new Issued(keys, cert, ca.cert());
    }

    private static X509Certificate build(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
            Kind kind, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKeys.getPublic());
            if (kind == Kind.AUTHORITY) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        kind == Kind.SERVER ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
                if (kind == Kind.SERVER) {
                    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
                }
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
