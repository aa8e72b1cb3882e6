package io.evbase.support;

import io.evbase.net.Connection;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;

/**
 * A test protocol: echoes complete lines, leaves a partial line in the input (so read timeouts apply), closes on
 * an over-long line, throws on the line {@code boom}.
 */
public final class LineEchoHandler implements ProtocolHandler<Session> {

    private final LineFramer framer = new LineFramer(1024);

    @Override
    public Session open(Connection c) {
        return () -> onRead(c);
    }

    /** Serves {@code c}'s input; other test handlers build on it. */
    public void onRead(Connection c) {
        while (c.isWritable()) {
            int lf = framer.findLineEnd(c.input());
            if (lf == LineFramer.TOO_LONG) {
                c.output().writeAscii("ERROR line too long\r\n");
                c.close();
                return;
            }
            if (lf < 0) {
                return;
            }
            int len = LineFramer.contentLength(c.input(), lf);
            if (len == 4 && "boom".equals(c.input().toAscii(0, 4))) {
                throw new IllegalStateException("boom requested");
            }
            c.output().transferFrom(c.input(), lf + 1);
        }
    }
}
