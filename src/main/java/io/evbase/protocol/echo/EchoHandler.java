package io.evbase.protocol.echo;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.protocol.ProtocolHandler;

/**
 * The echo protocol (RFC 862 over TCP): every byte received is sent back. Whole input chunks move to the output
 * without copying.
 *
 * <p>Threading: stateless; runs on every loop at once.
 */
public final class EchoHandler implements ProtocolHandler {

    @Override
    public String protocolName() {
        return "echo";
    }

    @Override
    public void onRead(Connection connection) {
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
