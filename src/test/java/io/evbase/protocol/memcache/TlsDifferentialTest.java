package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.evbase.net.tls.ClientAuth;
import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsIdentity;
import io.evbase.support.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential corpus of {@link DifferentialTest}, over TLS: memcached 1.6 started with {@code -Z} (Debian's
 * build has TLS) and evbase's memcache listener with TLS, the same certificate, the same requests through a JDK
 * {@link SSLSocket}, the same normaliser. Every case whole; the cases marked for it also dribbled one byte per
 * write, that is one TLS record per byte.
 */
class TlsDifferentialTest {

    @TempDir
    static Path dir;
    private static RealMemcached memcached;
    private static MemcacheTestServer evbase;
    private static SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        TestPki.Issued ca = TestPki.authority("differential CA");
        TestPki.Issued server = ca.server("localhost");
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        server.writePem(cert, key);
        Files.writeString(dir.resolve("ca.pem"), ca.certPem());
        memcached = RealMemcached.start(64, "-Z", "-o", "ssl_chain_cert=" + cert + ",ssl_key=" + key);
        evbase = new MemcacheTestServer(new ListenerTls("memcache", new TlsIdentity("test", server.context(),
                List.of(), List.of(), server.cert()), ClientAuth.NONE, Duration.ofSeconds(10)));
        client = TestPki.trusting(ca.cert());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (memcached != null) {
                memcached.close();
            }
        } finally {
            if (evbase != null) {
                evbase.close();
            }
        }
    }

    private static WireClient tls(int port) throws IOException {
        SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return new WireClient(s);
    }

    private static void compare(DifferentialTest.Case c, DifferentialTest.Mode mode) throws Exception {
        String expected = DifferentialTest.run(TlsDifferentialTest::tls, memcached.port, c, mode, -1);
        String actual = DifferentialTest.run(TlsDifferentialTest::tls, evbase.port(), c, mode, -1);
        assertEquals(DifferentialTest.visible(expected), DifferentialTest.visible(actual), c.name + " (" + mode
                + " over TLS)");
    }

    @TestFactory
    Stream<DynamicTest> differentialOverTls() {
        DifferentialTest.defineCases();
        List<DynamicTest> tests = new ArrayList<>();
        for (DifferentialTest.Case c : List.copyOf(DifferentialTest.CASES)) {
            tests.add(DynamicTest.dynamicTest(c.name + " [whole, TLS]", () -> compare(c, DifferentialTest.Mode.WHOLE)));
            if (c.everySplit) {
                tests.add(DynamicTest.dynamicTest(c.name + " [dribble, TLS]",
                        () -> compare(c, DifferentialTest.Mode.DRIBBLE)));
            }
        }
        return tests.stream();
    }
}
