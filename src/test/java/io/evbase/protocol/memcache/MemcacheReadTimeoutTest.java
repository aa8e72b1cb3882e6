package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.net.CloseReason;
import io.evbase.net.ListenerSpec;
import io.evbase.support.Clients;
import io.evbase.support.TestServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The listener's read timeout also covers a value the handler is receiving, whose bytes left the input. */
class MemcacheReadTimeoutTest {

    @Test
    void aValueThatStopsHalfwayIsCutByTheReadTimeout() throws Exception {
        ListenerSpec config = ListenerSpec.of("memcache", 0, new MemcacheHandler())
                .withTimeouts(Duration.ZERO, Duration.ofMillis(400), Duration.ZERO);
        try (TestServer ts = TestServer.start(config); Socket s = Clients.connect(ts.port)) {
            long start = System.nanoTime();
            s.getOutputStream().write("set k 0 0 100\r\n0123456789".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("closed without a reply").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> ts.server.listener("memcache").closed(CloseReason.READ_TIMEOUT) == 1);
        }
    }

    @Test
    void completeCommandsAreNotCut() throws Exception {
        ListenerSpec config = ListenerSpec.of("memcache", 0, new MemcacheHandler())
                .withTimeouts(Duration.ZERO, Duration.ofMillis(300), Duration.ZERO);
        try (TestServer ts = TestServer.start(config); Socket s = Clients.connect(ts.port)) {
            for (int i = 0; i < 5; i++) {
                s.getOutputStream().write("set k 0 0 2\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(Clients.readN(s.getInputStream(), 8)).isEqualTo("STORED\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(150);
            }
            assertThat(ts.server.listener("memcache").closed(CloseReason.READ_TIMEOUT)).isZero();
        }
    }
}
