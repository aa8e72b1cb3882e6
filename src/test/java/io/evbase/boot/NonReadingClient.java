package io.evbase.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A client that writes far more than it reads (nothing): an echo server's output to it piles up, so the
 * connection holds buffers and cannot finish a drain until the client leaves.
 *
 * <p>Threading: a writer thread of its own; {@link #close()} from the test thread resets the connection.
 */
final class NonReadingClient implements AutoCloseable {

    private final Socket socket = new Socket();
    private final Thread writer;

    NonReadingClient(int port, int megabytes) throws IOException {
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        writer = new Thread(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; i < megabytes * 16; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // reset by close(): expected
            }
        }, "non-reading-client");
        writer.setDaemon(true);
        writer.start();
    }

    /** Leaves abortively (RST): the server finds out at its next write and releases the connection. */
    @Override
    public void close() throws IOException, InterruptedException {
        socket.setSoLinger(true, 0);
        socket.close();
        writer.join(10_000);
    }
}
