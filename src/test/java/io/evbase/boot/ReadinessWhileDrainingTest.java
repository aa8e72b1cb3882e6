package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.evbase.net.Server;
import io.evbase.server.EvbaseApplication;
import io.evbase.support.NonReadingClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What Kubernetes sees when the pod is told to stop: the application drains its connections while the probes
 * keep answering, readiness OUT_OF_SERVICE (503) and liveness UP, until the last connection is gone.
 */
class ReadinessWhileDrainingTest {

    @Test
    void readinessGoesOutOfServiceWhileTheServerDrains() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(EvbaseApplication.class).run(
                "--server.port=0", "--management.server.port=", "--evbase.workers=1",
                "--evbase.listeners.echo.port=0", "--evbase.listeners.echo.protocol=echo",
                "--evbase.listeners.echo.bind-address=127.0.0.1",
                "--evbase.shutdown.drain-timeout=20s");
        CompletableFuture<Void> closed = null;
        try {
            Http http = new Http(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
            Server server = context.getBean(Server.class);
            assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(200);

            try (NonReadingClient hog = NonReadingClient.connect(server.listener("echo").port(), 64 * 1024)
                    .writeInBackground(8L << 20)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> server.outputBytes() > 0);
                closed = CompletableFuture.runAsync(context::close); // what SIGTERM does
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                        .until(server::isDraining);
                Http.Response readiness = http.get("/actuator/health/readiness");
                assertThat(readiness.status()).isEqualTo(503);
                assertThat(JsonPath.<String>read(readiness.body(), "$.status")).isEqualTo("OUT_OF_SERVICE");
                assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);
                assertThat(JsonPath.<Boolean>read(http.body("/actuator/reactor"), "$.draining")).isTrue();
                assertThat(closed).isNotDone();
            }
            closed.get(30, TimeUnit.SECONDS);
        } finally {
            if (closed == null) {
                context.close();
            }
        }
    }
}
