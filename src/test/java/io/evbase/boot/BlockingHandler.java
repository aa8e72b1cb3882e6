package io.evbase.boot;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.time.Instant;

/**
 * A test protocol that misbehaves on purpose: {@code block <millis>} sleeps on the loop thread (what the design
 * forbids) and answers {@code done}; any other line is echoed.
 *
 * <p>Threading: runs on the loops; the fields are written by the blocked loop and read by the test thread.
 */
final class BlockingHandler implements ProtocolHandler<Session> {

    private final LineFramer framer = new LineFramer(1024);
    volatile int blockedLoop = -1;
    volatile Instant blockStarted;

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
            if (line.startsWith("block ")) {
                blockedLoop = connection.loop().id();
                blockStarted = Instant.now();
                Thread.sleep(Long.parseLong(line.substring(6).trim()));
                connection.output().writeAscii("done\r\n");
            } else {
                connection.output().writeAscii(line).writeAscii("\r\n");
            }
        }
    }
}
