package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.EvbaseTestApplication;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Paths under the actuator that name nothing answer 4xx, and the log stays quiet: no ERROR line and no stack
 * trace per request (one client could otherwise fill the disk with them).
 */
@SpringBootTest(classes = EvbaseTestApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "management.server.port=",
        "evbase.workers=1", "evbase.listeners.echo.port=0", "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1" })
@ExtendWith(OutputCaptureExtension.class)
class BadActuatorPathsTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void answerNotFoundWithoutAnErrorInTheLog(CapturedOutput output) {
        Http http = new Http(port);
        int from = output.getAll().length();
        for (String path : List.of("/actuator/health/x/y", "/actuator/health/x/y/z", "/actuator/health/liveness/x/y",
                "/actuator/health/readiness/x/y/z", "/actuator/health/reactor/x", "/actuator/health/x",
                "/actuator/reactor/loops/0/x", "/actuator/reactor/loops/99999999999999", "/actuator/reactor/a/b/c",
                "/actuator/reactor/nothing", "/actuator/metrics/x/y", "/actuator/nothing",
                "/actuator/reactor/connections?page=x")) {
            Http.Response r = http.get(path);
            assertThat(r.status()).as(path).isBetween(400, 499);
        }
        // A real path still answers.
        assertThat(http.get("/actuator/health/reactor").status()).isEqualTo(200);
        String log = output.getAll().substring(from);
        assertThat(log.lines().filter(l -> l.contains(" ERROR ") || l.startsWith("\tat ")).toList()).isEmpty();
    }
}
