package io.evbase.bench;

import io.evbase.support.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a throw-away certificate authority and a server certificate for {@code localhost} / {@code 127.0.0.1}
 * (EC P-256, valid a day) as PEM files for the TLS benchmarks: {@code ca.pem}, {@code server.crt} (with the
 * authority after it), {@code server.key} (PKCS#8). Usage: {@code TlsCerts DIR}.
 */
public final class TlsCerts {

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        TestPki.Issued ca = TestPki.authority("evbase bench CA");
        Files.writeString(dir.resolve("ca.pem"), ca.certPem());
        ca.server("localhost").writePem(dir.resolve("server.crt"), dir.resolve("server.key"));
        System.out.println("wrote " + dir.resolve("ca.pem") + ", server.crt, server.key");
    }
}
