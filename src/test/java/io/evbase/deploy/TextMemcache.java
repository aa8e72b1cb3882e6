package io.evbase.deploy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One connection speaking memcached's text protocol, just enough to ask a server (or a proxy) what it holds:
 * set, get, multi-get. Replies are read as bytes, never assuming a reply fits one read. Not thread-safe: one
 * connection, one caller.
 */
public final class TextMemcache implements AutoCloseable {

    /** How a get ended: a hit, a miss, or an error line (a proxy's SERVER_ERROR, say). */
    public enum Outcome { HIT, MISS, ERROR }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private String lastError;

    public TextMemcache(String host, int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Stores {@code value} under {@code key}; true on STORED. */
    public boolean set(String key, String value) throws IOException {
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        out.write(("set " + key + " 0 0 " + data.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String reply = readLine();
        if (!reply.equals("STORED")) {
            lastError = reply;
        }
        return reply.equals("STORED");
    }

    /** One get; an error reply leaves the connection usable, as memcached and twemproxy keep it. */
    public Outcome get(String key) throws IOException {
        out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Set<String> found = new HashSet<>();
        return readValues(found) ? (found.contains(key) ? Outcome.HIT : Outcome.MISS) : Outcome.ERROR;
    }

    /** The keys among {@code keys} that the server holds, asked in multi-gets of 100 keys. */
    public Set<String> present(Collection<String> keys) throws IOException {
        Set<String> found = new HashSet<>();
        List<String> all = List.copyOf(keys);
        for (int from = 0; from < all.size(); from += 100) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + 100));
            out.write(("get " + String.join(" ", batch) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (!readValues(found)) {
                throw new IOException("get failed: " + lastError);
            }
        }
        return found;
    }

    /** The last error line the server sent. */
    public String lastError() {
        return lastError;
    }

    /** Reads VALUE blocks up to END, adding their keys; false if the reply was an error line instead. */
    private boolean readValues(Set<String> found) throws IOException {
        while (true) {
            String line = readLine();
            if (line.equals("END")) {
                return true;
            }
            if (!line.startsWith("VALUE ")) {
                lastError = line;
                return false;
            }
            String[] header = line.split(" ");
            found.add(header[1]);
            int length = Integer.parseInt(header[3]);
            if (in.readNBytes(length + 2).length != length + 2) {
                throw new IOException("connection closed inside a value");
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        for (int b = in.read(); b != -1; b = in.read()) {
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
            }
            line.write(b);
            previous = b;
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
