package io.evbase.support;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** A real server on 127.0.0.1 and an ephemeral port, closed by the test that made it (try-with-resources). */
public final class TestServer implements AutoCloseable {

    public final Server server;
    public final int port;

    private TestServer(Server server) {
        this.server = server;
        this.port = server.listeners().get(0).port();
    }

    public static TestServer start(ListenerSpec listener) {
        return start(listener, 2, 1024);
    }

    public static TestServer start(ListenerSpec listener, int loops, int chunkSize) {
        EventBaseGroup group = new EventBaseGroup(loops, "test-loop-", Dispatch.ROUND_ROBIN);
        BufferPool pool = new BufferPool(chunkSize, 64L * chunkSize, 4L << 20);
        Server server = new Server(group, pool, List.of(listener.withPort(0)));
        try {
            return new TestServer(server.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestServer start(String name, io.evbase.net.ConnectionHandler handler,
            UnaryOperator<ListenerSpec> tweak) {
        return start(tweak.apply(ListenerSpec.of(name, 0, handler)));
    }

    public BufferPool pool() {
        return server.bufferPool();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown(Duration.ofSeconds(5));
    }
}
