package example.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kv-server against a real client over sockets, the server in a JVM of its own. */
class KvServerTest {

    private static KvProcess kv;

    @BeforeAll
    static void start() throws Exception {
        kv = KvProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        kv.close();
    }

    @Test
    void thousandPipelinedMixedRequestsWithSlowOnesComeBackCompleteAndInOrder() throws Exception {
        Random random = new Random(42);
        Map<String, String> model = new HashMap<>();
        List<byte[]> requests = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String key = "key" + random.nextInt(40);
            if (i % 10 == 7) {
                requests.add(KvClient.slow(1 + random.nextInt(40), "slow" + i));
                expected.add("Sslow" + i);
            } else if (random.nextInt(3) == 0) {
                String value = "value-" + i + "-ü";
                requests.add(KvClient.put(key, value));
                model.put(key, value);
                expected.add("K");
            } else if (random.nextInt(4) == 0) {
                requests.add(KvClient.delete(key));
                expected.add(model.remove(key) == null ? "N" : "K");
            } else {
                requests.add(KvClient.get(key));
                String value = model.get(key);
                expected.add(value == null ? "N" : "V" + value);
            }
        }
        try (KvClient client = new KvClient(kv.port())) {
            client.send(requests.toArray(byte[][]::new));
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                replies.add(client.reply());
            }
            assertThat(replies).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aClientThatHalfClosesAfterSixRequestsOneSlowGetsSixReplies() throws Exception {
        try (KvClient client = new KvClient(kv.port())) {
            client.send(KvClient.put("h", "1"), KvClient.get("h"), KvClient.slow(500, "late"), KvClient.get("h"),
                    KvClient.delete("h"), KvClient.get("h"));
            client.halfClose();
            assertThat(List.of(client.reply(), client.reply(), client.reply(), client.reply(), client.reply(),
                    client.reply())).containsExactly("K", "V1", "Slate", "V1", "K", "N");
            assertThat(client.reply()).isNull(); // then the close
        }
    }

    @Test
    void aFrameDeclaringTwoGibibytesGetsAnErrorAndACloseWithoutTheServerAllocatingIt() throws Exception {
        long pooledBefore = JsonPath.<Number>read(reactor(kv), "$.buffers.allocatedBytes").longValue();
        try (KvClient client = new KvClient(kv.port())) {
            client.sendRaw(ByteBuffer.allocate(8).putInt(Integer.MIN_VALUE).put((byte) 'P').array()); // 2^31 bytes
            assertThat(client.reply()).startsWith("E").contains("too long");
            assertThat(client.reply()).isNull();
        }
        // The server runs with -Xmx128m and -XX:+ExitOnOutOfMemoryError: allocating the frame would have ended it.
        assertThat(kv.isAlive()).isTrue();
        long pooledAfter = JsonPath.<Number>read(reactor(kv), "$.buffers.allocatedBytes").longValue();
        assertThat(pooledAfter - pooledBefore).isLessThan(1 << 20);
    }

    @Test
    void badFramesGetAnErrorAfterTheRepliesBeforeThemThenTheClose() throws Exception {
        byte[][] bad = {
            KvClient.frame(new byte[0]),                                   // length 0
            KvClient.frame(new byte[] {'X', 0, 1, 'k'}),                   // unknown op
            KvClient.frame(new byte[] {'G', 0, 10, 'k'}),                  // key longer than the body
            KvClient.frame(new byte[] {'S', 0, 0}),                        // millis cut short
            ByteBuffer.allocate(5).putInt((1 << 20) + 1).put((byte) 'G').array(), // one byte over the maximum
        };
        for (byte[] frame : bad) {
            try (KvClient client = new KvClient(kv.port())) {
                client.send(KvClient.put("b", "v"), KvClient.slow(50, "before"));
                client.sendRaw(frame);
                assertThat(client.reply()).isEqualTo("K");
                assertThat(client.reply()).isEqualTo("Sbefore");
                assertThat(client.reply()).startsWith("E");
                assertThat(client.reply()).isNull();
            }
        }
    }

    @Test
    void sigtermWithFiveSlowRequestsInFlightDeliversFiveRepliesBeforeTheClose() throws Exception {
        try (KvProcess own = KvProcess.start(); KvClient client = new KvClient(own.port())) {
            byte[][] slow = new byte[5][];
            long bytes = 0;
            for (int i = 0; i < slow.length; i++) {
                slow[i] = KvClient.slow(6000, "s" + i);
                bytes += slow[i].length;
            }
            client.send(slow);
            long sent = bytes;
            // Read by the server means in flight: each frame is handed to the blocking executor as it is read.
            await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<List<Number>>read(reactor(own),
                    "$.listeners[?(@.name=='kv')].bytesRead").get(0).longValue() == sent);
            own.terminate();
            // The drain has begun (the actuator still answers while it runs) and no reply is out yet.
            await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<Boolean>read(reactor(own), "$.draining"));
            assertThat(client.available()).as("replies in flight when the drain began").isZero();
            for (int i = 0; i < slow.length; i++) {
                assertThat(client.reply()).isEqualTo("Ss" + i);
            }
            assertThat(client.reply()).isNull();
            assertThat(own.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(own.output()).anyMatch(line -> line.contains("evbase stopped"))
                    .noneMatch(line -> line.contains("drain timeout"));
        }
    }

    private static String reactor(KvProcess process) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + process.managementPort() + "/actuator/reactor"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
