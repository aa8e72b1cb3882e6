package io.evbase.deploy;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Processes the scale-out check starts in its hosts' network namespaces: the deployable ({@code target/evbase.jar}
 * with the repository's {@code application.yml}, so every server listens on the shipped ports, each on its own
 * address) and twemproxy ({@code nutcracker}). Each process's output goes to a log file under {@code logDir}.
 * Not thread-safe: the test thread starts and stops them.
 */
final class ServerProcesses implements AutoCloseable {

    private final Path projectDir;
    private final Path logDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Process> started = new ArrayList<>();
    private final int memcachePort;
    private final int managementPort;

    ServerProcesses(Path projectDir, Path logDir) {
        this.projectDir = projectDir;
        this.logDir = logDir;
        try {
            Files.createDirectories(logDir);
            Map<String, Object> yaml = new Yaml().load(Files.readString(projectDir.resolve("application.yml")));
            this.memcachePort = memcachePort(yaml);
            this.managementPort = managementPort(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The memcache listener's port in the shipped application.yml: every server's, on its own address. */
    int memcachePort() {
        return memcachePort;
    }

    /** Starts the deployable in {@code host}'s namespace, in the project directory. */
    Process startServer(NetworkNamespaces.Host host) {
        Path jar = projectDir.resolve("target/evbase.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " not found: run ./mvnw package first");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return start(host, "server-" + host.name(), List.of(java, "-Xmx256m", "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(), "--evbase.workers=1"));
    }

    /** Waits until the server in {@code host} reports ready on its management port. */
    void awaitReady(NetworkNamespaces.Host host, Process server, Duration atMost) {
        URI readiness = URI.create("http://" + host.address() + ":" + managementPort + "/actuator/health/readiness");
        await("readiness of " + host.name()).atMost(atMost).pollInterval(Duration.ofMillis(200))
                .failFast(host.name() + " exited", () -> !server.isAlive())
                .until(() -> {
                    try {
                        return http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /**
     * Starts twemproxy in {@code host}'s namespace, listening on {@code port}, sharding with ketama over
     * {@code servers} (name -> address), and waits until it accepts connections.
     */
    Process startTwemproxy(NetworkNamespaces.Host host, int port, int statsPort, Map<String, String> servers) {
        StringBuilder conf = new StringBuilder("""
                evbase:
                  listen: 0.0.0.0:%d
                  hash: fnv1a_64
                  distribution: ketama
                  timeout: 5000
                  # A server that fails once leaves the ring until the test is over: its keys go to the others.
                  auto_eject_hosts: true
                  server_failure_limit: 1
                  server_retry_timeout: 600000
                  servers:
                """.formatted(port));
        // Named servers: the ring hashes the names, so adding one leaves the others' points where they were.
        servers.forEach((name, address) -> conf.append("    - ").append(address).append(':').append(memcachePort)
                .append(":1 ").append(name).append('\n'));
        Path file = logDir.resolve("nutcracker-" + port + ".yml");
        try {
            Files.writeString(file, conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NetworkNamespaces.run("nutcracker", "-t", "-c", file.toString());
        Process proxy = start(host, "nutcracker-" + port + "-console", List.of("nutcracker", "-c", file.toString(),
                "-s", "" + statsPort, "-o", logDir.resolve("nutcracker-" + port + ".log").toString()));
        await("twemproxy on " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .failFast("nutcracker exited", () -> !proxy.isAlive())
                .until(() -> accepts(host.address(), port));
        return proxy;
    }

    private Process start(NetworkNamespaces.Host host, String name, List<String> command) {
        try {
            Process process = new ProcessBuilder(host.exec(command)).directory(projectDir.toFile())
                    .redirectErrorStream(true).redirectOutput(logDir.resolve(name + ".log").toFile()).start();
            started.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean accepts(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills whatever this object started and is still running. */
    @Override
    public void close() {
        for (Process process : started) {
            process.destroyForcibly();
        }
        for (Process process : started) {
            process.onExit().join();
        }
    }

    @SuppressWarnings("unchecked")
    private static int memcachePort(Map<String, Object> yaml) {
        Map<String, Map<String, Object>> listeners =
                (Map<String, Map<String, Object>>) ((Map<String, Object>) yaml.get("evbase")).get("listeners");
        return listeners.values().stream().filter(l -> "memcache".equals(l.get("protocol")))
                .map(l -> (Integer) l.get("port")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no memcache listener in application.yml"));
    }

    @SuppressWarnings("unchecked")
    private static int managementPort(Map<String, Object> yaml) {
        Map<String, Object> management = (Map<String, Object>) yaml.getOrDefault("management", Map.of());
        Map<String, Object> server = (Map<String, Object>) management.getOrDefault("server", Map.of());
        Object port = server.containsKey("port") ? server.get("port")
                : ((Map<String, Object>) yaml.get("server")).get("port");
        return (Integer) port;
    }
}
