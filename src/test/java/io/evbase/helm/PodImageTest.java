package io.evbase.helm;

import io.evbase.deploy.NetworkNamespaces;
import io.evbase.deploy.Podman;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Probe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.Yaml;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.evbase.helm.RenderedManifests.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The image jib built, run exactly as the rendered chart's pod: podman (rootful, daemonless) runs the rendered
 * Deployment's container ({@link ChartPod}: user, read-only root, /tmp, capabilities, no privilege escalation,
 * memory and CPU limits, environment, the rendered ConfigMap at its mount path) in a network namespace of its
 * own, where it listens on the chart's ports as in a pod. Then, from outside: the probes answer on the
 * management port, every echo and memcache listener answers, the JVM took the chart's options and sized its heap
 * from the memory limit, a client in the middle of a large reply at SIGTERM gets all of it, the process exits
 * within the drain timeout, and nothing was written outside /tmp.
 *
 * <p>Not part of {@code ./mvnw verify}: {@code .ci/image-check} builds the base image and the image first, then
 * runs this class ({@code -Dtest=PodImageTest}, as root, with podman, runc and iproute2 installed). The image
 * archive is {@code evbase.image.tar} (default {@code target/jib-image.tar}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PodImageTest {

    // The check's base image, like distroless, has no /bin/sleep: the kubelet's sleep action replaces the
    // chart's `sleep` command (README: shutdown.useSleepAction). Everything else is the chart's default.
    private static final Map<String, String> VALUES = Map.of("shutdown.useSleepAction", "true");
    private static final String BIG_KEY = "evbase-pod-check-big";
    private static final int BIG_VALUE_BYTES = 1_000_000;
    /** gets of the big value queued at SIGTERM: far more than socket buffers hold, so the reply is mid-flight. */
    private static final int BIG_GETS = 8;

    @TempDir
    static Path work;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Podman podman;
    private NetworkNamespaces network;
    private NetworkNamespaces.Host host;
    private RenderedManifests manifests;
    private ChartPod chartPod;
    private String container;
    private CompletableFuture<Process> exited;
    private byte[] bigValue;

    @BeforeAll
    void runTheImageAsTheChartsPod() throws Exception {
        Path imageTar = Path.of(System.getProperty("evbase.image.tar",
                HelmChart.projectDir().resolve("target/jib-image.tar").toString()));
        assertThat(imageTar).as("the image archive (./mvnw jib:buildTar)").exists();
        podman = Podman.configure(work.resolve("podman"));
        String loaded = podman.run("load", "--input", imageTar.toString());
        System.out.printf("FIGURE image archive %s: %.1f MB; %s%n", imageTar.getFileName(),
                Files.size(imageTar) / 1e6, loaded.lines().filter(l -> l.startsWith("Loaded")).findFirst().orElse(""));

        manifests = HelmChart.evbase().render(VALUES);
        chartPod = ChartPod.of(manifests, work.resolve("volumes"));
        String image = chartPod.container().getImage();
        long imageBytes = Long.parseLong(podman.run("image", "inspect", "--format", "{{.Size}}", image).strip());
        System.out.printf("FIGURE image %s: %.1f MB unpacked%n", image, imageBytes / 1e6);

        String prefix = NetworkNamespaces.defaultPrefix();
        network = NetworkNamespaces.create(prefix);
        host = network.addHost("pod", 10);
        container = prefix + "pod";
        List<String> run = new java.util.ArrayList<>(List.of("run", "--detach", "--name", container,
                "--network", "ns:" + host.namespacePath()));
        run.addAll(chartPod.runArguments());
        System.out.println("podman " + String.join(" ", run));

        long started = System.nanoTime();
        podman.run(run.toArray(String[]::new));
        exited = podman.start("wait", container).onExit();
        Probe startup = chartPod.container().getStartupProbe();
        await("readiness").atMost(Duration.ofSeconds((long) startup.getPeriodSeconds() * startup.getFailureThreshold()))
                .pollInterval(Duration.ofMillis(200))
                .failFast("the container exited", () -> exited.isDone())
                .until(() -> status(chartPod.container().getReadinessProbe()) == 200);
        System.out.printf("FIGURE time to ready (podman run to readiness 200): %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    void removeThePodAndItsNetwork() throws IOException {
        try {
            if (container != null) {
                Path log = HelmChart.projectDir().resolve("target/pod-check.log");
                Files.writeString(log, logs());
                podman.attempt("rm", "--force", "--time", "0", container);
            }
        } finally {
            if (network != null) {
                network.close();
            }
        }
    }

    @Test
    @Order(1)
    void probesAnswerOnTheManagementPort() throws Exception {
        Container server = chartPod.container();
        for (Probe probe : List.of(server.getStartupProbe(), server.getLivenessProbe(), server.getReadinessProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
            assertThat(status(probe)).as(probe.getHttpGet().getPath()).isEqualTo(200);
        }
    }

    @Test
    @Order(2)
    void everyListenerAnswersItsProtocol() throws Exception {
        Map<String, Map<String, Object>> listeners = at(manifests.applicationYaml(), "evbase.listeners");
        assertThat(listeners).isNotEmpty();
        for (Map.Entry<String, Map<String, Object>> listener : listeners.entrySet()) {
            int port = chartPod.ports().get(listener.getKey());
            assertThat(port).isEqualTo(listener.getValue().get("port"));
            switch ((String) listener.getValue().get("protocol")) {
                case "echo" -> assertEchoes(port);
                case "memcache" -> assertStoresAndReturns(port);
                default -> throw new AssertionError("no check for protocol " + listener.getValue().get("protocol"));
            }
        }
    }

    @Test
    @Order(3)
    void theJvmRunsWithTheChartsOptionsAndSizesItsHeapFromTheMemoryLimit() throws Exception {
        String options = chartPod.env("JAVA_TOOL_OPTIONS");
        assertThat(options).contains("-XX:+ExitOnOutOfMemoryError");
        // The JVM echoes the variable it took to stderr, which podman keeps in the container's log.
        assertThat(logs()).contains("Picked up JAVA_TOOL_OPTIONS: " + options);

        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(\\.\\d+)?)").matcher(options);
        assertThat(percentage.find()).isTrue();
        long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
                chartPod.container().getResources().getLimits().get("memory")).longValueExact();
        double expected = limit * Double.parseDouble(percentage.group(1)) / 100;
        Matcher collector = Pattern.compile("-XX:\\+Use(\\w+)GC").matcher(options);
        assertThat(collector.find()).as("a collector in " + options).isTrue();
        String oldGeneration = Map.of("G1", "G1 Old Gen", "Z", "ZHeap", "Parallel", "PS Old Gen", "Serial", "Tenured Gen")
                .get(collector.group(1));
        assertThat(memoryPools()).as("the JVM's memory pools").contains(oldGeneration);
        double heapMax = metric("jvm.memory.max", "area:heap");
        System.out.printf("FIGURE heap max %.0f MiB = %.1f%% of the %d MiB limit%n",
                heapMax / (1 << 20), 100 * heapMax / limit, limit >> 20);
        // G1 rounds the heap to whole regions.
        assertThat(heapMax).isCloseTo(expected, within(expected * 0.02));
    }

    @Test
    @Order(10)
    void aClientInTheMiddleOfAReplyAtSigtermGetsAllOfItAndTheProcessExitsWithinTheDrainTimeout() throws Exception {
        int port = memcachePort();
        bigValue = new byte[BIG_VALUE_BYTES];
        new Random(14).nextBytes(bigValue);
        try (Socket setter = connect(port)) {
            OutputStream out = setter.getOutputStream();
            out.write(("set " + BIG_KEY + " 0 0 " + BIG_VALUE_BYTES + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bigValue);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(setter.getInputStream())).isEqualTo("STORED");
        }
        Duration drainTimeout = DurationStyle.detectAndParse(at(manifests.applicationYaml(), "evbase.shutdown.drain-timeout"));
        runPreStopHook();

        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(host.address(), port), 2000);
            slow.setSoTimeout((int) drainTimeout.toMillis());
            InputStream in = slow.getInputStream();
            slow.getOutputStream().write(("get " + BIG_KEY + "\r\n").repeat(BIG_GETS).getBytes(StandardCharsets.US_ASCII));
            // The first header is here: the server is in the middle of the reply, ~8 MB of it still to come.
            String header = "VALUE " + BIG_KEY + " 0 " + BIG_VALUE_BYTES;
            assertThat(readLine(in)).isEqualTo(header);

            long sigterm = System.nanoTime();
            podman.run("kill", "--signal", "TERM", container);
            // Draining: the listeners stopped accepting (the kernel refuses new connections).
            await("listener closed").atMost(drainTimeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> refuses(port));

            assertThat(in.readNBytes(BIG_VALUE_BYTES)).isEqualTo(bigValue);
            assertThat(readLine(in)).isEmpty();
            assertThat(readLine(in)).isEqualTo("END");
            for (int i = 1; i < BIG_GETS; i++) {
                assertThat(readLine(in)).isEqualTo(header);
                assertThat(in.readNBytes(BIG_VALUE_BYTES)).as("value %d", i).isEqualTo(bigValue);
                assertThat(readLine(in)).isEmpty();
                assertThat(readLine(in)).isEqualTo("END");
            }
            // Everything asked before the drain is answered; then the server closes the connection.
            assertThat(in.read()).isEqualTo(-1);

            exited.get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
            Duration toExit = Duration.ofNanos(System.nanoTime() - sigterm);
            System.out.printf("FIGURE SIGTERM to exit: %.2f s (drain timeout %s), with %d MB of reply in flight%n",
                    toExit.toMillis() / 1e3, drainTimeout, BIG_GETS * BIG_VALUE_BYTES / 1_000_000);
            assertThat(toExit).isLessThan(drainTimeout);
        }
        // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks and exited on the signal, nobody SIGKILLed it.
        assertThat(podman.run("inspect", "--format", "{{.State.ExitCode}}", container).strip()).isEqualTo("143");
    }

    @Test
    @Order(11)
    void theProcessWroteNothingOutsideTmpAndLoggedNoWarning() {
        assertThat(exited).as("runs after the SIGTERM check").isDone();
        // The root filesystem is read-only. The runtime itself makes mount points for /etc/hosts, /etc/hostname
        // and /etc/resolv.conf (the kubelet mounts the same files), which shows as a changed /etc and nothing else.
        List<String> changes = podman.run("diff", container).lines().filter(l -> !l.isBlank()).toList();
        assertThat(changes).isSubsetOf("C /etc");
        String logs = logs();
        assertThat(logs).doesNotContain("Read-only file system");
        assertThat(logs.lines().filter(l -> l.matches("^\\S+\\s+(WARN|ERROR)\\s.*")).toList()).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** The kubelet's preStop step: an exec hook runs in the container; the sleep action happens outside it. */
    private void runPreStopHook() {
        LifecycleHandler preStop = chartPod.container().getLifecycle().getPreStop();
        if (preStop.getExec() != null) {
            List<String> exec = new java.util.ArrayList<>(List.of("exec", container));
            exec.addAll(preStop.getExec().getCommand());
            podman.run(exec.toArray(String[]::new));
        } else {
            assertThat(preStop.getSleep()).as("preStop").isNotNull();
        }
    }

    private int status(Probe probe) throws IOException, InterruptedException {
        HTTPGetAction get = probe.getHttpGet();
        int port = get.getPort().getIntVal() != null ? get.getPort().getIntVal() : chartPod.ports().get(get.getPort().getStrVal());
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.address() + ":" + port + get.getPath()))
                    .timeout(Duration.ofSeconds(probe.getTimeoutSeconds())).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException | HttpTimeoutException e) {
            return -1; // not listening yet, or no answer within the probe's timeout: a failed probe, as for the kubelet
        }
    }

    @SuppressWarnings("unchecked")
    private double metric(String name, String tag) throws IOException, InterruptedException {
        Map<String, Object> json = actuator("/actuator/metrics/" + name + "?tag=" + tag);
        List<Map<String, Object>> measurements = (List<Map<String, Object>>) json.get("measurements");
        return ((Number) measurements.get(0).get("value")).doubleValue();
    }

    /** The ids of the JVM's memory pools ("G1 Old Gen", ...), as the actuator's metric tags list them. */
    @SuppressWarnings("unchecked")
    private List<String> memoryPools() throws IOException, InterruptedException {
        Map<String, Object> json = actuator("/actuator/metrics/jvm.memory.max");
        List<Map<String, Object>> tags = (List<Map<String, Object>>) json.get("availableTags");
        return tags.stream().filter(t -> t.get("tag").equals("id")).findFirst()
                .map(t -> (List<String>) t.get("values")).orElseThrow();
    }

    private Map<String, Object> actuator(String path) throws IOException, InterruptedException {
        String uri = "http://" + host.address() + ":" + chartPod.ports().get("management") + path;
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return new Yaml().load(response.body());
    }

    private int memcachePort() {
        Map<String, Map<String, Object>> listeners = at(manifests.applicationYaml(), "evbase.listeners");
        return listeners.entrySet().stream().filter(l -> "memcache".equals(l.getValue().get("protocol")))
                .map(l -> chartPod.ports().get(l.getKey())).findFirst().orElseThrow();
    }

    private void assertEchoes(int port) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("evbase pod check\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(reader.readLine()).isEqualTo("evbase pod check");
        }
    }

    private void assertStoresAndReturns(int port) throws IOException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("version\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).startsWith("VERSION ");
            out.write("set pod-check 5 0 2\r\nok\r\nget pod-check\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).isEqualTo("STORED");
            assertThat(readLine(in)).isEqualTo("VALUE pod-check 5 2");
            assertThat(readLine(in)).isEqualTo("ok");
            assertThat(readLine(in)).isEqualTo("END");
        }
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host.address(), port), 2000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private boolean refuses(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host.address(), port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One CRLF-terminated line, without the CRLF; bytes, so a value's bytes are never decoded. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        for (int b = in.read(); b != -1; b = in.read()) {
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(Arrays.copyOf(bytes, bytes.length - 1), StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
        throw new IOException("connection closed after " + line.size() + " bytes of a line");
    }

    private String logs() {
        return podman.run("logs", container);
    }
}
