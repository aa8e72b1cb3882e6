package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.evbase.net.tls.ClientAuth;
import io.evbase.net.tls.ListenerTls;
import io.evbase.support.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A listener's TLS follows its SSL bundle's files through Spring Boot's own watcher: a replaced certificate reaches
 * new engines, a broken one leaves the last good one and is reported, and a Kubernetes Secret update (the
 * {@code ..data} symlink swap) is seen.
 */
class EvbaseTlsReloadTest {

    @TempDir
    Path dir;
    TestPki.Issued ca;
    private final Logger tlsLog = Logger.getLogger(ListenerTls.class.getName());
    private Level level;

    @BeforeEach
    void quiet() {
        ca = TestPki.authority("reload CA");
        level = tlsLog.getLevel();
        tlsLog.setLevel(Level.SEVERE); // the reload failures below are deliberate
    }

    @AfterEach
    void restore() {
        tlsLog.setLevel(level);
    }

    private ApplicationContextRunner runner(Path cert, Path key) {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withPropertyValues("spring.ssl.bundle.pem.server.keystore.certificate=file:" + cert,
                        "spring.ssl.bundle.pem.server.keystore.private-key=file:" + key,
                        "spring.ssl.bundle.pem.server.reload-on-update=true",
                        "spring.ssl.bundle.pem.server.options.enabled-protocols=TLSv1.3,TLSv1.2",
                        "spring.ssl.bundle.watch.file.quiet-period=100ms");
    }

    private static EvbaseProperties.Ssl ssl(String bundle) {
        EvbaseProperties.Ssl ssl = new EvbaseProperties.Ssl();
        ssl.setBundle(bundle);
        ssl.setClientAuth(ClientAuth.WANT);
        ssl.setHandshakeTimeout(Duration.ofSeconds(3));
        return ssl;
    }

    /** Replaces a file the way editors and cert-manager's tools do: a new file moved over the old one. */
    private static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void replacedFilesReachNewEnginesAndABrokenOneKeepsTheLastGood() throws IOException {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestPki.Issued first = ca.server("first");
        first.writePem(cert, key);
        runner(cert, key).run(context -> {
            ListenerTls tls = EvbaseTls.create("echo", ssl("server"), context.getBean(SslBundles.class));
            assertThat(tls.identity().serial()).isEqualTo(first.serial());
            assertThat(tls.identity().subject()).isEqualTo("CN=first");
            assertThat(tls.identity().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
            assertThat(tls.clientAuth()).isEqualTo(ClientAuth.WANT);
            assertThat(tls.secondsToExpiry()).isBetween(3600.0 * 22, 3600.0 * 24);

            TestPki.Issued second = ca.server("second");
            replace(key, second.keyPem());
            replace(cert, second.chainPem());
            await().atMost(Duration.ofSeconds(20)).until(() -> second.serial().equals(tls.identity().serial()));
            assertThat(tls.reloads()).isPositive();
            assertThat(tls.newEngine(null).getWantClientAuth()).isTrue();

            long failures = tls.reloadFailures();
            replace(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> tls.reloadFailures() > failures);
            assertThat(tls.identity().serial()).as("the last good certificate stays").isEqualTo(second.serial());
            assertThat(tls.lastReloadFailure().message()).contains("bundle server");

            TestPki.Issued third = ca.server("third");
            replace(cert, third.chainPem());
            replace(key, third.keyPem());
            await().atMost(Duration.ofSeconds(20)).until(() -> third.serial().equals(tls.identity().serial()));
            assertThat(tls.lastReloadFailure()).as("cleared by the next good reload").isNull();

            long before = tls.reloadFailures();
            replace(key, ca.server("fourth").keyPem()); // a key without its certificate
            await().atMost(Duration.ofSeconds(20)).until(() -> tls.reloadFailures() > before);
            assertThat(tls.lastReloadFailure().message()).contains("does not match the certificate CN=third");
            assertThat(tls.identity().serial()).isEqualTo(third.serial());
        });
    }

    @Test
    void kubernetesSecretUpdateIsSeen() throws IOException {
        // A Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>; an update writes a new timestamped
        // directory and renames a new ..data link over the old one.
        TestPki.Issued first = ca.server("first");
        Path v1 = Files.createDirectory(dir.resolve("..2026_01_01_00_00_00.1"));
        first.writePem(v1.resolve("tls.crt"), v1.resolve("tls.key"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        runner(dir.resolve("tls.crt"), dir.resolve("tls.key")).run(context -> {
            ListenerTls tls = EvbaseTls.create("echo", ssl("server"), context.getBean(SslBundles.class));
            assertThat(tls.identity().serial()).isEqualTo(first.serial());
            TestPki.Issued second = ca.server("second");
            Path v2 = Files.createDirectory(dir.resolve("..2026_01_02_00_00_00.2"));
            second.writePem(v2.resolve("tls.crt"), v2.resolve("tls.key"));
            Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            Files.delete(v1.resolve("tls.crt"));
            Files.delete(v1.resolve("tls.key"));
            Files.delete(v1);
            await().atMost(Duration.ofSeconds(20)).until(() -> second.serial().equals(tls.identity().serial()));
        });
    }

    @Test
    void unknownBundleFailsWithOneClearLine() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .run(context -> assertThatThrownBy(
                        () -> EvbaseTls.create("echo", ssl("nope"), context.getBean(SslBundles.class)))
                        .hasMessage("evbase.listeners.echo.ssl.bundle=nope names no SSL bundle: define "
                                + "spring.ssl.bundle.pem.nope (or spring.ssl.bundle.jks.nope)"));
    }
}
