package io.evbase.hardening;

import io.evbase.net.Connection;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;

/**
 * A request/reply line protocol for the hardening tests: each request line {@code x} is answered {@code OK x\r\n}
 * (so a reply can be told apart from an echo, and a cut reply from a whole one); a line longer than 1 KiB gets
 * {@code ERROR line too long} and a close. Respects writability, as handlers must.
 */
public final class RequestReplyHandler implements ProtocolHandler {

    private final LineFramer lines = new LineFramer(1024);

    @Override
    public String protocolName() {
        return "lines";
    }

    @Override
    public void onRead(Connection c) {
        while (c.isWritable()) {
            int lf = lines.findLineEnd(c.input());
            if (lf == LineFramer.TOO_LONG) {
                c.output().writeAscii("ERROR line too long\r\n");
                c.close();
                return;
            }
            if (lf < 0) {
                return;
            }
            int len = LineFramer.contentLength(c.input(), lf);
            c.output().writeAscii("OK ");
            c.output().transferFrom(c.input(), len);
            c.output().writeAscii("\r\n");
            c.input().skip(lf + 1 - len);
        }
    }
}
