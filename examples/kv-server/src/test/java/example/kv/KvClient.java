package example.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A blocking client of the kv protocol: frames requests, reads reply frames. */
final class KvClient implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;

    KvClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = new DataInputStream(socket.getInputStream());
    }

    static byte[] put(String key, String value) {
        return keyed('P', key, value.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] get(String key) {
        return keyed('G', key, new byte[0]);
    }

    static byte[] delete(String key) {
        return keyed('D', key, new byte[0]);
    }

    static byte[] slow(int millis, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return frame(ByteBuffer.allocate(5 + p.length).put((byte) 'S').putInt(millis).put(p).array());
    }

    private static byte[] keyed(char op, String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return frame(ByteBuffer.allocate(3 + k.length + value.length).put((byte) op).putShort((short) k.length)
                .put(k).put(value).array());
    }

    /** The body behind its u32 big-endian length. */
    static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    void send(byte[]... frames) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(f);
        }
        socket.getOutputStream().write(all.toByteArray());
        socket.getOutputStream().flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next reply's body as text (op letter first), or null at the end of the stream. */
    String reply() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Reply bytes that have arrived and not been read. */
    int available() throws IOException {
        return in.available();
    }

    void halfClose() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
