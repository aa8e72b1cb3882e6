package io.evbase.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A client that sends and never reads (a slow consumer): the replies pile up in the server, which must hold them to
 * its watermarks, stop reading the client, keep serving the others, and cannot finish a drain until the client
 * leaves. It connects with a small receive buffer (set before connecting, so that the window stays small) and either
 * pipelines requests until every buffer between it and the server is full ({@link #pipelineUntilFull}) or writes in
 * the background ({@link #writeInBackground}).
 *
 * <p>Threading: the test thread, and the writer thread of {@link #writeInBackground}; {@link #sent()} from any
 * thread. {@link #close()} resets the connection; closing again does nothing.
 */
public final class NonReadingClient implements AutoCloseable {

    private final SocketChannel channel;
    private final AtomicLong sent = new AtomicLong();
    private Thread writer;

    private NonReadingClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to 127.0.0.1:{@code port} with a receive buffer of {@code receiveBuffer} bytes. */
    public static NonReadingClient connect(int port, int receiveBuffer) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            channel.connect(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new NonReadingClient(channel);
    }

    /**
     * Writes {@code request} over and over without blocking until the server has stopped reading this client (the
     * test's {@code serverStoppedReading}, read from the server's state: its output for the client above the write
     * high watermark, say) and the kernel takes nothing more: every buffer on the way is full, and stays so.
     *
     * @return the bytes sent so far
     * @throws AssertionError if that does not happen within {@code atMost}
     */
    public long pipelineUntilFull(byte[] request, BooleanSupplier serverStoppedReading, Duration atMost)
            throws IOException {
        ByteBuffer batch = ByteBuffer.allocate(64 * 1024 - (64 * 1024) % request.length);
        while (batch.hasRemaining()) {
            batch.put(request);
        }
        channel.configureBlocking(false);
        long deadline = System.nanoTime() + atMost.toNanos();
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_WRITE);
            while (true) {
                batch.clear();
                int n = channel.write(batch);
                sent.addAndGet(n);
                if (n == 0) {
                    if (serverStoppedReading.getAsBoolean()) {
                        return sent.get();
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the server kept reading for " + atMost + "; sent " + sent.get());
                    }
                    selector.select(10); // until the kernel takes more, or a moment to look at the server again
                    selector.selectedKeys().clear();
                }
            }
        }
    }

    /** One write without blocking: what the kernel takes of {@code bytes}. */
    public int write(ByteBuffer bytes) throws IOException {
        channel.configureBlocking(false);
        int n = channel.write(bytes);
        sent.addAndGet(n);
        return n;
    }

    /** Writes {@code bytes} bytes with blocking writes on a thread of its own; a write the close cuts ends it. */
    public NonReadingClient writeInBackground(long bytes) {
        writer = new Thread(() -> {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            try {
                for (long left = bytes; left > 0; left -= chunk.capacity()) {
                    chunk.clear().limit((int) Math.min(chunk.capacity(), left));
                    while (chunk.hasRemaining()) {
                        sent.addAndGet(channel.write(chunk));
                    }
                }
            } catch (IOException e) {
                // reset by close(): expected
            }
        }, "non-reading-client");
        writer.setDaemon(true);
        writer.start();
        return this;
    }

    /** Bytes written so far. */
    public long sent() {
        return sent.get();
    }

    public SocketChannel channel() {
        return channel;
    }

    /** Leaves abortively (RST): the server finds out at its next write and releases the connection. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (channel.isOpen()) {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            channel.close();
        }
        if (writer != null) {
            writer.join(10_000);
        }
    }
}
