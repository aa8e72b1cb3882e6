package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.support.AsyncLinesHandler;
import io.evbase.support.Clients;
import io.evbase.support.TestServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A peer that pipelines requests, never reads, and then resets the connection: the server stops serving it the
 * moment it learns the peer is gone (its next write fails), and the requests still unread or unanswered are
 * dropped, not served for nobody.
 */
class ResetPeerTest {

    @Test
    void requestsOfAPeerThatResetAreDroppedNotServed() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        int reply = 64 * 1024;
        int requests = 200; // 12.5 MiB of replies: far more than the watermark and the kernel's buffers take
        int served;
        try (TestServer ts = TestServer.start("async", handler, l -> l.withWatermarks(1 << 20, 256 << 10, 64 << 10))) {
            try (Socket s = Clients.connect(ts.port)) {
                s.setReceiveBufferSize(16 * 1024);
                StringBuilder pipeline = new StringBuilder();
                for (int i = 0; i < requests; i++) {
                    pipeline.append("big ").append(reply).append(' ').append(i).append('\n');
                }
                s.getOutputStream().write(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
                // The server stops serving once the socket takes no more: requests wait unread in its input while
                // the reply it could not send waits in its output (a write per event is bounded, so this may be
                // far below the watermark).
                await().atMost(Duration.ofSeconds(10)).until(() -> ts.server.connections(Duration.ofSeconds(5))
                        .stream().anyMatch(c -> c.outputBytes() > 0 && c.inputBytes() > 0));
                served = handler.requests.get();
                assertThat(served).isLessThan(requests);
                s.setSoLinger(true, 0); // a reset
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.server.listener("async").closed(CloseReason.RESET)
                    == 1);
            assertThat(handler.requests.get()).as("requests served after the server stalled").isEqualTo(served);
            assertThat(handler.closes.values()).containsExactly(CloseReason.RESET);
        }
    }
}
