package io.evbase.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Blocking memcache text-protocol helpers: connect, send, read a reply line or an exact number of bytes. */
final class MemcacheLine {

    private MemcacheLine() {
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        s.setTcpNoDelay(true);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** One reply line without its CRLF. */
    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed after \"" + sb + "\"");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    static void readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int r = in.read(buf, off, buf.length - off);
            if (r < 0) {
                throw new IOException("connection closed after " + off + " of " + buf.length + " bytes");
            }
            off += r;
        }
    }

    /** A value of {@code length} bytes, no CR or LF, derived from {@code seed}, so that a reader can check it. */
    static byte[] value(long seed, int length) {
        byte[] v = new byte[length];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[i] = (byte) ('0' + (x & 63)); // '0'..'o'
        }
        return v;
    }

    /** Stores {@code value} under {@code key} and checks the reply. */
    static void set(Socket s, String key, byte[] value) throws IOException {
        s.getOutputStream().write(("set " + key + " 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(value);
        s.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String reply = line(s.getInputStream());
        if (!reply.equals("STORED")) {
            throw new IOException("set " + key + ": " + reply);
        }
    }
}
