package io.evbase.bench;

import io.evbase.support.ProcStat;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Histogram;

/**
 * The TLS load generator: the JDK's {@link SSLSocket} as the client of every server compared (evbase, Netty with
 * the JDK provider, memcached {@code -Z}), a thread per connection (two for a pipeline), latency in an
 * HdrHistogram, the server's CPU time per operation from {@code /proc/PID/stat}.
 *
 * <p>Modes ({@code --mode}): {@code pingpong} and {@code pipeline} (echo, {@code --size}, {@code --depth}),
 * {@code handshake} (full handshakes per second: connect, handshake without resumption, one byte echoed, close),
 * {@code memcache} ({@code --get-ratio} gets over {@code --keys} keys with {@code --value-size} values, closed
 * loop), {@code idle} ({@code --conns} TLS connections opened and held; the server's memory per connection).
 * {@code --plaintext} runs the same client without TLS, for TLS's own cost on one server.
 * {@code --ca FILE} is the PEM certificate the server's is checked against; {@code --protocol} pins TLSv1.2 or
 * TLSv1.3. Prints one line {@code RESULT key=value ...}.
 */
public final class TlsLoadGen {

    final String mode;
    final InetSocketAddress address;
    final int conns;
    final int size;
    final int depth;
    final double warmup;
    final double duration;
    final long serverPid;
    final double getRatio;
    final int keys;
    final int valueSize;
    final String protocol;
    /** {@code --plaintext}: the same client without TLS, for the TLS overhead. */
    final boolean plaintext;
    final SSLContext context;
    volatile boolean recording;
    volatile boolean stop;

    TlsLoadGen(Args a) throws Exception {
        mode = a.string("mode", "pingpong");
        address = new InetSocketAddress(a.string("host", "127.0.0.1"), a.integer("port", 7007));
        conns = a.integer("conns", 16);
        size = a.size("size", 64);
        depth = a.integer("depth", mode.equals("pipeline") ? Math.max(1, Math.min(64, 256 * 1024 / size)) : 1);
        warmup = a.seconds("warmup", 1);
        duration = a.seconds("duration", 5);
        serverPid = a.longValue("server-pid", -1);
        getRatio = a.decimal("get-ratio", 0.9);
        keys = a.integer("keys", 10_000);
        valueSize = a.size("value-size", 100);
        protocol = a.string("protocol", "");
        plaintext = a.string("plaintext", "false").equals("true");
        context = trusting(Path.of(a.string("ca", "ca.pem")));
    }

    static SSLContext trusting(Path caPem) throws Exception {
        X509Certificate ca;
        try (InputStream in = java.nio.file.Files.newInputStream(caPem)) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public static void main(String[] args) throws Exception {
        TlsLoadGen g = new TlsLoadGen(new Args(args));
        System.out.println(g.mode.equals("idle") ? g.idle() : g.run());
        System.exit(0);
    }

    Socket connect() throws IOException {
        if (plaintext) {
            Socket s = new Socket(address.getAddress(), address.getPort());
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            return s;
        }
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        if (!protocol.isEmpty()) {
            s.setEnabledProtocols(new String[] {protocol});
        }
        s.startHandshake();
        return s;
    }

    /** One client connection's thread(s). */
    abstract class Client extends Thread {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long ops;
        long bytes;
        long errors;
        volatile Throwable failure;
        final List<Thread> extra = new ArrayList<>();

        void complete(long start, long end, long n) {
            if (recording) {
                ops++;
                bytes += n;
                histogram.recordValue(Math.min(TimeUnit.SECONDS.toNanos(60), Math.max(0, end - start)));
            }
        }

        @Override
        public void run() {
            try {
                work();
            } catch (Throwable t) {
                if (!stop) {
                    failure = t;
                }
            }
        }

        abstract void work() throws Exception;
    }

    final class Echo extends Client {
        @Override
        void work() throws Exception {
            try (Socket s = connect()) {
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] msg = new byte[size];
                for (int i = 0; i < size; i++) {
                    msg[i] = (byte) ('0' + i % 64);
                }
                byte[] back = new byte[size];
                if (depth <= 1) {
                    while (!stop) {
                        long t0 = System.nanoTime();
                        out.write(msg);
                        in.readFully(back);
                        complete(t0, System.nanoTime(), size);
                    }
                    return;
                }
                Semaphore window = new Semaphore(depth);
                long[] stamps = new long[depth];
                Thread writer = new Thread(() -> {
                    long sent = 0;
                    try {
                        while (!stop) {
                            window.acquire();
                            stamps[(int) (sent++ % depth)] = System.nanoTime();
                            out.write(msg);
                        }
                    } catch (Exception e) {
                        if (!stop) {
                            failure = e;
                        }
                    }
                });
                writer.setDaemon(true);
                extra.add(writer);
                writer.start();
                long received = 0;
                while (!stop) {
                    in.readFully(back);
                    complete(stamps[(int) (received++ % depth)], System.nanoTime(), size);
                    window.release();
                }
            }
        }
    }

    final class Handshakes extends Client {
        @Override
        void work() throws Exception {
            while (!stop) {
                long t0 = System.nanoTime();
                try (Socket s = connect()) {
                    s.getOutputStream().write('x');
                    if (s.getInputStream().read() != 'x') {
                        throw new IOException("no echo");
                    }
                    ((SSLSocket) s).getSession().invalidate(); // the next handshake is a full one, not a resumption
                }
                complete(t0, System.nanoTime(), 1);
            }
        }
    }

    final class Memcache extends Client {
        final SplittableRandom random;

        Memcache(int index) {
            random = new SplittableRandom(42 + index);
        }

        @Override
        void work() throws Exception {
            byte[] value = new byte[valueSize];
            for (int i = 0; i < valueSize; i++) {
                value[i] = (byte) ('a' + i % 26);
            }
            try (Socket s = connect()) {
                OutputStream out = s.getOutputStream();
                InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 64 * 1024);
                while (!stop) {
                    String key = String.format(Locale.ROOT, "key:%08d", random.nextInt(keys));
                    boolean get = random.nextDouble() < getRatio;
                    long t0 = System.nanoTime();
                    if (get) {
                        out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(("set " + key + " 0 0 " + valueSize + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(value);
                        out.write(new byte[] {'\r', '\n'});
                    }
                    out.flush();
                    long n = readReply(in, get);
                    complete(t0, System.nanoTime(), n);
                }
            }
        }

        /** Reads one reply: a get's VALUE block and END, or a storage line. */
        long readReply(InputStream in, boolean get) throws IOException {
            long n = 0;
            while (true) {
                String line = readLine(in);
                n += line.length() + 2;
                if (!get || line.equals("END")) {
                    if (!get && !line.equals("STORED")) {
                        errors++;
                    }
                    return n;
                }
                if (line.startsWith("VALUE ")) {
                    int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                    in.skipNBytes(len + 2);
                    n += len + 2;
                } else {
                    errors++;
                    return n;
                }
            }
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int l = sb.length();
                return l > 0 && sb.charAt(l - 1) == '\r' ? sb.substring(0, l - 1) : sb.toString();
            }
            sb.append((char) b);
        }
        throw new IOException("server closed the connection");
    }

    String run() throws Exception {
        if (mode.equals("memcache")) {
            preload();
        }
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            Client c = switch (mode) {
                case "pingpong", "pipeline" -> new Echo();
                case "handshake" -> new Handshakes();
                case "memcache" -> new Memcache(i);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            };
            c.setDaemon(true);
            clients.add(c);
            c.start();
        }
        Thread.sleep((long) (warmup * 1000));
        ProcStat.Cpu cpu0 = ProcStat.cpu(serverPid, "");
        long t0 = System.nanoTime();
        recording = true;
        Thread.sleep((long) (duration * 1000));
        recording = false;
        long t1 = System.nanoTime();
        ProcStat.Cpu cpu1 = ProcStat.cpu(serverPid, "");
        stop = true;
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long ops = 0;
        long bytes = 0;
        long errors = 0;
        for (Client c : clients) {
            h.add(c.histogram);
            ops += c.ops;
            bytes += c.bytes;
            errors += c.errors;
            if (c.failure != null) {
                throw new IllegalStateException("client failed", c.failure);
            }
        }
        double secs = (t1 - t0) / 1e9;
        StringBuilder sb = new StringBuilder("RESULT");
        LoadGen.kv(sb, "mode", (plaintext ? "plain-" : "tls-") + mode);
        LoadGen.kv(sb, "conns", conns);
        if (!mode.equals("memcache") && !mode.equals("handshake")) {
            LoadGen.kv(sb, "size", size);
            LoadGen.kv(sb, "depth", depth);
        }
        LoadGen.kv(sb, "ops", ops);
        LoadGen.kv(sb, "errors", errors);
        LoadGen.kv(sb, "seconds", String.format(Locale.ROOT, "%.3f", secs));
        LoadGen.kv(sb, "ops_per_s", String.format(Locale.ROOT, "%.0f", ops / secs));
        LoadGen.kv(sb, "mib_per_s", String.format(Locale.ROOT, "%.1f", bytes / secs / (1 << 20)));
        LoadGen.kv(sb, "p50_us", LoadGen.us(h.getValueAtPercentile(50)));
        LoadGen.kv(sb, "p99_us", LoadGen.us(h.getValueAtPercentile(99)));
        LoadGen.kv(sb, "p999_us", LoadGen.us(h.getValueAtPercentile(99.9)));
        LoadGen.kv(sb, "max_us", LoadGen.us(h.getMaxValue()));
        LoadGen.cpuFields(sb, cpu0, cpu1, ops, "op");
        return sb.toString();
    }

    /** Sets every key once, so that gets hit. */
    void preload() throws IOException {
        try (Socket s = connect()) {
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 64 * 1024);
            byte[] value = new byte[valueSize];
            java.util.Arrays.fill(value, (byte) 'v');
            for (int k = 0; k < keys; k += 100) {
                int n = Math.min(100, keys - k);
                for (int i = 0; i < n; i++) {
                    out.write(("set " + String.format(Locale.ROOT, "key:%08d", k + i) + " 0 0 " + valueSize + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(value);
                    out.write(new byte[] {'\r', '\n'});
                }
                out.flush();
                for (int i = 0; i < n; i++) {
                    readLine(in);
                }
            }
        }
    }

    /** Opens and holds {@code --conns} TLS connections (one echo each); the server's memory per connection. */
    String idle() throws Exception {
        if (serverPid <= 0) {
            throw new IllegalArgumentException("--server-pid is required for idle");
        }
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(serverPid));
        String url = vm.startLocalManagementAgent();
        vm.detach();
        try (javax.management.remote.JMXConnector jmx = javax.management.remote.JMXConnectorFactory.connect(
                new javax.management.remote.JMXServiceURL(url))) {
            javax.management.MBeanServerConnection mbeans = jmx.getMBeanServerConnection();
            List<Socket> warm = open(Math.min(200, conns));
            closeAll(warm);
            Thread.sleep(500);
            Idle.Mem before = Idle.measure(serverPid, mbeans);
            long t0 = System.nanoTime();
            List<Socket> held = open(conns);
            double openSecs = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(1000);
            Idle.Mem after = Idle.measure(serverPid, mbeans);
            closeAll(held);
            int n = held.size();
            StringBuilder sb = new StringBuilder("RESULT");
            LoadGen.kv(sb, "mode", "tls-idle");
            LoadGen.kv(sb, "conns", n);
            LoadGen.kv(sb, "open_seconds", String.format(Locale.ROOT, "%.2f", openSecs));
            LoadGen.kv(sb, "rss_per_conn", Idle.perConn(after.rss() - before.rss(), n));
            LoadGen.kv(sb, "heap_per_conn", Idle.perConn(after.heap() - before.heap(), n));
            LoadGen.kv(sb, "direct_per_conn", Idle.perConn(after.direct() - before.direct(), n));
            LoadGen.kv(sb, "heap_direct_per_conn", Idle.perConn(after.heap() + after.direct() - before.heap()
                    - before.direct(), n));
            return sb.toString();
        }
    }

    List<Socket> open(int count) throws IOException {
        List<Socket> list = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                Socket s = connect();
                list.add(s);
                s.getOutputStream().write('\n');
                if (s.getInputStream().read() < 0) {
                    throw new IOException("server closed connection " + i);
                }
            }
        } catch (IOException e) {
            closeAll(list);
            throw e;
        }
        return list;
    }

    static void closeAll(List<Socket> list) {
        for (Socket s : list) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
