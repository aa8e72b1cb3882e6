package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.EvbaseTestApplication;
import io.evbase.net.Server;
import io.evbase.support.Clients;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.File;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The meters of a running server: every {@code evbase.*} meter in the registry is one of {@link EvbaseMeters}, as
 * declared there, and each of them is registered; the Prometheus scrape passes {@code promtool check metrics}
 * for every {@code evbase_*} series, and task latency is a histogram whose buckets add up.
 */
@SpringBootTest(classes = EvbaseTestApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "management.server.port=",
        "evbase.workers=2", "evbase.listeners.echo.port=0", "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1" })
class PrometheusMetersTest {

    @Value("${local.server.port}")
    int port;

    @Autowired
    MeterRegistry registry;

    @Autowired
    Server server;

    @Test
    void everyEvbaseMeterIsDeclaredAndEveryDeclaredMeterIsRegistered() {
        Set<EvbaseMeters> registered = EnumSet.noneOf(EvbaseMeters.class);
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            if (!id.getName().startsWith("evbase.")) {
                continue;
            }
            EvbaseMeters declared = Arrays.stream(EvbaseMeters.values()).filter(m -> m.getName().equals(id.getName()))
                    .findFirst().orElseThrow(() -> new AssertionError(id + " is not in EvbaseMeters"));
            registered.add(declared);
            assertThat(type(meter)).as("%s", id).isEqualTo(declared.getType());
            assertThat(id.getDescription()).as("%s", id).isEqualTo(declared.description());
            assertThat(id.getTags().stream().map(io.micrometer.core.instrument.Tag::getKey).toList())
                    .as("%s", id).containsExactlyInAnyOrderElementsOf(declared.tagKeys());
            if (declared.getType() != Meter.Type.TIMER) {
                assertThat(id.getBaseUnit()).as("%s", id).isEqualTo(declared.getBaseUnit());
            }
        }
        // The TLS meters come with a TLS listener (EvbaseTlsApplicationTest checks them); this server has none.
        assertThat(registered).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(EvbaseMeters.values()).filter(m -> !m.tlsOnly()).toList());
    }

    @Test
    void theScrapeIsCleanForPromtoolAndTaskLatencyIsAHistogram() throws Exception {
        Http http = new Http(port);
        try (Socket s = Clients.connect(server.listener("echo").port())) {
            OutputStream out = s.getOutputStream();
            out.write("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Clients.readN(s.getInputStream(), 6)).hasSize(6);
        }
        // The connection's hand-off was a task; the timer takes it in within a feed period.
        await().atMost(Duration.ofSeconds(15)).until(() -> count(http.body("/actuator/prometheus")) > 0);
        await().atMost(Duration.ofSeconds(15)).until(() -> http.body("/actuator/prometheus")
                .contains("evbase_connections_closed_total{listener=\"echo\",reason=\"peer_closed\"} 1.0"));
        String scrape = http.body("/actuator/prometheus");

        assertThat(scrape).contains("# TYPE evbase_loop_task_latency_seconds histogram");
        Map<String, List<double[]>> buckets = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^evbase_loop_task_latency_seconds_bucket\\{loop=\"(\\d+)\",le=\"([^\"]+)\"} (\\S+)$")
                .matcher(scrape);
        while (m.find()) {
            double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
            buckets.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(new double[] {le, Double.parseDouble(m.group(3))});
        }
        assertThat(buckets).containsOnlyKeys("0", "1");
        for (Map.Entry<String, List<double[]>> loop : buckets.entrySet()) {
            List<double[]> b = loop.getValue();
            assertThat(b).hasSize(EventLoopMetrics.LATENCY_BUCKETS.length + 1);
            for (int i = 1; i < b.size(); i++) {
                assertThat(b.get(i)[0]).isGreaterThan(b.get(i - 1)[0]);
                assertThat(b.get(i)[1]).as("cumulative").isGreaterThanOrEqualTo(b.get(i - 1)[1]);
            }
            assertThat(b.get(b.size() - 1)[1]).as("+Inf is the count")
                    .isEqualTo(value(scrape, "evbase_loop_task_latency_seconds_count{loop=\"" + loop.getKey() + "\"}"));
        }

        Optional<Path> promtool = promtool();
        String missing = "promtool is not on the PATH: install Debian's prometheus package (.ci/run does) for this check";
        if (System.getenv("CI") != null) {
            assertThat(promtool).as(missing).isPresent();
        }
        Assumptions.assumeTrue(promtool.isPresent(), missing);
        Process p = new ProcessBuilder(promtool.get().toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(report).doesNotContainIgnoringCase("error");
        assertThat(report.lines().filter(l -> l.startsWith("evbase_")).toList()).as("promtool on evbase_*").isEmpty();
        // promtool did lint this scrape: it has remarks on other meters (Spring's, the JVM's).
        assertThat(report.lines().count()).isPositive();
    }

    private static double count(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("evbase_loop_task_latency_seconds_count{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .orElseThrow(() -> new AssertionError("no " + series));
    }

    private static Meter.Type type(Meter meter) {
        if (meter instanceof Gauge) {
            return Meter.Type.GAUGE;
        }
        if (meter instanceof FunctionCounter) {
            return Meter.Type.COUNTER;
        }
        if (meter instanceof Timer) {
            return Meter.Type.TIMER;
        }
        return meter.getId().getType();
    }

    static Optional<Path> promtool() {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst()
                .map(Path::toAbsolutePath);
    }
}
