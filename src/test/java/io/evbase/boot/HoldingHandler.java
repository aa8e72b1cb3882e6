package io.evbase.boot;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Bean;

/**
 * A test protocol that misbehaves on purpose: {@code hold} blocks its loop thread (what the design forbids) until
 * the test {@linkplain #release() releases} it, then answers {@code released}; any other line is echoed. Unlike a
 * sleep, the loop stays stalled exactly as long as the test needs to look at it.
 *
 * <p>Threading: {@link #onRead} runs on the loops; {@link #awaitHolding}, {@link #release} and {@link #heldLoop} on the
 * test thread.
 */
final class HoldingHandler implements ProtocolHandler<Session> {

    /** The longest a loop is held if the test never releases it (it failed before it could). */
    private static final long LIMIT_SECONDS = 120;

    private final LineFramer framer = new LineFramer(1024);
    private volatile CountDownLatch holding = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(1);
    private volatile int heldLoop = -1;

    @Override
    public Session open(Connection connection) {
        return () -> onRead(connection);
    }

    private void onRead(Connection connection) throws InterruptedException {
        BufferChain in = connection.input();
        int lf;
        while ((lf = framer.findLineEnd(in)) >= 0) {
            String line = in.toAscii(0, LineFramer.contentLength(in, lf));
            in.skip(lf + 1);
            if (line.equals("hold")) {
                CountDownLatch until = release; // taken before the test can see the hold and replace it
                heldLoop = connection.loop().id();
                holding.countDown();
                until.await(LIMIT_SECONDS, TimeUnit.SECONDS);
                connection.output().writeAscii("released\r\n");
            } else {
                connection.output().writeAscii(line).writeAscii("\r\n");
            }
        }
    }

    /** Waits until a loop is held, and returns its id. */
    int awaitHolding(long timeout, TimeUnit unit) throws InterruptedException {
        if (!holding.await(timeout, unit)) {
            throw new IllegalStateException("no loop took the hold within " + timeout + " " + unit);
        }
        return heldLoop;
    }

    /** Lets the held loop go, and arms the handler for the next hold. */
    void release() {
        CountDownLatch r = release;
        holding = new CountDownLatch(1);
        release = new CountDownLatch(1);
        heldLoop = -1;
        r.countDown();
    }

    /** Registers the handler as the {@code holding} protocol; imported by the tests that need it. */
    static class Configuration {

        @Bean(name = "holding")
        HoldingHandler holding() {
            return new HoldingHandler();
        }
    }
}
