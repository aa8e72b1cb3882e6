package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.support.Clients;
import io.evbase.support.LogCapture;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * The buffer pool at its budget, as connections meet it: one that cannot get memory to read pauses reading (its
 * bytes wait in the kernel) and resumes when memory is given back; one whose reply cannot be allocated is closed,
 * counted {@code no_memory}, and nobody else is hurt.
 */
class MemoryBudgetTest {

    private static final int CHUNK = 4096;
    /** 16 chunks; socket reads may take 14 of them (the pool keeps 1/8 for replies). */
    private static final long BUDGET = 16L * CHUNK;
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Holds a request until its line ends; then echoes all of it. "big" answers more than the whole budget. */
    static final class HoldingEcho implements ProtocolHandler<Session> {
        @Override
        public Session open(Connection c) {
            return () -> {
                BufferChain in = c.input();
                if (in.readableBytes() == 4 && "big\n".equals(in.toAscii(0, 4))) {
                    in.skip(4);
                    c.output().write(new byte[(int) (2 * BUDGET)]);
                } else if (in.indexOf((byte) '\n', 0) >= 0) {
                    c.output().transferFrom(in, in.readableBytes());
                }
            };
        }
    }

    @Test
    void aConnectionThatCannotGetMemoryToReadPausesThenResumesWhenMemoryIsGivenBack() throws Exception {
        BufferPool pool = new BufferPool(CHUNK, CHUNK, 0, BUDGET);
        Server server = new Server(new EventBaseGroup(1, "budget-", Dispatch.ROUND_ROBIN), pool,
                List.of(ListenerSpec.of("hold", 0, new HoldingEcho())));
        server.start();
        try (Socket hog = Clients.connect(server.listener("hold").port());
                Socket waiter = Clients.connect(server.listener("hold").port())) {
            // The hog fills what reads may take with a request that never ends.
            byte[] hogRequest = new byte[13 * CHUNK];
            hog.getOutputStream().write(hogRequest);
            await().atMost(WAIT).until(() -> server.inputBytes() == hogRequest.length);
            byte[] request = new byte[3 * CHUNK];
            Arrays.fill(request, (byte) 'w');
            request[request.length - 1] = '\n';
            waiter.getOutputStream().write(request);
            // The waiter's read is refused: its bytes wait in the kernel, it is not closed, nothing is answered.
            await().atMost(WAIT).until(() -> pool.readRefusals() > 0);
            assertThat(server.inputBytes()).isLessThan(hogRequest.length + request.length);
            assertThat(server.listener("hold").openConnections()).isEqualTo(2);
            assertThat(waiter.getInputStream().available()).isZero();
            // The hog leaves: its memory comes back, and the waiter is served.
            hog.close();
            assertThat(Clients.readN(waiter.getInputStream(), request.length)).isEqualTo(request);
            assertThat(server.listener("hold").closed(CloseReason.NO_MEMORY)).isZero();
        } finally {
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aReplyThatCannotBeAllocatedClosesItsConnectionCountedAndTheOthersGoOn() throws Exception {
        BufferPool pool = new BufferPool(CHUNK, CHUNK, 0, BUDGET);
        Server server = new Server(new EventBaseGroup(1, "budget-", Dispatch.ROUND_ROBIN), pool,
                List.of(ListenerSpec.of("hold", 0, new HoldingEcho())));
        server.start();
        try (LogCapture log = LogCapture.start("io.evbase");
                Socket greedy = Clients.connect(server.listener("hold").port());
                Socket other = Clients.connect(server.listener("hold").port())) {
            greedy.getOutputStream().write("big\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = greedy.getInputStream();
            Clients.readToEnd(in); // whatever went out before the refusal, then the close
            await().atMost(WAIT).until(() -> server.listener("hold").closed(CloseReason.NO_MEMORY) == 1);
            assertThat(pool.writeRefusals()).isPositive();
            other.getOutputStream().write("still served\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(Clients.readN(other.getInputStream(), 13), StandardCharsets.US_ASCII))
                    .isEqualTo("still served\n");
            assertThat(log.atLeast(Level.WARNING)).as("an expected condition, not a handler's bug: no stack trace")
                    .isEmpty();
        } finally {
            server.shutdown(Duration.ofSeconds(5));
        }
    }
}
