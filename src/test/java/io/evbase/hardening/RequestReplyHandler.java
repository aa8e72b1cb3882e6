package io.evbase.hardening;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.util.function.BooleanSupplier;

/**
 * A request/reply line protocol for the hardening tests: each request line {@code x} is answered {@code OK x\r\n}
 * (so a reply can be told apart from an echo, and a cut reply from a whole one); a line longer than the maximum
 * (1 KiB) gets {@code ERROR line too long} and a close. Respects writability, as handlers must. {@link LineModel}
 * computes its answers independently.
 */
public final class RequestReplyHandler implements ProtocolHandler<Session> {

    static final int MAX_LINE = 1024;
    private final LineFramer lines = new LineFramer(MAX_LINE);

    @Override
    public Session open(Connection c) {
        return () -> {
            if (!answer(lines, c.input(), c.output(), c::isWritable)) {
                c.close();
            }
        };
    }

    /**
     * The parser and the replies on bare buffer chains, so that they can be fuzzed without sockets too: answers
     * every complete request while {@code writable}, leaves a partial one in {@code in}.
     *
     * @return false if the peer sent a line too long (the error reply is written; the connection must close)
     */
    static boolean answer(LineFramer lines, BufferChain in, BufferChain out, BooleanSupplier writable) {
        while (writable.getAsBoolean()) {
            int lf = lines.findLineEnd(in);
            if (lf == LineFramer.TOO_LONG) {
                out.writeAscii("ERROR line too long\r\n");
                return false;
            }
            if (lf < 0) {
                return true;
            }
            int len = LineFramer.contentLength(in, lf);
            out.writeAscii("OK ");
            out.transferFrom(in, len);
            out.writeAscii("\r\n");
            in.skip(lf + 1 - len);
        }
        return true;
    }
}
