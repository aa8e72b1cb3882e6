package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.EvbaseTestApplication;
import com.jayway.jsonpath.JsonPath;
import io.evbase.loop.EventBase;
import io.evbase.loop.LoopStall;
import io.evbase.loop.StallWatchdog;
import io.evbase.net.Server;
import io.evbase.support.NonReadingClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The reactor endpoint, health and meters of a real server booted by Spring Boot, driven by real socket clients
 * and read over HTTP as {@code curl} would. Two loops, an echo listener and a {@code blocking} listener whose
 * handler sleeps on its loop on request. Timing bounds are loose: the machine may be loaded.
 */
@SpringBootTest(classes = EvbaseTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=", // the actuator on the (random) server port, as in production
        "evbase.workers=2",
        "evbase.stall-threshold=300ms",
        "evbase.listeners.echo.port=0",
        "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1",
        "evbase.listeners.blocking.port=0",
        "evbase.listeners.blocking.protocol=blocking",
        "evbase.listeners.blocking.bind-address=127.0.0.1",
        "logging.level.io.evbase.loop.StallWatchdog=ERROR" }) // the stalls are deliberate: no stack in the build log
@Import(BlockingHandlerConfiguration.class)
class EvbaseActuatorTest {

    private static final Duration THRESHOLD = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @Value("${local.server.port}")
    int httpPort;

    @Autowired
    Server server;

    @Autowired
    StallWatchdog watchdog;

    @Autowired
    ApplicationContext context;

    @Autowired
    @Qualifier("blocking")
    io.evbase.protocol.ProtocolHandler<?> blockingHandler;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(httpPort);
        BlockingHandler h = (BlockingHandler) blockingHandler;
        h.blockedLoop = -1;
        h.blockStarted = null;
    }

    // ---------------------------------------------------------------- load

    @Test
    void loadRisesUnderEchoLoadAndFallsBackWhenIdle() throws Exception {
        awaitLoopsIdle();
        try (Socket client = connect("echo")) {
            int loop = loopOf(client);
            AtomicBoolean stop = new AtomicBoolean();
            Thread pinger = new Thread(() -> pingPong(client, stop), "echo-pinger");
            pinger.start();
            try {
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                        .until(() -> load(loop, "1s") > 0.01);
                String prometheus = http.body("/actuator/prometheus");
                assertThat(gauge(prometheus, "evbase_loop_load{loop=\"" + loop + "\",window=\"1s\"}")).isPositive();
                assertThat(gauge(prometheus, "evbase_data_read_bytes_total{listener=\"echo\"}")).isPositive();
            } finally {
                stop.set(true);
                pinger.join(10_000);
            }
        }
        awaitLoopsIdle();
    }

    // ---------------------------------------------------------------- pending tasks

    @Test
    void pendingTasksShowWhileALoopIsHeldBusy() throws Exception {
        BlockingHandler handler = (BlockingHandler) blockingHandler;
        try (Socket blocker = connect("blocking")) {
            send(blocker, "block 1500\n");
            await().atMost(PATIENCE).until(() -> handler.blockStarted != null);
            EventBase loop = server.group().loops().get(handler.blockedLoop);
            for (int i = 0; i < 20; i++) {
                loop.execute(() -> { });
            }
            String json = http.body("/actuator/reactor/loops/" + loop.id());
            assertThat(JsonPath.<Integer>read(json, "$.pendingTasks")).isGreaterThanOrEqualTo(20);
            assertThat(gauge(http.body("/actuator/prometheus"),
                    "evbase_loop_tasks_pending{loop=\"" + loop.id() + "\"}")).isGreaterThanOrEqualTo(20);
            assertThat(readLine(blocker)).isEqualTo("done");
            await().atMost(PATIENCE).until(() -> JsonPath.<Integer>read(
                    http.body("/actuator/reactor/loops/" + loop.id()), "$.pendingTasks") == 0);
        }
    }

    // ---------------------------------------------------------------- stalls and health

    @Test
    void aBlockedLoopTurnsHealthDownWithItsStackAndUpAgain() throws Exception {
        assertThat(http.get("/actuator/health").status()).isEqualTo(200);
        BlockingHandler handler = (BlockingHandler) blockingHandler;
        try (Socket blocker = connect("blocking")) {
            send(blocker, "block 2500\n");
            await().atMost(PATIENCE).until(() -> handler.blockStarted != null);
            int loopId = handler.blockedLoop;
            EventBase loop = server.group().loops().get(loopId);
            long stallsBefore = watchdog.stalls(loop);

            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> watchdog.stall(loop).isPresent());
            LoopStall stall = watchdog.stall(loop).orElseThrow();
            Duration detection = Duration.between(handler.blockStarted, stall.detectedAt());
            assertThat(detection).as("detected within 2x the threshold").isLessThanOrEqualTo(THRESHOLD.multipliedBy(2));

            Http.Response health = http.get("/actuator/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(JsonPath.<String>read(health.body(), "$.status")).isEqualTo("DOWN");
            assertThat(JsonPath.<String>read(health.body(), "$.components.reactor.status")).isEqualTo("DOWN");
            assertThat(JsonPath.<Integer>read(health.body(), "$.components.reactor.details.stalled[0].loop"))
                    .isEqualTo(loopId);
            assertThat(JsonPath.<List<String>>read(health.body(), "$.components.reactor.details.stalled[0].stack"))
                    .anyMatch(frame -> frame.contains("BlockingHandler.onRead"));
            assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);

            String json = http.body("/actuator/reactor/loops/" + loopId);
            assertThat(JsonPath.<Boolean>read(json, "$.stalled")).isTrue();
            assertThat(JsonPath.<Number>read(json, "$.stalledFor").longValue()).isGreaterThanOrEqualTo(300);
            assertThat(JsonPath.<List<String>>read(json, "$.stack")).anyMatch(f -> f.contains("BlockingHandler.onRead"));
            // the iteration in progress counts as work: a second into the stall, the loop reads fully loaded
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> load(loopId, "1s") > 0.9);

            assertThat(readLine(blocker)).isEqualTo("done");
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> http.get("/actuator/health").status() == 200);
            json = http.body("/actuator/reactor/loops/" + loopId);
            assertThat(JsonPath.<Boolean>read(json, "$.stalled")).isFalse();
            assertThat(JsonPath.<Number>read(json, "$.stalls").longValue()).isEqualTo(stallsBefore + 1);
            assertThat(JsonPath.<Number>read(json, "$.longestCallback.duration").doubleValue()).isGreaterThan(2000);
            assertThat(gauge(http.body("/actuator/prometheus"), "evbase_loop_stalls_total{loop=\"" + loopId + "\"}"))
                    .isEqualTo(stallsBefore + 1);
        }
    }

    // ---------------------------------------------------------------- buffers

    @Test
    void bufferOccupancyFollowsAClientThatDoesNotReadAndReturnsWhenItLeaves() throws Exception {
        awaitNoConnections();
        long baseline = buffers("inUseBytes");
        try (NonReadingClient hog = NonReadingClient.connect(server.listener("echo").port(), 64 * 1024)
                .writeInBackground(8L << 20)) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> buffers("inUseBytes") >= baseline + 512 * 1024 && buffers("outputBytes") >= 512 * 1024);
            String prometheus = http.body("/actuator/prometheus");
            assertThat(gauge(prometheus, "evbase_buffer_pool_used_bytes")).isGreaterThanOrEqualTo(512 * 1024);
            assertThat(sum(prometheus, "evbase_buffer_connections_output_bytes")).isGreaterThanOrEqualTo(512 * 1024);
            assertThat(gauge(prometheus, "evbase_buffer_pool_allocated_bytes")).isGreaterThanOrEqualTo(512 * 1024);
        }
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> buffers("inUseBytes") <= baseline
                && buffers("outputBytes") == 0 && buffers("inputBytes") == 0);
        assertThat(buffers("cachedBytes") + buffers("inUseBytes")).isEqualTo(buffers("allocatedBytes"));
        assertThat(buffers("budgetBytes")).isEqualTo(server.bufferPool().budgetBytes()).isPositive();
    }

    // ---------------------------------------------------------------- connections

    @Test
    void theConnectionListingShowsEveryOpenClient() throws Exception {
        List<Socket> clients = new ArrayList<>();
        try {
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                Socket s = connect("echo");
                clients.add(s);
                send(s, "hi\n");
                assertThat(readLine(s)).isEqualTo("hi");
                expected.add("127.0.0.1:" + s.getLocalPort());
            }
            String json = http.body("/actuator/reactor/connections");
            List<Map<String, Object>> all = JsonPath.read(json, "$.connections");
            Set<String> listed = new HashSet<>();
            for (Map<String, Object> c : all) {
                if (expected.contains((String) c.get("remoteAddress"))) {
                    listed.add((String) c.get("remoteAddress"));
                    assertThat(c).containsEntry("listener", "echo").containsEntry("state", "open")
                            .containsKeys("id", "loop", "age", "idle", "inputBytes", "outputBytes");
                    assertThat(((Number) c.get("bytesRead")).longValue()).isEqualTo(3);
                }
            }
            assertThat(listed).isEqualTo(expected);

            // the same clients, two to a page
            int total = JsonPath.read(json, "$.total");
            int pages = JsonPath.read(http.body("/actuator/reactor/connections?page=0&size=2"), "$.pages");
            assertThat(pages).isEqualTo((total + 1) / 2);
            Set<String> paged = new HashSet<>();
            for (int p = 0; p < pages; p++) {
                String page = http.body("/actuator/reactor/connections?page=" + p + "&size=2");
                List<String> addresses = JsonPath.read(page, "$.connections[*].remoteAddress");
                assertThat(addresses).hasSizeLessThanOrEqualTo(2);
                paged.addAll(addresses);
            }
            assertThat(paged).containsAll(expected);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    // ---------------------------------------------------------------- meters, probes, shape

    @Test
    void prometheusShowsEveryMeter() {
        String prometheus = http.body("/actuator/prometheus");
        for (String meter : List.of(
                "evbase_loop_load{loop=\"0\",window=\"1s\"}",
                "evbase_loop_load{loop=\"1\",window=\"10s\"}",
                "evbase_loop_load{loop=\"0\",window=\"60s\"}",
                "evbase_loop_tasks_pending{loop=\"0\"}",
                "evbase_loop_busy_seconds_total{loop=\"1\"}",
                "evbase_loop_task_latency_seconds_count{loop=\"0\"}",
                "evbase_loop_task_latency_seconds_sum{loop=\"0\"}",
                "evbase_loop_task_latency_seconds_bucket{loop=\"0\",le=\"0.001\"}",
                "evbase_loop_task_latency_seconds_bucket{loop=\"1\",le=\"+Inf\"}",
                "evbase_loop_iterations_total{loop=\"1\"}",
                "evbase_loop_stalls_total{loop=\"0\"}",
                "evbase_connections_active{listener=\"echo\"}",
                "evbase_connections_accepted_total{listener=\"echo\"}",
                "evbase_connections_rejected_total{listener=\"echo\",reason=\"limit\"}",
                "evbase_connections_rejected_total{listener=\"blocking\",reason=\"overload\"}",
                "evbase_connections_closed_total{listener=\"echo\",reason=\"peer_closed\"}",
                "evbase_data_read_bytes_total{listener=\"echo\"}",
                "evbase_data_written_bytes_total{listener=\"echo\"}",
                "evbase_buffer_pool_budget_bytes ",
                "evbase_buffer_pool_allocated_bytes ",
                "evbase_buffer_pool_used_bytes ",
                "evbase_buffer_pool_cached_bytes ",
                "evbase_buffer_connections_input_bytes{loop=\"0\"}",
                "evbase_buffer_connections_output_bytes{loop=\"1\"}")) {
            assertThat(prometheus).as(meter).contains("\n" + meter);
        }
    }

    @Test
    void probesAndEndpointAnswer() {
        Http.Response liveness = http.get("/actuator/health/liveness");
        assertThat(liveness.status()).isEqualTo(200);
        assertThat(JsonPath.<String>read(liveness.body(), "$.status")).isEqualTo("UP");
        assertThat(context.getBean("readinessStateHealthIndicator"))
                .isInstanceOf(EvbaseReadinessStateHealthIndicator.class);
        Http.Response readiness = http.get("/actuator/health/readiness");
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(JsonPath.<String>read(readiness.body(), "$.status")).isEqualTo("UP");

        String json = http.body("/actuator/reactor");
        assertThat(JsonPath.<Integer>read(json, "$.workers")).isEqualTo(2);
        assertThat(JsonPath.<List<Integer>>read(json, "$.loops[*].id")).containsExactly(0, 1);
        assertThat(JsonPath.<List<String>>read(json, "$.loops[0].load.*")).hasSize(3);
        assertThat(JsonPath.<List<String>>read(json, "$.listeners[*].name")).containsExactly("echo", "blocking");
        assertThat(JsonPath.<Integer>read(json, "$.listeners[0].port")).isEqualTo(server.listener("echo").port());
        assertThat(JsonPath.<Map<String, Object>>read(json, "$.buffers")).containsKeys("chunkSize", "allocatedBytes",
                "inUseBytes", "cachedBytes", "inputBytes", "outputBytes", "loops");
        assertThat(JsonPath.<Map<String, Object>>read(json, "$.loops[0].taskLatency")).containsKeys("count", "p50",
                "p99", "max");
        assertThat(JsonPath.<String>read(http.body("/actuator/reactor/listeners/echo"), "$.protocol"))
                .isEqualTo("echo");
        assertThat(http.get("/actuator/reactor/loops/99").status()).isEqualTo(404);
        assertThat(http.get("/actuator/reactor/nothing").status()).isEqualTo(404);
    }

    @Test
    void eachLoopShowsTheConnectionsItReceivedByPolicy() throws Exception {
        String before = http.body("/actuator/reactor");
        assertThat(JsonPath.<String>read(before, "$.dispatch")).isEqualTo("round-robin");
        assertThat(JsonPath.<List<Map<String, Object>>>read(before, "$.loops[*].received"))
                .allSatisfy(m -> assertThat(m).containsOnlyKeys("round-robin"));
        assertThat(JsonPath.<List<Number>>read(before, "$.loops[*].dispatchLoad"))
                .allSatisfy(load -> assertThat(load.doubleValue()).isBetween(0.0, 1.0));
        try (Socket client = connect("echo")) {
            int loop = loopOf(client);
            long was = JsonPath.<Number>read(before, "$.loops[" + loop + "].received['round-robin']").longValue();
            // Counted by the acceptor right after the hand-off, so possibly an instant after the loop opened it.
            await().atMost(PATIENCE).untilAsserted(() -> {
                String after = http.body("/actuator/reactor");
                assertThat(JsonPath.<Number>read(after, "$.loops[" + loop + "].received['round-robin']").longValue())
                        .isEqualTo(was + 1);
                // Every connection either listener accepted was received by one loop.
                long accepted = JsonPath.<List<Number>>read(after, "$.listeners[*].accepted").stream()
                        .mapToLong(Number::longValue).sum();
                long receivedAll = JsonPath.<List<Number>>read(after, "$.loops[*].received['round-robin']").stream()
                        .mapToLong(Number::longValue).sum();
                assertThat(receivedAll).isEqualTo(accepted);
            });
        }
    }

    // ---------------------------------------------------------------- helpers

    private Socket connect(String listener) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", server.listener(listener).port()), 5000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static void pingPong(Socket s, AtomicBoolean stop) {
        byte[] message = new byte[64];
        try {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            while (!stop.get()) {
                out.write(message);
                int got = 0;
                while (got < message.length) {
                    int n = in.read(message, got, message.length - got);
                    if (n < 0) {
                        return;
                    }
                    got += n;
                }
            }
        } catch (IOException e) {
            // the test closed the socket
        }
    }

    private int loopOf(Socket client) {
        String address = "127.0.0.1:" + client.getLocalPort();
        await().atMost(PATIENCE).until(() -> JsonPath.<List<Integer>>read(http.body("/actuator/reactor/connections"),
                "$.connections[?(@.remoteAddress == '" + address + "')].loop").size() == 1);
        return JsonPath.<List<Integer>>read(http.body("/actuator/reactor/connections"),
                "$.connections[?(@.remoteAddress == '" + address + "')].loop").get(0);
    }

    private double load(int loop, String window) {
        return JsonPath.<Number>read(http.body("/actuator/reactor/loops/" + loop), "$.load['" + window + "']")
                .doubleValue();
    }

    private void awaitLoopsIdle() {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            String json = http.body("/actuator/reactor/loops");
            return JsonPath.<List<Number>>read(json, "$.loops[*].load['1s']").stream()
                    .allMatch(l -> l.doubleValue() < 0.05);
        });
    }

    private void awaitNoConnections() {
        await().atMost(PATIENCE).until(() -> JsonPath.<Integer>read(http.body("/actuator/reactor/connections"),
                "$.total") == 0);
    }

    private long buffers(String field) {
        return JsonPath.<Number>read(http.body("/actuator/reactor/buffers"), "$." + field).longValue();
    }

    /** The value of one sample line, e.g. {@code evbase_loop_load{loop="0",window="1s"}}. */
    private static double gauge(String prometheus, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series.trim()) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(prometheus);
        assertThat(m.find()).as(series + " in\n" + prometheus).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The sum of every series of one metric. */
    private static double sum(String prometheus, String metric) {
        Matcher m = Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE)
                .matcher(prometheus);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(2));
        }
        return total;
    }
}
