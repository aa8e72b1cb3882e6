package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.evbase.server.EvbaseApplication;
import io.evbase.support.Figures;
import io.evbase.support.NonReadingClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * Measured as an operator would: through {@code GET /actuator/reactor/connections} and
 * {@code /actuator/reactor/buffers} of the application, while a client pipelines requests and never reads.
 * The connection holds at most the write high watermark plus one chunk of output and the read high watermark of
 * input.
 */
@SpringBootTest(classes = EvbaseApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=",
        "evbase.workers=1",
        "evbase.buffers.chunk-size=16KB",
        "evbase.listeners.echo.port=0",
        "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1",
        "evbase.listeners.echo.read-high-watermark=64KB",
        "evbase.listeners.echo.write-high-watermark=128KB",
        "evbase.listeners.echo.write-low-watermark=32KB",
        "evbase.listeners.lines.port=0",
        "evbase.listeners.lines.protocol=lines",
        "evbase.listeners.lines.bind-address=127.0.0.1",
        "evbase.listeners.lines.read-high-watermark=64KB",
        "evbase.listeners.lines.write-high-watermark=128KB",
        "evbase.listeners.lines.write-low-watermark=32KB",
        "evbase.listeners.memcache.port=0",
        "evbase.listeners.memcache.protocol=memcache",
        "evbase.listeners.memcache.bind-address=127.0.0.1",
        "evbase.listeners.memcache.read-high-watermark=64KB",
        "evbase.listeners.memcache.write-high-watermark=128KB",
        "evbase.listeners.memcache.write-low-watermark=32KB" })
@Import(HardeningProtocols.class)
class SlowConsumerEndpointTest {

    private static final int KIB = 1024;
    private static final int CHUNK = 16 * KIB;
    private static final int READ_HIGH = 64 * KIB;
    private static final int WRITE_HIGH = 128 * KIB;

    @Value("${local.server.port}")
    int httpPort;

    @Autowired
    io.evbase.net.Server server;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void echo() throws Exception {
        measure("echo", "x".repeat(99) + "\n");
    }

    @Test
    void requestReply() throws Exception {
        measure("lines", "get some-key-of-moderate-length\n");
    }

    /** Pipelined gets of a 4,000-byte value: each reply is smaller than a chunk. */
    @Test
    void memcacheGetsOfASmallValue() throws Exception {
        store("small", 4000);
        measure("memcache", "get small\r\n", 4000 + 24 + 5);
    }

    /** Pipelined gets of a 100 KiB value: each reply is larger than a chunk, and the bound is one reply. */
    @Test
    void memcacheGetsOfALargeValue() throws Exception {
        store("large", 100 * KIB);
        measure("memcache", "get large\r\n", 100 * KIB + 26 + 5);
    }

    private void store(String key, int size) throws IOException {
        try (java.net.Socket s = io.evbase.support.Clients.connect(server.listener("memcache").port())) {
            s.getOutputStream().write(("set " + key + " 0 0 " + size + "\r\n" + "v".repeat(size) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(io.evbase.support.Clients.readN(s.getInputStream(), 8), StandardCharsets.US_ASCII))
                    .isEqualTo("STORED\r\n");
        }
    }

    private void measure(String listener, String request) throws Exception {
        measure(listener, request, CHUNK);
    }

    /** @param oneReply the most one reply adds past the write high watermark (a chunk for the echo) */
    private void measure(String listener, String request, int oneReply) throws Exception {
        int port = server.listener(listener).port();
        try (NonReadingClient hog = NonReadingClient.connect(port, 16 * KIB)) {
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong maxOut = new AtomicLong();
            AtomicLong maxIn = new AtomicLong();
            AtomicLong maxInUse = new AtomicLong();
            AtomicLong samples = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    try {
                        String page = get("/actuator/reactor/connections?size=1000");
                        List<Map<String, Object>> conns = JsonPath.read(page,
                                "$.connections[?(@.listener == '" + listener + "')]");
                        for (Map<String, Object> c : conns) {
                            maxOut.accumulateAndGet(((Number) c.get("outputBytes")).longValue(), Math::max);
                            maxIn.accumulateAndGet(((Number) c.get("inputBytes")).longValue(), Math::max);
                        }
                        Number inUse = JsonPath.read(get("/actuator/reactor/buffers"), "$.inUseBytes");
                        maxInUse.accumulateAndGet(inUse.longValue(), Math::max);
                        samples.incrementAndGet();
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "endpoint-sampler");
            sampler.start();

            // Pipelined until the server has stopped reading (the connection's output past the watermark; the only
            // one) and every buffer on the way is full.
            long sent = hog.pipelineUntilFull(request.getBytes(StandardCharsets.US_ASCII),
                    () -> server.outputBytes() > WRITE_HIGH, Duration.ofSeconds(20));
            long before = samples.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> samples.get() > before + 5); // samples at rest too
            sampling.set(false);
            sampler.join();
            String atRest = get("/actuator/reactor/connections?size=1000");
            long restOut = ((Number) JsonPath.<List<Number>>read(atRest,
                    "$.connections[?(@.listener == '" + listener + "')].outputBytes").get(0)).longValue();
            long restIn = ((Number) JsonPath.<List<Number>>read(atRest,
                    "$.connections[?(@.listener == '" + listener + "')].inputBytes").get(0)).longValue();
            hog.close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ((Number) JsonPath.read(get("/actuator/reactor/buffers"), "$.inUseBytes")).longValue() == 0);

            Figures.print("5 slow consumer via /actuator/reactor (" + listener + ", "
                    + (request.length() > 40 ? request.length() + "-byte requests" : request.trim()) + ")",
                    "pipelined %d KiB, never read; %d endpoint samples: connection outputBytes max %d KiB (write-high"
                            + " %d KiB + one reply or chunk %d B), inputBytes max %d KiB (read-high %d KiB), at rest"
                            + " out %d KiB / in %d KiB; buffers.inUseBytes max %d KiB, 0 after the client left",
                    sent / KIB, samples.get(), maxOut.get() / KIB, WRITE_HIGH / KIB, Math.max(oneReply, CHUNK),
                    maxIn.get() / KIB, READ_HIGH / KIB, restOut / KIB, restIn / KIB, maxInUse.get() / KIB);
            assertThat(maxOut.get()).isLessThanOrEqualTo(WRITE_HIGH + Math.max(oneReply, CHUNK));
            assertThat(maxIn.get()).isLessThanOrEqualTo(READ_HIGH);
            assertThat(restOut).isGreaterThan(WRITE_HIGH); // it really was held at the watermark
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode());
        }
        return response.body();
    }
}
