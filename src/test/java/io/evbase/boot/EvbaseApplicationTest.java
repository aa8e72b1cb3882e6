package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.EvbaseTestApplication;
import io.evbase.net.Server;
import io.evbase.support.Clients;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The application as Spring Boot assembles it: properties bound, listeners up, echo answering. */
@SpringBootTest(classes = EvbaseTestApplication.class,
        properties = {"evbase.workers=2", "evbase.listeners.echo.port=0", "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1", "evbase.dispatch=least-connections", "server.port=0"})
class EvbaseApplicationTest {

    @Autowired
    Server server;

    @Autowired
    EvbaseProperties properties;

    @Test
    void bindsPropertiesAndServesEcho() throws Exception {
        assertThat(server.group().size()).isEqualTo(2);
        assertThat(server.group().dispatch()).isEqualTo(io.evbase.loop.Dispatch.LEAST_CONNECTIONS);
        assertThat(properties.getShutdown().getDrainTimeout()).hasSeconds(10);
        int port = server.listener("echo").port();
        try (Socket s = Clients.connect(port)) {
            s.getOutputStream().write("hello evbase\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(Clients.readN(s.getInputStream(), 13), StandardCharsets.US_ASCII))
                    .isEqualTo("hello evbase\n");
        }
    }
}
