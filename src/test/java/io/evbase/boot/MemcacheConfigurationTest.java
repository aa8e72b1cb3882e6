package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.evbase.server.EvbaseApplication;
import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The memcache properties as Spring Boot binds them: the memory limit checked against the heap at start-up, the
 * auth file and the administrative switches.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class MemcacheConfigurationTest {

    private static final List<String> LISTENER = List.of("--evbase.listeners.memcache.port=0",
            "--evbase.listeners.memcache.protocol=memcache", "--evbase.listeners.memcache.bind-address=127.0.0.1");

    @Test
    void aMemoryLimitTheHeapCannotHoldFailsTheStartUpWithOneLineNamingBoth() {
        assertThatThrownBy(() -> ChildServer.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"),
                concat(LISTENER, "--evbase.memcache.memory-limit=100MB"), 1, Duration.ofSeconds(90)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("APPLICATION FAILED TO START")
                .hasMessageContaining("evbase.memcache.memory-limit 100MB does not fit the heap: the maximum heap is "
                        + "128MB and the cache may use at most half of it, 64MB.")
                .hasMessageNotContaining("\tat io.evbase");
    }

    @Test
    void withoutAMemcacheListenerTheLimitIsNotChecked() {
        SpringApplication app = new SpringApplication(EvbaseApplication.class);
        try (ConfigurableApplicationContext ctx = app.run("--evbase.listeners.echo.port=0",
                "--evbase.listeners.echo.protocol=echo", "--evbase.memcache.memory-limit=100GB", "--server.port=0",
                "--spring.main.banner-mode=off")) {
            assertThat(ctx.isRunning()).isTrue();
        }
    }

    @Test
    void authFileAndSwitchesReachTheListener(@TempDir Path dir) throws Exception {
        Path users = Files.writeString(dir.resolve("users"), "app:secret\n");
        SpringApplication app = new SpringApplication(EvbaseApplication.class);
        try (ConfigurableApplicationContext ctx = app.run(concat(LISTENER, "--evbase.memcache.auth-file=" + users,
                "--evbase.memcache.admin.flush-all=false", "--evbase.memcache.admin.cache-memlimit=false",
                "--server.port=0", "--spring.main.banner-mode=off").toArray(String[]::new))) {
            int port = ctx.getBean(io.evbase.net.Server.class).listener("memcache").port();
            try (Socket s = Clients.connect(port)) {
                String expected = "CLIENT_ERROR unauthenticated\r\nSTORED\r\nCLIENT_ERROR flush_all not allowed\r\n"
                        + "CLIENT_ERROR cache_memlimit not allowed\r\nOK\r\n";
                // one request at a time: replies of pipelined requests before authentication are memcached's odd case
                for (String request : new String[] {"get a\r\n", "set x 0 0 10\r\napp secret\r\n", "flush_all\r\n",
                    "cache_memlimit 100\r\n", "verbosity 1\r\n"}) {
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    String line = readLine(s);
                    assertThat(expected).startsWith(line);
                    expected = expected.substring(line.length());
                }
                assertThat(expected).isEmpty();
            }
        }
    }

    @Test
    void aMalformedAuthFileFailsTheStartUpWithOneLine(@TempDir Path dir) throws Exception {
        Path users = Files.writeString(dir.resolve("users"), "app secret\n");
        assertThatThrownBy(() -> ChildServer.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                concat(LISTENER, "--evbase.memcache.auth-file=" + users), 1, Duration.ofSeconds(90)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("APPLICATION FAILED TO START")
                .hasMessageContaining("memcache auth file " + users + ": line 1 is not user:password.")
                .hasMessageNotContaining("\tat io.evbase");
    }

    private static String readLine(Socket s) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 2 || sb.charAt(sb.length() - 1) != '\n') {
            sb.append((char) Clients.readN(s.getInputStream(), 1)[0]);
        }
        return sb.toString();
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
