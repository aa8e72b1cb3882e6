package io.evbase.bench;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.Connection;
import io.evbase.net.ConnectionInfo;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Dispatch under uneven load: how each policy places new connections when one loop is kept busy by a heavy client.
 *
 * <p>An in-process server with two loops and a "work" protocol: each line is a number of microseconds the loop
 * spins before it answers {@code k}. One hot client connects first (every policy gives the first connection to
 * loop 0) and keeps {@code --hot-depth} requests of {@code --hot-work-us} each in flight, so loop 0 stays busy.
 * Once loop 0 has been busy for {@code --warmup} seconds, {@code --light} light clients connect one after the
 * other; each makes {@code --requests} round trips of {@code --light-work-us} and stays connected (idle) until the
 * end, as long-lived light sessions do. Reported per run: the light clients' round-trip latency (p50, p99, p99.9,
 * max), how many of them landed on the hot loop, each loop's busy ratio over the light phase and their spread,
 * and the hot client's throughput.
 *
 * <p>Usage: {@code DispatchBench --policy least-loaded [--light 200] [--requests 20] [--hot-depth 16]
 * [--hot-work-us 200] [--light-work-us 20] [--warmup 1]}; prints one {@code RESULT key=value ...} line.
 *
 * <p>Threading: the main thread runs the light clients one by one; the hot client has a thread of its own.
 */
public final class DispatchBench {

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Dispatch policy = Dispatch.valueOf(args.string("policy", "least-loaded").toUpperCase(Locale.ROOT)
                .replace('-', '_'));
        int light = args.integer("light", 200);
        int requests = args.integer("requests", 20);
        int hotDepth = args.integer("hot-depth", 16);
        int hotWork = args.integer("hot-work-us", 200);
        int lightWork = args.integer("light-work-us", 20);
        double warmup = args.seconds("warmup", 1);

        EventBaseGroup group = new EventBaseGroup(2, "dispatch-", policy);
        Server server = new Server(group, new BufferPool(16 * 1024, 1 << 20, 64 << 20),
                List.of(ListenerSpec.of("work", 0, new WorkHandler())));
        server.start();
        List<Socket> lights = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder hotOps = new LongAdder();
        Thread hot = null;
        try {
            int port = server.listener("work").port();
            EventBase hotLoop = group.loops().get(0);
            Socket hotSocket = connect(port);
            awaitOpen(server, 1);
            int hotOn = loopOf(server, hotSocket);
            if (hotOn != hotLoop.id()) {
                throw new IllegalStateException("the hot client landed on loop " + hotOn + ", not loop 0");
            }
            hot = new Thread(() -> hammer(hotSocket, hotDepth, hotWork, hotOps, stop), "hot-client");
            hot.start();
            long warmUntil = System.nanoTime() + (long) (warmup * 1e9);
            while (System.nanoTime() - warmUntil < 0) {
                Thread.sleep(10); // a benchmark's warm-up: let the hot loop's load show
            }

            Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            long[] busy0 = busy(group);
            long hot0 = hotOps.sum();
            long t0 = System.nanoTime();
            byte[] request = (lightWork + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] reply = new byte[2];
            for (int i = 0; i < light; i++) {
                Socket s = connect(port);
                lights.add(s);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int r = 0; r < requests; r++) {
                    long start = System.nanoTime();
                    out.write(request);
                    readFully(in, reply);
                    latency.recordValue(Math.min(latency.getHighestTrackableValue(), System.nanoTime() - start));
                }
            }
            long t1 = System.nanoTime();
            long[] busy1 = busy(group);
            long hot1 = hotOps.sum();
            double seconds = (t1 - t0) / 1e9;
            double load0 = (busy1[0] - busy0[0]) / (double) (t1 - t0);
            double load1 = (busy1[1] - busy0[1]) / (double) (t1 - t0);
            int onHot = 0;
            for (ConnectionInfo c : server.connections(Duration.ofSeconds(5))) {
                if (c.loop() == hotLoop.id()) {
                    onHot++;
                }
            }
            onHot--; // the hot client itself
            System.out.printf(Locale.ROOT, "RESULT policy=%s light=%d requests=%d light_p50_us=%.1f light_p99_us=%.1f"
                            + " light_p999_us=%.1f light_max_us=%.1f light_on_hot_loop=%d loop0_busy=%.3f"
                            + " loop1_busy=%.3f busy_spread=%.3f hot_ops_per_s=%.0f duration_s=%.2f%n",
                    policy.label(), light, requests, latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3, onHot, load0, load1, Math.abs(load0 - load1),
                    (hot1 - hot0) / seconds, seconds);
        } finally {
            stop.set(true);
            for (Socket s : lights) {
                s.close();
            }
            if (hot != null) {
                hot.join(10_000);
            }
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    /** Busy nanoseconds of each loop so far. */
    private static long[] busy(EventBaseGroup group) {
        long now = System.nanoTime();
        long[] busy = new long[group.size()];
        for (EventBase loop : group.loops()) {
            busy[loop.id()] = loop.busyNanos(now);
        }
        return busy;
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(60_000);
        return s;
    }

    private static void awaitOpen(Server server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.listener("work").openConnections() < n) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the server did not open " + n + " connections");
            }
            Thread.sleep(1);
        }
    }

    /** The loop that opened {@code s}; the listing shows a connection once its loop has opened it. */
    private static int loopOf(Server server, Socket s) throws InterruptedException {
        String address = ":" + s.getLocalPort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            var found = server.connections(Duration.ofSeconds(5)).stream()
                    .filter(c -> c.remoteAddress().endsWith(address)).findFirst();
            if (found.isPresent()) {
                return found.get().loop();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no connection from port " + s.getLocalPort() + " was opened");
            }
            Thread.sleep(1);
        }
    }

    /** Keeps {@code depth} requests in flight: one more for each reply. */
    private static void hammer(Socket s, int depth, int workMicros, LongAdder ops, AtomicBoolean stop) {
        byte[] request = (workMicros + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] reply = new byte[2];
        try (s) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < depth; i++) {
                out.write(request);
            }
            while (!stop.get()) {
                readFully(in, reply);
                ops.increment();
                out.write(request);
            }
        } catch (IOException e) {
            if (!stop.get()) {
                throw new IllegalStateException("hot client failed", e);
            }
        }
    }

    private static void readFully(InputStream in, byte[] buf) throws IOException {
        int got = 0;
        while (got < buf.length) {
            int n = in.read(buf, got, buf.length - got);
            if (n < 0) {
                throw new IOException("closed by the server");
            }
            got += n;
        }
    }

    /** Each line: spin that many microseconds on the loop, then answer "k". */
    static final class WorkHandler implements ProtocolHandler<Session> {
        private final LineFramer lines = new LineFramer(64);

        @Override
        public Session open(Connection c) {
            return () -> onRead(c);
        }

        private void onRead(Connection c) {
            int lf;
            while (c.isWritable() && (lf = lines.findLineEnd(c.input())) >= 0) {
                long micros = Long.parseLong(c.input().toAscii(0, LineFramer.contentLength(c.input(), lf)).trim());
                c.input().skip(lf + 1);
                long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                c.output().writeAscii("k\n");
            }
        }
    }
}
