package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.net.Server;
import io.evbase.server.EvbaseApplication;
import io.evbase.support.Clients;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** The shipped ./application.yml, as the README's run command uses it (ports moved to ephemeral ones). */
@SpringBootTest(classes = EvbaseApplication.class, properties = {"spring.config.location=file:./application.yml", "evbase.listeners.echo.port=0",
        "evbase.listeners.memcache.port=0", "server.port=0"})
class DefaultConfigurationTest {

    @Autowired
    Server server;

    @Autowired
    Environment environment;

    @Test
    void runsAnEchoAndAMemcacheListenerWithTheDocumentedSettings() throws Exception {
        assertThat(server.listeners()).extracting(l -> l.name() + ":" + l.config().protocol())
                .containsExactly("echo:echo", "memcache:memcache");
        assertThat(environment.getProperty("management.endpoints.web.exposure.include"))
                .isEqualTo("health,info,metrics,prometheus,reactor");
        assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("30s");
        try (Socket s = Clients.connect(server.listener("memcache").port())) {
            s.getOutputStream().write("set k 5 0 2\r\nhi\r\nget k\r\nversion\r\n".getBytes(StandardCharsets.US_ASCII));
            String expected = "STORED\r\nVALUE k 5 2\r\nhi\r\nEND\r\nVERSION 1.6.18\r\n";
            assertThat(new String(Clients.readN(s.getInputStream(), expected.length()), StandardCharsets.US_ASCII))
                    .isEqualTo(expected);
        }
        try (Socket s = Clients.connect(server.listener("echo").port())) {
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Clients.readN(s.getInputStream(), 5)).isEqualTo("ping\n".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
