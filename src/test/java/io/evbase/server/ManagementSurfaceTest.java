package io.evbase.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jayway.jsonpath.JsonPath;
import io.evbase.net.Server;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The deployable's management surface as an anonymous caller sees it, on the shipped {@code ./application.yml}
 * with only the ports moved: health shows each component's status but no details (no disk path, no stack), the
 * Kubernetes probes and the {@code reactor} status answer, and {@code server.address} binds the management port
 * and every listener to one address.
 */
@SpringBootTest(classes = EvbaseApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.location=file:./application.yml", "server.address=127.0.0.1",
        "evbase.listeners.echo.port=0", "evbase.listeners.memcache.port=0", "evbase.workers=1" })
class ManagementSurfaceTest {

    @Value("${local.server.port}")
    int port;

    @Autowired
    Server server;

    @Test
    void anonymousHealthShowsStatusesButNoDetails() throws Exception {
        String health = get("/actuator/health", 200);
        assertThat(JsonPath.<String>read(health, "$.status")).isEqualTo("UP");
        assertThat(JsonPath.<Map<String, Object>>read(health, "$.components")).containsKeys("reactor", "diskSpace",
                "ping", "livenessState", "readinessState");
        assertThat(JsonPath.<java.util.List<Object>>read(health, "$..details")).isEmpty();
        assertThat(health).doesNotContain(System.getProperty("user.dir")).doesNotContain("stallThreshold");

        assertThat(get("/actuator/health/diskSpace", 200)).isEqualTo("{\"status\":\"UP\"}");
        assertThat(get("/actuator/health/reactor", 200)).isEqualTo("{\"status\":\"UP\"}");
        assertThat(JsonPath.<String>read(get("/actuator/health/liveness", 200), "$.status")).isEqualTo("UP");
        assertThat(JsonPath.<String>read(get("/actuator/health/readiness", 200), "$.status")).isEqualTo("UP");
    }

    @Test
    void serverAddressBindsTheManagementPortAndEveryListenerToOneAddress() throws Exception {
        assertThat(server.listeners()).hasSize(2).allSatisfy(l ->
                assertThat(l.boundAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1"));
        Optional<InetAddress> other = NetworkInterface.networkInterfaces().filter(this::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
        if (other.isPresent()) { // a host with another interface: nothing answers there
            for (int p : new int[] {port, server.listener("echo").port(), server.listener("memcache").port()}) {
                assertThatThrownBy(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(other.get(), p), 2000);
                    }
                }).as("port %d on %s", p, other.get()).isInstanceOf(ConnectException.class);
            }
        }
        get("/actuator/health", 200); // and on 127.0.0.1 it does
    }

    private boolean isUp(NetworkInterface i) {
        try {
            return i.isUp();
        } catch (IOException e) {
            return false;
        }
    }

    private String get(String path, int status) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(status);
        return r.body();
    }
}
