package io.evbase.boot;

import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsIdentity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * A listener's TLS from a Spring Boot SSL bundle: the bundle's SSL context, its protocols and ciphers
 * ({@code spring.ssl.bundle.*.<name>.options}) and the certificate of its key, kept current through
 * {@link SslBundles#addBundleUpdateHandler}: with the bundle's {@code reload-on-update: true}, Spring Boot watches
 * its files (a Kubernetes Secret's {@code ..data} symlink swap included) and, after its quiet period
 * ({@code spring.ssl.bundle.watch.file.quiet-period}), hands over the reloaded bundle. A reloaded bundle that
 * cannot be used (a truncated key, a certificate that does not parse) leaves the last good identity in place and is
 * reported ({@link ListenerTls#updateFailed}).
 *
 * <p>Threading: {@link #create} on the thread that builds the server; the update handler on Spring Boot's file
 * watcher thread.
 */
final class EvbaseTls {

    private EvbaseTls() {
    }

    /** The TLS of listener {@code listener} from its {@code ssl} properties, subscribed to the bundle's reloads. */
    static ListenerTls create(String listener, EvbaseProperties.Ssl ssl, SslBundles bundles) {
        String name = ssl.getBundle();
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(name);
        } catch (NoSuchSslBundleException e) {
            throw new IllegalStateException("evbase.listeners." + listener + ".ssl.bundle=" + name
                    + " names no SSL bundle: define spring.ssl.bundle.pem." + name + " (or spring.ssl.bundle.jks."
                    + name + ")", e);
        }
        TlsIdentity identity;
        try {
            identity = identity(name, bundle);
        } catch (RuntimeException e) {
            throw new IllegalStateException("evbase.listeners." + listener + ": SSL bundle " + name
                    + " cannot be used: " + e.getMessage(), e);
        }
        ListenerTls tls = new ListenerTls(listener, identity, ssl.getClientAuth(), ssl.getHandshakeTimeout());
        bundles.addBundleUpdateHandler(name, updated -> reload(tls, name, updated));
        return tls;
    }

    /** Applies a reloaded bundle, or reports why it cannot be applied. */
    static void reload(ListenerTls tls, String name, SslBundle updated) {
        try {
            tls.update(identity(name, updated));
        } catch (RuntimeException e) {
            tls.updateFailed("bundle " + name, e);
        }
    }

    /**
     * Loads the bundle's stores now: a broken file fails here, not at a client's handshake. A private key that
     * does not match its certificate (a key replaced before its certificate, read between the two) fails too.
     */
    static TlsIdentity identity(String name, SslBundle bundle) {
        SSLContext context = bundle.createSslContext();
        SslOptions options = bundle.getOptions();
        X509Certificate certificate = certificate(bundle);
        checkKeyMatches(bundle, certificate);
        return new TlsIdentity("bundle " + name, context, list(options.getEnabledProtocols()),
                list(options.getCiphers()), certificate);
    }

    /** Signs with the bundle's private key and verifies with the certificate's public key. */
    private static void checkKeyMatches(SslBundle bundle, X509Certificate certificate) {
        if (certificate == null) {
            return;
        }
        try {
            KeyStore ks = bundle.getStores().getKeyStore();
            String alias = aliasOf(bundle, ks);
            String password = bundle.getKey().getPassword() != null ? bundle.getKey().getPassword()
                    : bundle.getStores().getKeyStorePassword();
            Key key = ks.getKey(alias, password == null ? new char[0] : password.toCharArray());
            String algorithm = switch (key == null ? "" : key.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                default -> null; // an algorithm this check does not know: the handshake will tell
            };
            if (algorithm == null || !(key instanceof PrivateKey privateKey)) {
                return;
            }
            byte[] probe = "evbase key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalStateException("the private key does not match the certificate "
                        + certificate.getSubjectX500Principal().getName());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the private key does not match the certificate "
                    + certificate.getSubjectX500Principal().getName() + ": " + e.getMessage(), e);
        }
    }

    private static List<String> list(String[] values) {
        return values == null ? List.of() : Arrays.asList(values);
    }

    /** The certificate of the bundle's key (its alias, or the key store's first key entry). */
    private static X509Certificate certificate(SslBundle bundle) {
        KeyStore ks = bundle.getStores().getKeyStore();
        if (ks == null) {
            return null;
        }
        try {
            String alias = aliasOf(bundle, ks);
            Certificate c = alias == null ? null : ks.getCertificate(alias);
            return c instanceof X509Certificate x ? x : null;
        } catch (KeyStoreException e) {
            throw new IllegalStateException("reading the bundle's key store: " + e.getMessage(), e);
        }
    }

    /** The bundle's key alias, or the key store's first key entry. */
    private static String aliasOf(SslBundle bundle, KeyStore ks) throws KeyStoreException {
        String alias = bundle.getKey().getAlias();
        if (alias == null) {
            for (String a : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(a)) {
                    return a;
                }
            }
        }
        return alias;
    }
}
