package io.evbase.protocol.echo;

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
        // Bounded by the connection: reading pauses once the output passes its high watermark.
        connection.output().transferFrom(connection.input(), connection.input().readableBytes());
    }
}
