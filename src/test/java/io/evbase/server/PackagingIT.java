package io.evbase.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two jars {@code ./mvnw package} leaves (failsafe runs this after the package phase): the plain library jar,
 * the artifact {@code ./mvnw install} installs as {@code io.evbase:evbase}, and the runnable server at
 * {@code target/evbase.jar}, started as the README starts it.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class PackagingIT {

    private static final Path LIBRARY = Path.of(System.getProperty("evbase.library.jar", "target/missing.jar"));
    private static final Path SERVER = Path.of(System.getProperty("evbase.server.jar", "target/evbase.jar"));

    @Test
    void theLibraryJarHasClassesAtTheRootItsAutoConfigurationAndNoApplicationConfiguration() throws IOException {
        assertThat(LIBRARY).isRegularFile();
        try (JarFile jar = new JarFile(LIBRARY.toFile())) {
            List<String> names = Collections.list(jar.entries()).stream().map(ZipEntry::getName).toList();
            assertThat(names).contains("io/evbase/boot/EvbaseAutoConfiguration.class",
                    "io/evbase/loop/EventBase.class", "META-INF/spring-configuration-metadata.json");
            assertThat(names).noneMatch(n -> n.startsWith("BOOT-INF/") || n.startsWith("lib/"));
            assertThat(names).noneMatch(n -> n.matches("(.*/)?application(-[^/]*)?\\.(yml|yaml|properties)"));
            String imports = text(jar, "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports");
            assertThat(imports.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList())
                    .containsExactlyInAnyOrder("io.evbase.boot.EvbaseAutoConfiguration",
                            "io.evbase.boot.EvbaseActuatorAutoConfiguration");
            assertThat(text(jar, "META-INF/spring.factories"))
                    .contains("org.springframework.boot.diagnostics.FailureAnalyzer")
                    .contains("io.evbase.boot.ListenerBindFailureAnalyzer");
            Manifest manifest = jar.getManifest();
            assertThat(manifest.getMainAttributes().getValue("Main-Class")).isNull();
            assertThat(manifest.getMainAttributes().getValue("Start-Class")).isNull();
        }
    }

    @Test
    void theServerJarCarriesWhatTheDeployableNeedsAndRunsAsTheReadmeSays() throws Exception {
        assertThat(SERVER).isRegularFile();
        try (JarFile jar = new JarFile(SERVER.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Start-Class"))
                    .isEqualTo("io.evbase.server.EvbaseApplication");
            List<String> libs = Collections.list(jar.entries()).stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("BOOT-INF/lib/")).map(n -> n.substring("BOOT-INF/lib/".length()))
                    .toList();
            // The library's optional dependencies, which the server uses.
            assertThat(libs).anyMatch(n -> n.startsWith("tomcat-embed-core-"))
                    .anyMatch(n -> n.startsWith("spring-webmvc-"))
                    .anyMatch(n -> n.startsWith("micrometer-registry-prometheus-"))
                    .anyMatch(n -> n.startsWith("HdrHistogram-"))
                    .noneMatch(n -> n.startsWith("spring-boot-configuration-processor-"));
            assertThat(jar.getEntry("BOOT-INF/classes/application.yml")).isNull();
        }
        // The README's command, in the project directory: ./application.yml applies; only its ports are moved.
        try (ChildServer server = ChildServer.startJar(SERVER, List.of("-XX:+ExitOnOutOfMemoryError"),
                List.of("--server.port=0", "--evbase.listeners.echo.port=0",
                        "--evbase.listeners.echo.bind-address=127.0.0.1", "--evbase.listeners.memcache.port=0",
                        "--evbase.listeners.memcache.bind-address=127.0.0.1"),
                2, Duration.ofSeconds(60))) {
            try (Socket s = Clients.connect(server.port("echo"))) {
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(Clients.readN(s.getInputStream(), 5)).isEqualTo("ping\n".getBytes(StandardCharsets.US_ASCII));
            }
            try (Socket s = Clients.connect(server.port("memcache"))) {
                s.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(Clients.readN(s.getInputStream(), 8), StandardCharsets.US_ASCII))
                        .isEqualTo("VERSION ");
            }
            String prometheus = get(server.managementPort(), "/actuator/prometheus");
            assertThat(prometheus).contains("\nevbase_loop_load{").contains("listener=\"memcache\"");
            server.terminate();
            assertThat(server.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(server.output()).anyMatch(l -> l.contains("evbase stopped in"));
        }
    }

    private static String text(JarFile jar, String name) throws IOException {
        ZipEntry entry = jar.getEntry(name);
        assertThat(entry).as(name).isNotNull();
        return new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }
}
