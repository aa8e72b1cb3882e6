package io.evbase.protocol.memcache;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A raw TCP client for protocol tests: sends byte sequences however they should be split, and reads replies until
 * a marker, the peer's close, or a quiet period.
 */
final class WireClient implements AutoCloseable {

    static final String CLOSED = "<CLOSED>";
    /** A request no case sends, whose reply ends every synced step: a miss echoing its opaque token. */
    private static final byte[] SYNC = "mg sync.sentinel.evbase Osync\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SYNC_REPLY = "EN Osync\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean closed;
    /** A write failed: the server hung up. Reads go on, to collect what it said before and see the close. */
    private boolean writeFailed;

    WireClient(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a connected socket of the caller's (a TLS socket, say). */
    WireClient(Socket connected) throws IOException {
        socket = connected;
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends {@code data} in one write. */
    void send(byte[] data) throws IOException {
        if (closed || writeFailed) {
            return;
        }
        try {
            out.write(data);
            out.flush();
        } catch (IOException e) {
            writeFailed = true; // the server hung up; what it said before, and its close, are still to be read
        }
    }

    /** Sends {@code data} in writes of {@code size} bytes. */
    void dribble(byte[] data, int size) throws IOException {
        for (int i = 0; i < data.length && !closed && !writeFailed; i += size) {
            int n = Math.min(size, data.length - i);
            byte[] part = new byte[n];
            System.arraycopy(data, i, part, 0, n);
            send(part);
        }
    }

    /**
     * Sends the sync request and reads until the reply ends with its answer or the server closes; returns what
     * arrived since the last call.
     */
    byte[] sync(long timeoutMillis) throws IOException {
        send(SYNC);
        return readUntil(true, timeoutMillis, 0);
    }

    /** Reads whatever arrives until {@code quietMillis} pass without a byte (or the server closes). */
    byte[] drain(long quietMillis) throws IOException {
        return readUntil(false, quietMillis * 20, quietMillis);
    }

    private byte[] readUntil(boolean untilMn, long timeoutMillis, long quietMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        byte[] buf = new byte[65536];
        while (!closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            socket.setSoTimeout((int) (quietMillis > 0 ? Math.min(quietMillis, left) : left));
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                if (quietMillis > 0) {
                    break;
                }
                continue;
            } catch (IOException e) {
                n = -1; // reset by the peer: a close all the same
            }
            if (n < 0) {
                closed = true;
                received.write(CLOSED.getBytes(StandardCharsets.US_ASCII));
                break;
            }
            received.write(buf, 0, n);
            if (untilMn && endsWithSync()) {
                break;
            }
        }
        byte[] r = received.toByteArray();
        received.reset();
        return r;
    }

    private boolean endsWithSync() {
        byte[] b = received.toByteArray();
        int n = b.length;
        int m = SYNC_REPLY.length;
        return n >= m && java.util.Arrays.equals(b, n - m, n, SYNC_REPLY, 0, m);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
