package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.EvbaseTestApplication;
import io.evbase.net.Server;
import io.evbase.net.tls.ListenerTls;
import io.evbase.support.SecretVolume;
import io.evbase.support.TestPki;
import io.evbase.support.TlsClients;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * TLS as a user sets it up: one PEM bundle (certificate and key from a Kubernetes-style Secret volume, reloaded on
 * update), one property on the echo and memcache listeners, a third listener requiring client certificates; real
 * clients (OpenSSL, Python, the JDK); the actuator and Prometheus views; certificate rotation and a broken update
 * without a restart.
 */
class EvbaseTlsApplicationTest {

    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    static Path dir;
    static TestPki.Issued ca;
    static TestPki.Issued first;
    static SecretVolume secret;
    static Path caFile;
    static SSLContext clientContext;
    static ConfigurableApplicationContext app;
    static Server server;
    static Http http;
    static Level tlsLogLevel;

    @BeforeAll
    static void start() throws IOException {
        ca = TestPki.authority("application test CA");
        first = ca.server("cache.example.test");
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certPem());
        secret = SecretVolume.create(Files.createDirectory(dir.resolve("secret")), Map.of("tls.crt",
                first.chainPem(), "tls.key", first.keyPem(), "ca.crt", ca.certPem()));
        clientContext = TestPki.trusting(ca.cert());
        Logger tlsLog = Logger.getLogger(ListenerTls.class.getName());
        tlsLogLevel = tlsLog.getLevel();
        tlsLog.setLevel(Level.SEVERE); // the broken update below is deliberate
        app = new SpringApplicationBuilder(EvbaseTestApplication.class).run(
                "--server.port=0",
                "--evbase.workers=2",
                // Spring Boot's own SSL meters reload the bundle too and fail loudly on the broken update below.
                "--logging.level.org.springframework.boot.autoconfigure.ssl.FileWatcher=off",
                "--spring.ssl.bundle.pem.server.keystore.certificate=file:" + secret.file("tls.crt"),
                "--spring.ssl.bundle.pem.server.keystore.private-key=file:" + secret.file("tls.key"),
                "--spring.ssl.bundle.pem.server.truststore.certificate=file:" + secret.file("ca.crt"),
                "--spring.ssl.bundle.pem.server.reload-on-update=true",
                "--spring.ssl.bundle.watch.file.quiet-period=" + QUIET.toMillis() + "ms",
                "--evbase.listeners.echo.port=0", "--evbase.listeners.echo.protocol=echo",
                "--evbase.listeners.echo.bind-address=127.0.0.1", "--evbase.listeners.echo.ssl.bundle=server",
                "--evbase.listeners.memcache.port=0", "--evbase.listeners.memcache.protocol=memcache",
                "--evbase.listeners.memcache.bind-address=127.0.0.1", "--evbase.listeners.memcache.ssl.bundle=server",
                "--evbase.listeners.mtls.port=0", "--evbase.listeners.mtls.protocol=memcache",
                "--evbase.listeners.mtls.bind-address=127.0.0.1", "--evbase.listeners.mtls.ssl.bundle=server",
                "--evbase.listeners.mtls.ssl.client-auth=need");
        server = app.getBean(Server.class);
        http = new Http(Integer.parseInt(app.getEnvironment().getProperty("local.server.port")));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        Logger.getLogger(ListenerTls.class.getName()).setLevel(tlsLogLevel);
    }

    private static int port(String listener) {
        return server.listener(listener).port();
    }

    private static SSLSocket connect(int port) throws IOException {
        SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    private static BigInteger serialOf(SSLSocket s) throws IOException {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static void echoes(SSLSocket s, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(b);
        byte[] back = new byte[b.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo(text);
    }

    @Test
    void opensslGetsEchoesAndPythonGetsVersion() {
        TlsClients.Outcome echo = TlsClients.openssl(port("echo"), caFile, List.of(), "hello\n", "hello",
                Duration.ofSeconds(30));
        assertThat(echo.stdout()).as(echo.stderr()).contains("hello");
        TlsClients.Outcome version = TlsClients.openssl(port("memcache"), caFile, List.of(), "version\r\n",
                "VERSION ", Duration.ofSeconds(30));
        assertThat(version.stdout()).as(version.stderr()).startsWith("VERSION ");
        TlsClients.Outcome py = TlsClients.python(port("memcache"), caFile, List.of("--send",
                "set k 0 0 2\\r\\nhi\\r\\nget k\\r\\nversion\\r\\n", "--expect", "8"), Duration.ofSeconds(30));
        assertThat(py.exitCode()).as(py.stderr()).isZero();
        assertThat(py.stdout()).contains("STORED\\r\\n");
        TlsClients.Outcome all = TlsClients.python(port("memcache"), caFile, List.of("--send", "version\\r\\n",
                "--expect", "9"), Duration.ofSeconds(30));
        assertThat(all.stdout()).contains("\"received\": \"VERSION ");
    }

    @Test
    void clientCertificateIsRequiredWhereTheListenerNeedsIt() throws IOException {
        TlsClients.Outcome without = TlsClients.python(port("mtls"), caFile, List.of("--send", "version\\r\\n"),
                Duration.ofSeconds(30));
        assertThat(without.exitCode()).as("refused: " + without.stdout()).isEqualTo(2);
        Path cert = dir.resolve("client.crt");
        Path key = dir.resolve("client.key");
        ca.client("reporting-job").writePem(cert, key);
        TlsClients.Outcome with = TlsClients.python(port("mtls"), caFile, List.of("--cert", cert.toString(), "--key",
                key.toString(), "--send", "version\\r\\n", "--expect", "9"), Duration.ofSeconds(30));
        assertThat(with.exitCode()).as(with.stderr()).isZero();
        assertThat(with.stdout()).contains("\"received\": \"VERSION ");
        String health = http.body("/actuator/health/tls");
        assertThat(health).contains("\"mtls\"").contains("\"clientAuth\":\"need\"");
    }

    @Test
    void listenersAndConnectionsShowTheirTlsAndPrometheusHasTheMeters() throws IOException {
        try (SSLSocket s = connect(port("echo"))) {
            echoes(s, "x");
            String reactor = http.body("/actuator/reactor/listeners/echo");
            assertThat(reactor).contains("\"tls\":{").contains("\"source\":\"bundle server\"")
                    .contains("\"clientAuth\":\"none\"").containsPattern("\"handshakes\":[1-9]");
            String conns = http.body("/actuator/reactor/connections?size=100");
            assertThat(conns).contains("\"tls\":\"TLSv1.3\"");
        }
        String prometheus = http.body("/actuator/prometheus");
        assertThat(prometheus).containsPattern("evbase_tls_handshakes_total\\{listener=\"echo\"} [1-9]")
                .contains("evbase_tls_handshakes_failed_total{listener=\"echo\",reason=\"plaintext\"}")
                .contains("evbase_tls_certificate_expiry_seconds{listener=\"echo\"}")
                .contains("evbase_tls_handshake_duration_seconds_count{listener=\"echo\"}")
                .contains("evbase_tls_reload_failures_total{listener=\"memcache\"}");
        await().untilAsserted(() -> assertThat(http.body("/actuator/prometheus"))
                .contains("evbase_tls_handshakes_protocol_total{listener=\"echo\",protocol=\"TLSv1.3\"}"));
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        for (EvbaseMeters meter : EvbaseMeters.values()) {
            if (meter.tlsOnly()) {
                assertThat(registry.find(meter.getName()).tags("listener", "echo").meters()).as("%s", meter)
                        .isNotEmpty();
            }
        }
    }

    @Test
    void rotationReachesNewConnectionsOpenOnesContinueABrokenUpdateKeepsTheLastGood() throws Exception {
        try (SSLSocket old = connect(port("echo"))) {
            BigInteger before = serialOf(old);
            echoes(old, "before");
            TestPki.Issued next = ca.server("cache.example.test");
            long changed = System.nanoTime();
            secret.update(Map.of("tls.crt", next.chainPem(), "tls.key", next.keyPem(), "ca.crt", ca.certPem()));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                try (SSLSocket s = connect(port("echo"))) {
                    return serialOf(s).equals(next.serial());
                }
            });
            long ms = (System.nanoTime() - changed) / 1_000_000;
            System.out.println("FIGURE tls rotation: a new connection got the new certificate " + ms
                    + " ms after the Secret update (quiet period " + QUIET.toMillis() + " ms)");
            assertThat(before).isNotEqualTo(next.serial());
            echoes(old, "after rotation"); // the open connection keeps its session
            assertThat(serialOf(old)).isEqualTo(before);

            secret.update(Map.of("tls.crt", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
                    "tls.key", next.keyPem(), "ca.crt", ca.certPem()));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http.body("/actuator/health/tls"))
                    .contains("\"reloadFailure\""));
            assertThat(http.body("/actuator/prometheus"))
                    .containsPattern("evbase_tls_reload_failures_total\\{listener=\"echo\"} [1-9]");
            try (SSLSocket s = connect(port("echo"))) {
                assertThat(serialOf(s)).as("the last good certificate").isEqualTo(next.serial());
                echoes(s, "still served");
            }
            assertThat(http.body("/actuator/health/tls")).contains("\"status\":\"UP\"");
        }
    }
}
