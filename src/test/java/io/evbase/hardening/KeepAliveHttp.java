package io.evbase.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 keep-alive connection to the management port, opened before a test takes every descriptor of the
 * server away: requests on it need no new descriptor in the server, so readiness and the reactor endpoint can be
 * asked while the server has none left.
 */
final class KeepAliveHttp implements AutoCloseable {

    /** Status code and body of one response. */
    record Response(int status, String body) {
    }

    private final Socket socket;
    private final InputStream in;

    /**
     * A connection whose first GET of {@code path} answered 200: the child logs its ports while the application is
     * still starting, and readiness says 503 until it is ready (Tomcat closes the connection after that 503, so
     * each try opens a new one). Throws if none answers 200 within {@code timeout}.
     */
    static KeepAliveHttp onceOk(int port, String path, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last;
        do {
            KeepAliveHttp http = new KeepAliveHttp(port);
            last = http.get(path).status();
            if (last == 200) {
                return http;
            }
            http.close();
            Thread.sleep(100);
        } while (System.nanoTime() - deadline < 0);
        throw new IOException(path + " answered " + last + ", not 200, for " + timeout);
    }

    KeepAliveHttp(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
    }

    Response get(String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        String status = line();
        int code = Integer.parseInt(status.split(" ")[1]);
        int length = -1;
        boolean chunked = false;
        String header;
        while (!(header = line()).isEmpty()) {
            String h = header.toLowerCase(Locale.ROOT);
            if (h.startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            int size;
            while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
                body.write(readN(size));
                line();
            }
            line();
        } else if (length > 0) {
            body.write(readN(length));
        }
        return new Response(code, body.toString(StandardCharsets.UTF_8));
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new IOException("connection closed in a response body");
        }
        return b;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        if (c < 0 && sb.length() == 0) {
            throw new IOException("connection closed");
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
