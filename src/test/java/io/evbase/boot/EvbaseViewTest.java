package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.evbase.EvbaseTestApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The live view's page and history over HTTP, as a browser and {@code curl} reach them, and where they are not: the
 * page is a part of the {@code reactor} endpoint, so it answers exactly where the endpoint does (its exposure, its
 * access, the management port and base path) and is 404 when the endpoint is not exposed or turned off. What the
 * page shows is tested in a real browser by {@link EvbaseViewBrowserTest}.
 */
class EvbaseViewTest {

    /** Anything that would make the page fetch from elsewhere: an absolute or protocol-relative URL, an import. */
    private static final Pattern EXTERNAL = Pattern.compile(
            "(?i)(src|href|action)\\s*=\\s*[\"']?\\s*(https?:|//)|@import|url\\(\\s*[\"']?(https?:|//)|<script[^>]*\\ssrc=");

    @Test
    void thePageAndTheHistoryAnswerWhereTheEndpointIsExposed() throws Exception {
        try (ConfigurableApplicationContext app = start("--management.endpoints.web.exposure.include=health,reactor")) {
            int port = port(app, "local.server.port");
            HttpResponse<String> page = get(port, "/actuator/reactor/view", "text/html,*/*;q=0.8");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html").containsIgnoringCase("charset=UTF-8"));
            assertThat(page.body()).startsWith("<!doctype html>").contains("<script>", "/history?since=")
                    .doesNotContainPattern(EXTERNAL);
            // what curl sends, and what a script asking for JSON sends: the page either way
            assertThat(get(port, "/actuator/reactor/view", "*/*").body()).isEqualTo(page.body());
            assertThat(get(port, "/actuator/reactor/view", "application/json").body()).isEqualTo(page.body());

            // the history: a point a second for every loop, numbered, and only the newer ones on request
            Http http = new Http(port);
            await().atMost(Duration.ofSeconds(20)).until(() -> JsonPath.<Integer>read(
                    http.body("/actuator/reactor/history"), "$.last") >= 2);
            String all = http.body("/actuator/reactor/history");
            assertThat(JsonPath.<Integer>read(all, "$.period")).isEqualTo(1000);
            assertThat(JsonPath.<Integer>read(all, "$.capacity")).isEqualTo(300);
            assertThat(JsonPath.<List<Integer>>read(all, "$.loops[*].id")).containsExactly(0, 1);
            int first = JsonPath.read(all, "$.first");
            int last = JsonPath.read(all, "$.last");
            assertThat(first).isEqualTo(1);
            assertThat(JsonPath.<List<Number>>read(all, "$.loops[0].busy")).hasSize(last - first + 1)
                    .allSatisfy(v -> assertThat(v.doubleValue()).isBetween(0.0, 1.0));
            String newer = http.body("/actuator/reactor/history?since=" + last);
            int newest = JsonPath.read(newer, "$.last");
            assertThat(JsonPath.<Integer>read(newer, "$.first")).isEqualTo(last + 1);
            assertThat(JsonPath.<List<Number>>read(newer, "$.loops[1].busy")).hasSize(newest - last);

            // the endpoint's other parts are untouched
            assertThat(JsonPath.<Integer>read(http.body("/actuator/reactor/loops"), "$.loops.length()")).isEqualTo(2);
        }
    }

    @Test
    void thereIsNoPageWhenTheEndpointIsNotExposed() throws Exception {
        try (ConfigurableApplicationContext app = start("--management.endpoints.web.exposure.include=health")) {
            int port = port(app, "local.server.port");
            assertThat(get(port, "/actuator/health", "*/*").statusCode()).isEqualTo(200);
            assertThat(get(port, "/actuator/reactor/view", "text/html,*/*;q=0.8").statusCode()).isEqualTo(404);
            assertThat(get(port, "/actuator/reactor/history", "*/*").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void thereIsNoPageWhenTheEndpointIsTurnedOff() throws Exception {
        try (ConfigurableApplicationContext app = start("--management.endpoints.web.exposure.include=health,reactor",
                "--management.endpoint.reactor.access=none")) {
            int port = port(app, "local.server.port");
            assertThat(get(port, "/actuator/health", "*/*").statusCode()).isEqualTo(200);
            assertThat(get(port, "/actuator/reactor/view", "text/html,*/*;q=0.8").statusCode()).isEqualTo(404);
            assertThat(get(port, "/actuator/reactor", "*/*").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void thePageFollowsTheManagementPortAndBasePath() throws Exception {
        try (ConfigurableApplicationContext app = start("--management.endpoints.web.exposure.include=health,reactor",
                "--management.server.port=0", "--management.endpoints.web.base-path=/manage")) {
            int management = port(app, "local.management.port");
            int server = port(app, "local.server.port");
            assertThat(management).isNotEqualTo(server);
            assertThat(get(management, "/manage/reactor/view", "text/html,*/*;q=0.8").statusCode()).isEqualTo(200);
            assertThat(get(management, "/manage/reactor/history", "*/*").statusCode()).isEqualTo(200);
            assertThat(get(server, "/manage/reactor/view", "text/html,*/*;q=0.8").statusCode()).isEqualTo(404);
            assertThat(get(server, "/actuator/reactor/view", "text/html,*/*;q=0.8").statusCode()).isEqualTo(404);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static ConfigurableApplicationContext start(String... settings) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : List.of("--server.port=0", "--server.address=127.0.0.1", "--management.server.port=",
                "--evbase.workers=2", "--evbase.listeners.echo.port=0", "--evbase.listeners.echo.protocol=echo",
                "--evbase.listeners.echo.bind-address=127.0.0.1")) {
            args.put(a.substring(0, a.indexOf('=')), a);
        }
        for (String a : settings) { // replace a default rather than repeat it (a repeated option's values join)
            args.put(a.substring(0, a.indexOf('=')), a);
        }
        return new SpringApplicationBuilder(EvbaseTestApplication.class).run(args.values().toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext app, String property) {
        return app.getEnvironment().getRequiredProperty(property, Integer.class);
    }

    private static HttpResponse<String> get(int port, String path, String accept)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", accept).timeout(Duration.ofSeconds(10)).GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
