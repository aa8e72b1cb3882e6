package io.evbase.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Small blocking-socket helpers for tests. */
public final class Clients {

    private Clients() {
    }

    public static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(20_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /**
     * Echo with the pipe full: {@code times} copies of {@code block} written from a thread of their own while this
     * one reads each echo back and compares it; a failed write fails the call (after the reads it left unanswered).
     */
    public static void echoesPipelined(Socket s, byte[] block, int times) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < times; i++) {
                    out.write(block);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (int i = 0; i < times; i++) {
            assertThat(readN(in, block.length)).as("echo %d of %d", i + 1, times).isEqualTo(block);
        }
        writes.get(20, TimeUnit.SECONDS);
    }

    /** Reads exactly {@code n} bytes, or fewer if the peer closes first. */
    public static byte[] readN(InputStream in, int n) throws IOException {
        byte[] buf = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(buf, off, n - off);
            if (r < 0) {
                byte[] shorter = new byte[off];
                System.arraycopy(buf, 0, shorter, 0, off);
                return shorter;
            }
            off += r;
        }
        return buf;
    }

    /** Reads until the peer closes, or resets: what arrived before. */
    public static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            int r;
            while ((r = in.read(buf)) >= 0) {
                out.write(buf, 0, r);
            }
        } catch (SocketException reset) {
            // a reset ends it too
        }
        return out.toByteArray();
    }

    /**
     * The "closed after a timeout" check: reads until the server closes {@code s} (end of stream or reset), checks
     * that this came no sooner than {@code timeout} after {@code sinceNanos}, then waits until the server counted the
     * close ({@code counted} holds). Returns what arrived before the close.
     */
    public static byte[] assertClosedAfter(Socket s, long sinceNanos, Duration timeout, BooleanSupplier counted)
            throws IOException {
        byte[] before = readUntilClosed(s.getInputStream());
        assertThat(Duration.ofNanos(System.nanoTime() - sinceNanos)).as("closed after").isGreaterThanOrEqualTo(timeout);
        await().atMost(Duration.ofSeconds(10)).until(counted::getAsBoolean);
        return before;
    }

    /** Reads until the peer closes. */
    public static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int r;
        while ((r = in.read(buf)) >= 0) {
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }
}
