package io.evbase.bench;

import io.evbase.support.ProcStat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The project's load generator: non-blocking (one selector per client thread), N connections, latency in an
 * HdrHistogram, and the server's CPU time per operation read from {@code /proc/PID/stat}.
 *
 * <p>Modes ({@code --mode}):
 * <ul>
 *   <li>{@code pingpong}: each connection sends one message of {@code --size} bytes and waits for its echo.</li>
 *   <li>{@code pipeline}: each connection keeps {@code --depth} messages in flight (a stream of small messages);
 *       latency is from a message's send to the arrival of its last echoed byte.</li>
 *   <li>{@code memcache}: memcached text protocol, {@code --get-ratio} gets and the rest sets over
 *       {@code --keys} keys with {@code --value-size} values (preloaded); closed loop, or at {@code --rate}
 *       requests/s in all, latency then measured from each request's intended send time (no coordinated
 *       omission).</li>
 *   <li>{@code multiget}: mc-crusher's pipelined multi-get: each connection sends {@code get} lines of
 *       {@code --multiget-keys} keys (default 10, all preloaded) back to back, keeping {@code --depth} of them (default
 *       32) in flight; an operation is one {@code get} line, and the result also counts keys returned per second
 *       and the server's CPU per key.</li>
 *   <li>{@code churn}: {@code --conns} concurrent clients, each connecting, sending {@code --request} (default
 *       {@code version\r\n}), reading one line of reply and closing; connections per second.</li>
 *   <li>{@code idle}: opens {@code --conns} connections, one round trip each, and reports the server's memory per
 *       connection: RSS, and heap and direct memory after a full GC for a JVM server ({@code --jvm}).</li>
 * </ul>
 * Prints one line {@code RESULT key=value ...}.
 */
public final class LoadGen {

    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    final String mode;
    final InetSocketAddress address;
    final int conns;
    final int threads;
    final int size;
    final int depth;
    final double warmup;
    final double duration;
    final long serverPid;
    final double getRatio;
    final int keys;
    final int valueSize;
    final double rate;
    final byte[] churnRequest;
    final byte[][] keyBytes;
    /** Name prefix of the server's loop threads ({@code --loop-threads evbase-loop-}), for the non-loop CPU share. */
    final String loopThreads;
    /** Keys per {@code get} in multiget mode. */
    final int keysPerGet;
    /** Whether memcache modes set every key first ({@code --preload false} when an earlier run did). */
    final boolean preload;
    /** Local address the idle mode's connections bind to (each a fresh ephemeral port range), or null. */
    final String source;

    volatile boolean recording;
    volatile boolean stop;

    LoadGen(Args a) {
        mode = a.string("mode", "pingpong");
        address = new InetSocketAddress(a.string("host", "127.0.0.1"), a.integer("port", 7007));
        conns = a.integer("conns", 32);
        threads = Math.max(1, Math.min(a.integer("threads", 1), conns));
        size = a.size("size", 64);
        int defaultDepth = mode.equals("pipeline") ? Math.max(1, Math.min(64, 256 * 1024 / Math.max(1, size)))
                : mode.equals("multiget") ? 32 : 1;
        depth = a.integer("depth", defaultDepth);
        warmup = a.seconds("warmup", 1);
        duration = a.seconds("duration", 5);
        serverPid = a.longValue("server-pid", -1);
        getRatio = a.decimal("get-ratio", 0.9);
        keys = a.integer("keys", 10_000);
        valueSize = a.size("value-size", 100);
        rate = a.decimal("rate", 0);
        loopThreads = a.string("loop-threads", "");
        keysPerGet = a.integer("multiget-keys", 10);
        preload = !a.string("preload", "true").equals("false");
        source = a.string("source", null);
        keyBytes = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            keyBytes[i] = key(i).getBytes(StandardCharsets.US_ASCII);
        }
        churnRequest = a.string("request", "version\\r\\n").replace("\\r", "\r").replace("\\n", "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws Exception {
        LoadGen g = new LoadGen(new Args(args));
        Args a = new Args(args);
        String result = switch (g.mode) {
            case "pingpong", "pipeline", "memcache", "multiget", "churn" -> g.runLoad();
            case "idle" -> Idle.run(g, a.string("jvm", "false").equals("true"), a.seconds("hold", 0));
            default -> throw new IllegalArgumentException("unknown mode " + g.mode);
        };
        System.out.println(result);
        System.exit(0);
    }

    // ---------------------------------------------------------------- load modes

    String runLoad() throws Exception {
        if ((mode.equals("memcache") || mode.equals("multiget")) && preload) {
            preload();
        }
        List<Worker> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = conns / threads + (t < conns % threads ? 1 : 0);
            workers.add(new Worker(t, n));
        }
        for (Worker w : workers) {
            w.start();
        }
        Thread.sleep((long) (warmup * 1000));
        ProcStat.Cpu cpu0 = ProcStat.cpu(serverPid, loopThreads);
        long t0 = System.nanoTime();
        recording = true;
        Thread.sleep((long) (duration * 1000));
        recording = false;
        long t1 = System.nanoTime();
        ProcStat.Cpu cpu1 = ProcStat.cpu(serverPid, loopThreads);
        stop = true;
        Histogram h = new Histogram(HIGHEST_NANOS, 3);
        long ops = 0;
        long errors = 0;
        long bytes = 0;
        long hits = 0;
        long misses = 0;
        long keysReturned = 0;
        for (Worker w : workers) {
            w.join(10_000);
            h.add(w.histogram);
            ops += w.ops;
            errors += w.errors;
            bytes += w.bytes;
            hits += w.hits;
            misses += w.misses;
            keysReturned += w.keysReturned;
            if (w.failure != null) {
                throw new IllegalStateException("worker failed", w.failure);
            }
        }
        double secs = (t1 - t0) / 1e9;
        StringBuilder sb = new StringBuilder("RESULT");
        kv(sb, "mode", mode);
        kv(sb, "conns", conns);
        kv(sb, "threads", threads);
        if (mode.equals("memcache")) {
            kv(sb, "get_ratio", getRatio);
            kv(sb, "value_size", valueSize);
            kv(sb, "rate", rate);
            kv(sb, "hits", hits);
            kv(sb, "misses", misses);
        } else if (mode.equals("multiget")) {
            kv(sb, "keys_per_get", keysPerGet);
            kv(sb, "depth", depth);
            kv(sb, "value_size", valueSize);
            kv(sb, "keys", keysReturned);
            kv(sb, "misses", misses);
            kv(sb, "keys_per_s", String.format(Locale.ROOT, "%.0f", keysReturned / secs));
            kv(sb, "keys_per_s_per_conn", String.format(Locale.ROOT, "%.0f", keysReturned / secs / conns));
        } else if (!mode.equals("churn")) {
            kv(sb, "size", size);
            kv(sb, "depth", depth);
        }
        kv(sb, "ops", ops);
        kv(sb, "errors", errors);
        kv(sb, "seconds", String.format(Locale.ROOT, "%.3f", secs));
        kv(sb, "ops_per_s", String.format(Locale.ROOT, "%.0f", ops / secs));
        kv(sb, "mib_per_s", String.format(Locale.ROOT, "%.1f", bytes / secs / (1 << 20)));
        kv(sb, "p50_us", us(h.getValueAtPercentile(50)));
        kv(sb, "p99_us", us(h.getValueAtPercentile(99)));
        kv(sb, "p999_us", us(h.getValueAtPercentile(99.9)));
        kv(sb, "max_us", us(h.getMaxValue()));
        cpuFields(sb, cpu0, cpu1, ops, "op");
        if (mode.equals("multiget")) {
            cpuFields(sb, cpu0, cpu1, keysReturned, "key");
        }
        return sb.toString();
    }

    /**
     * The server's CPU time between two snapshots per {@code unit} ({@code server_cpu_us_per_op}: user + kernel,
     * {@code server_user_us_per_op}, {@code server_sys_us_per_op}), its user share, and, when the loop threads are
     * named, the share of the process's CPU the other threads (JIT compiler, GC, acceptor) took.
     */
    static void cpuFields(StringBuilder sb, ProcStat.Cpu c0, ProcStat.Cpu c1, long count, String unit) {
        if (!c0.known() || !c1.known()) {
            return;
        }
        long total = c1.total() - c0.total();
        long user = c1.user() - c0.user();
        long sys = c1.sys() - c0.sys();
        if (unit.equals("op")) {
            kv(sb, "server_cpu_s", String.format(Locale.ROOT, "%.2f", total / 1e9));
            kv(sb, "server_user_pct", String.format(Locale.ROOT, "%.0f", total == 0 ? 0 : 100.0 * user / total));
            if (c0.named() >= 0 && c1.named() >= 0) {
                long loops = c1.named() - c0.named();
                kv(sb, "server_nonloop_pct", String.format(Locale.ROOT, "%.0f",
                        total == 0 ? 0 : 100.0 * Math.max(0, total - loops) / total));
            }
        }
        kv(sb, "server_cpu_us_per_" + unit, perUnit(total, count));
        kv(sb, "server_user_us_per_" + unit, perUnit(user, count));
        kv(sb, "server_sys_us_per_" + unit, perUnit(sys, count));
    }

    static String perUnit(long nanos, long count) {
        return String.format(Locale.ROOT, "%.3f", count == 0 ? Double.NaN : nanos / 1e3 / count);
    }

    static String us(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }

    static void kv(StringBuilder sb, String k, Object v) {
        sb.append(' ').append(k).append('=').append(v);
    }

    /** Sets every key once, pipelined, so that gets hit. */
    void preload() throws IOException {
        try (SocketChannel ch = SocketChannel.open(address)) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            byte[] value = value();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            int batch = 100;
            for (int k = 0; k < keys; k += batch) {
                int n = Math.min(batch, keys - k);
                ByteBuffer out = ByteBuffer.allocate(n * (64 + valueSize));
                for (int i = 0; i < n; i++) {
                    out.put(("set " + key(k + i) + " 0 0 " + valueSize + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.put(value).put((byte) '\r').put((byte) '\n');
                }
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                int lines = 0;
                while (lines < n) {
                    in.clear();
                    int r = ch.read(in);
                    if (r < 0) {
                        throw new IOException("server closed during preload");
                    }
                    for (int i = 0; i < r; i++) {
                        if (in.get(i) == '\n') {
                            lines++;
                        }
                    }
                }
            }
        }
    }

    byte[] value() {
        byte[] v = new byte[valueSize];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) ('a' + i % 26);
        }
        return v;
    }

    static String key(int i) {
        return String.format(Locale.ROOT, "key:%08d", i);
    }

    /** One client thread: a selector and its share of the connections. */
    final class Worker extends Thread {
        final int count;
        final Histogram histogram = new Histogram(HIGHEST_NANOS, 3);
        final Selector selector;
        final List<Client> clients = new ArrayList<>();
        final SplittableRandom random;
        long ops;
        long errors;
        long bytes;
        long hits;
        long misses;
        long keysReturned;
        volatile Throwable failure;

        Worker(int index, int count) throws IOException {
            super("loadgen-" + index);
            this.count = count;
            this.selector = Selector.open();
            this.random = new SplittableRandom(42 + index);
            setDaemon(true);
        }

        void complete(long startNanos, long now, long byteCount) {
            if (recording) {
                ops++;
                bytes += byteCount;
                histogram.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, now - startNanos)));
            }
        }

        void error() {
            if (recording) {
                errors++;
            }
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < count; i++) {
                    Client c = switch (mode) {
                        case "memcache" -> new McClient(this, i);
                        case "multiget" -> new MultigetClient(this);
                        case "churn" -> new ChurnClient(this);
                        default -> new EchoClient(this);
                    };
                    clients.add(c);
                    c.begin();
                }
                if (mode.equals("memcache") && rate > 0) {
                    Thread sender = new Thread(this::sendOnSchedule, getName() + "-sender");
                    sender.setDaemon(true);
                    sender.start();
                }
                while (!stop) {
                    long timeoutNanos = Long.MAX_VALUE;
                    long now = System.nanoTime();
                    for (int i = 0; i < clients.size(); i++) {
                        Client c = clients.get(i);
                        if (c.broken) {
                            c.broken = false;
                            try {
                                c.begin();
                            } catch (IOException e) {
                                error(); // e.g. no ephemeral port free: try again shortly
                                c.closeQuietly();
                                c.broken = true;
                                timeoutNanos = Math.min(timeoutNanos, 1_000_000);
                                continue;
                            }
                        }
                        timeoutNanos = Math.min(timeoutNanos, c.tick(now));
                    }
                    if (timeoutNanos <= 0) {
                        selector.selectNow(this::ready);
                    } else {
                        long ms = timeoutNanos == Long.MAX_VALUE ? 100 : Math.max(1, (timeoutNanos + 999_999) / 1_000_000);
                        selector.select(this::ready, Math.min(ms, 100));
                    }
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                for (Client c : clients) {
                    c.closeQuietly();
                }
            }
        }

        /** Fixed rate: sends each connection's requests at their intended times. */
        private void sendOnSchedule() {
            try {
                while (!stop) {
                    long now = System.nanoTime();
                    long wait = 1_000_000;
                    for (int i = 0; i < clients.size(); i++) {
                        wait = Math.min(wait, ((McClient) clients.get(i)).sendIfDue(now));
                    }
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void ready(SelectionKey key) {
            Client c = (Client) key.attachment();
            try {
                c.ready(key.readyOps());
            } catch (IOException e) {
                error();
                c.closeQuietly();
                c.broken = true; // reconnected by the next tick
            }
        }
    }

    /** A client connection's behaviour. */
    abstract class Client {
        final Worker worker;
        SocketChannel channel;
        SelectionKey key;
        boolean broken;

        Client(Worker worker) {
            this.worker = worker;
        }

        void connect() throws IOException {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(address);
            channel.configureBlocking(false);
            key = channel.register(worker.selector, SelectionKey.OP_READ, this);
        }

        /** Opens the connection and starts sending. */
        abstract void begin() throws IOException;

        abstract void ready(int ops) throws IOException;

        /** Time-driven work; returns nanoseconds until the next due action (Long.MAX_VALUE for none). */
        long tick(long now) throws IOException {
            return Long.MAX_VALUE;
        }

        void interest(int ops) {
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }

        void closeQuietly() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // done with it
            }
        }
    }

    /** Echo: pingpong is a pipeline of depth 1. */
    final class EchoClient extends Client {
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        final long[] stamps = new long[depth];
        long queued;
        long completed;
        long pendingWrite;
        long received;

        EchoClient(Worker worker) {
            super(worker);
            out = ByteBuffer.allocateDirect((int) Math.min((long) depth * size, 256 * 1024));
            for (int i = 0; i < out.capacity(); i++) {
                out.put(i, (byte) ('0' + i % 64));
            }
        }

        @Override
        void begin() throws IOException {
            connect();
            queued = completed = pendingWrite = received = 0;
            fill(System.nanoTime());
        }

        void fill(long now) throws IOException {
            long room = depth - (queued - completed);
            for (long i = 0; i < room; i++) {
                stamps[(int) ((queued + i) % depth)] = now;
            }
            queued += room;
            pendingWrite += room * size;
            writeSome();
        }

        void writeSome() throws IOException {
            while (pendingWrite > 0) {
                out.clear();
                out.limit((int) Math.min(out.capacity(), pendingWrite));
                int want = out.remaining();
                int n = channel.write(out);
                pendingWrite -= n;
                if (n < want) {
                    interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
            }
            interest(SelectionKey.OP_READ);
        }

        @Override
        void ready(int ops) throws IOException {
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                writeSome();
            }
            if ((ops & SelectionKey.OP_READ) != 0) {
                int n;
                boolean any = false;
                while ((n = channel.read(in.clear())) > 0) {
                    received += n;
                    any = true;
                }
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                if (any) {
                    long now = System.nanoTime();
                    while (received >= (completed + 1) * size) {
                        worker.complete(stamps[(int) (completed % depth)], now, size);
                        completed++;
                    }
                    fill(now);
                }
            }
        }
    }

    /** memcached text protocol: get/set mix, closed loop or at a fixed rate. */
    final class McClient extends Client {
        static final int IDLE = 0;
        static final int WAITING = 1;

        /**
         * One request buffer per sending thread: the JDK moves a buffer's position after the write syscall, by
         * which time the reply may already have let the other thread send.
         */
        final ByteBuffer out = ByteBuffer.allocateDirect(512 + valueSize);
        final ByteBuffer scheduledOut = ByteBuffer.allocateDirect(512 + valueSize);
        final ByteBuffer in = ByteBuffer.allocate(1024 + 2 * valueSize);
        final byte[] value = value();
        final byte[] setTail = (" 0 0 " + valueSize + "\r\n").getBytes(StandardCharsets.US_ASCII);
        final SplittableRandom random;
        final long interval;
        /**
         * Who owns the connection: the reply reader while WAITING, the sender while it moves it from IDLE to
         * WAITING. At a fixed rate a separate sender thread sends on schedule (parkNanos, finer than the
         * selector's millisecond timeouts), and the reader sends a late request itself as soon as the reply
         * before it arrives; the state makes sure one of them, never both, sends.
         */
        final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
        long nextDue;
        boolean isGet;
        long intended;

        McClient(Worker worker, int index) {
            super(worker);
            random = worker.random.split();
            interval = rate > 0 ? (long) (1e9 * conns / rate) : 0;
            // Staggered starts, so that the connections' schedules spread over the interval.
            nextDue = System.nanoTime() + (long) (random.nextDouble() * interval);
        }

        @Override
        void begin() throws IOException {
            connect();
            in.clear();
            state.set(WAITING);
            if (interval == 0) {
                send(System.nanoTime());
            } else {
                state.set(IDLE);
            }
        }

        /** Sender thread, fixed rate: sends if due and idle; returns nanoseconds until this one is due. */
        long sendIfDue(long now) throws IOException {
            long wait = nextDue - now;
            if (wait > 0 || state.get() != IDLE || !state.compareAndSet(IDLE, WAITING)) {
                return Math.max(wait, 0);
            }
            long due = nextDue;
            nextDue += interval;
            send(due, scheduledOut);
            return nextDue - now;
        }

        void send(long intendedNanos) throws IOException {
            send(intendedNanos, out);
        }

        void send(long intendedNanos, ByteBuffer out) throws IOException {
            intended = intendedNanos;
            int k = random.nextInt(keys);
            isGet = random.nextDouble() < getRatio;
            out.clear();
            if (isGet) {
                out.put(GET).put(keyBytes[k]).put((byte) '\r').put((byte) '\n');
            } else {
                out.put(SET).put(keyBytes[k]).put(setTail);
                out.put(value).put((byte) '\r').put((byte) '\n');
            }
            out.flip();
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    Thread.onSpinWait(); // a request of a few hundred bytes into an empty socket buffer
                }
            }
        }


        @Override
        void ready(int ops) throws IOException {
            int n;
            while ((n = channel.read(in)) > 0) {
                // keep reading
            }
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            if (in.position() == 0) {
                return;
            }
            int end = complete();
            if (end > 0) {
                long now = System.nanoTime();
                worker.complete(intended, now, end);
                in.clear();
                if (interval == 0) {
                    send(now);
                } else if (now - nextDue >= 0) {
                    long due = nextDue; // late: send at once, still owning the connection
                    nextDue += interval;
                    send(due);
                } else {
                    state.set(IDLE);
                }
            }
        }

        /** Length of the complete reply in {@code in}, or 0 while incomplete. */
        int complete() throws IOException {
            int pos = in.position();
            int lf = indexOf(in, (byte) '\n', 0, pos);
            if (lf < 0) {
                if (pos == in.capacity()) {
                    throw new IOException("reply line too long");
                }
                return 0;
            }
            byte first = in.get(0);
            if (!isGet) {
                if (first != 'S' || in.get(1) != 'T') {
                    worker.error(); // NOT_STORED, SERVER_ERROR...
                }
                return lf + 1;
            }
            if (first == 'E' && in.get(1) == 'N') {
                if (recording) {
                    worker.misses++;
                }
                return lf + 1; // END: a miss
            }
            if (first != 'V') {
                worker.error();
                return lf + 1;
            }
            int sp = lf - 1;
            while (sp > 0 && in.get(sp) != ' ') {
                sp--;
            }
            int bytes = 0;
            for (int i = sp + 1; i < lf; i++) {
                byte b = in.get(i);
                if (b >= '0' && b <= '9') {
                    bytes = bytes * 10 + (b - '0');
                }
            }
            int need = lf + 1 + bytes + 2 + 5;
            if (pos < need) {
                return 0;
            }
            if (recording) {
                worker.hits++;
            }
            return need;
        }
    }

    /**
     * mc-crusher's {@code get} of several keys, pipelined: keeps {@code depth} requests in flight on its connection,
     * writing whenever the socket takes more, and counts the replies' {@code VALUE} headers (keys) and {@code END}
     * lines (requests). Values are letters only, so a reply line's first byte tells what it is.
     */
    final class MultigetClient extends Client {
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        final long[] stamps = new long[depth];
        final SplittableRandom random;
        final byte[] request = new byte[4 + keysPerGet * 24 + 2];
        long queued;
        long completed;
        /** The reply parser: at the start of a line, inside a header or END line, or inside a data block. */
        boolean atLineStart = true;
        long dataRemaining;
        boolean inValueHeader;
        long headerBytes;
        int pendingValueLength;
        long keysInReply;

        MultigetClient(Worker worker) {
            super(worker);
            random = worker.random.split();
            out = ByteBuffer.allocateDirect(depth * request.length);
            out.flip();
        }

        @Override
        void begin() throws IOException {
            connect();
            queued = completed = 0;
            atLineStart = true;
            dataRemaining = 0;
            in.clear();
            out.clear().flip();
            fill(System.nanoTime());
        }

        /** Appends requests until {@code depth} are in flight and writes what the socket takes. */
        void fill(long now) throws IOException {
            if (queued - completed < depth) {
                out.compact();
                while (queued - completed < depth && out.remaining() >= request.length) {
                    out.put(GET, 0, 3);
                    for (int i = 0; i < keysPerGet; i++) {
                        out.put((byte) ' ').put(keyBytes[random.nextInt(keys)]);
                    }
                    out.put((byte) '\r').put((byte) '\n');
                    stamps[(int) (queued % depth)] = now;
                    queued++;
                }
                out.flip();
            }
            channel.write(out);
            interest(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        @Override
        void ready(int ops) throws IOException {
            if ((ops & SelectionKey.OP_READ) != 0) {
                int n;
                boolean any = false;
                while ((n = channel.read(in.clear())) > 0) {
                    any = true;
                    in.flip();
                    scan(n);
                }
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                if (!any && (ops & SelectionKey.OP_WRITE) == 0) {
                    return;
                }
            }
            fill(System.nanoTime());
        }

        /** Walks {@code n} reply bytes: data blocks are skipped by length, line starts are classified. */
        void scan(int n) throws IOException {
            int i = 0;
            while (i < n) {
                if (dataRemaining > 0) {
                    int skip = (int) Math.min(dataRemaining, n - i);
                    i += skip;
                    dataRemaining -= skip;
                    continue;
                }
                byte b = in.get(i);
                if (atLineStart) {
                    atLineStart = false;
                    if (b == 'V') {
                        inValueHeader = true;
                        pendingValueLength = 0;
                        headerBytes = 0;
                    } else if (b == 'E') {
                        inValueHeader = false;
                        requestDone();
                    } else {
                        throw new IOException("unexpected reply line starting with " + (char) b);
                    }
                }
                if (b == '\n') {
                    atLineStart = true;
                    if (inValueHeader) {
                        inValueHeader = false;
                        keysInReply++;
                        dataRemaining = pendingValueLength + 2L;
                    }
                } else if (inValueHeader) {
                    // the last token of "VALUE key flags bytes" is the length: digits after the last space
                    if (b == ' ') {
                        pendingValueLength = 0;
                    } else if (b >= '0' && b <= '9') {
                        pendingValueLength = pendingValueLength * 10 + (b - '0');
                    }
                }
                i++;
            }
        }

        void requestDone() {
            long now = System.nanoTime();
            worker.complete(stamps[(int) (completed % depth)], now, 0);
            if (recording) {
                worker.keysReturned += keysInReply;
                worker.misses += keysPerGet - keysInReply;
            }
            keysInReply = 0;
            completed++;
        }
    }

    static final byte[] GET = "get ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SET = "set ".getBytes(StandardCharsets.US_ASCII);

    static int indexOf(ByteBuffer b, byte v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == v) {
                return i;
            }
        }
        return -1;
    }

    /** Connect, one request, read one reply line, close; again. */
    final class ChurnClient extends Client {
        final ByteBuffer out = ByteBuffer.wrap(churnRequest);
        final ByteBuffer in = ByteBuffer.allocate(4096);
        long started;

        ChurnClient(Worker worker) {
            super(worker);
        }

        @Override
        void begin() throws IOException {
            started = System.nanoTime();
            in.clear();
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (channel.connect(address)) {
                key = channel.register(worker.selector, 0, this);
                sendRequest();
            } else {
                key = channel.register(worker.selector, SelectionKey.OP_CONNECT, this);
            }
        }

        void sendRequest() throws IOException {
            out.clear();
            channel.write(out);
            if (out.hasRemaining()) {
                throw new IOException("request did not fit an empty socket buffer");
            }
            key.interestOps(SelectionKey.OP_READ);
        }

        @Override
        void ready(int ops) throws IOException {
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                channel.finishConnect();
                sendRequest();
                return;
            }
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("closed before the reply");
            }
            if (indexOf(in, (byte) '\n', 0, in.position()) >= 0) {
                long now = System.nanoTime();
                worker.complete(started, now, in.position());
                channel.close();
                begin();
            }
        }
    }
}
