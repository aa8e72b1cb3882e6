package io.evbase.protocol.echo;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;

/**
 * The echo protocol (RFC 862 over TCP): every byte received is sent back. Whole input chunks move to the output
 * without copying.
 *
 * <p>Threading: the handler is stateless and serves every loop at once; each session runs on its connection's loop.
 */
public final class EchoHandler implements ProtocolHandler<Session> {

    @Override
    public Session open(Connection connection) {
        return () -> echo(connection);
    }

    private static void echo(Connection connection) {
        // A chunk at a time while the connection is writable, so that a peer that does not read makes the server hold
        // at most one chunk beyond the write high watermark; the rest waits in the input, which stops reading at its
        // own watermark, and the connection calls back once the peer catches up. (All of the input at once held up
        // to a whole read, up to the read high watermark, beyond it.)
        BufferChain input = connection.input();
        int step = input.chunkSize();
        while (!input.isEmpty() && connection.isWritable()) {
            connection.output().transferFrom(input, Math.min(step, input.readableBytes()));
        }
    }
}
