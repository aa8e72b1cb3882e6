package io.evbase.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Memory per stored item: fills a fresh memcached-protocol server with {@code --items} items of
 * {@code --key-size}-byte keys and {@code --value-size}-byte values (pipelined {@code set ... noreply}), then reports
 * the server's resident set per item held (the growth of VmRSS over the empty server's, divided by the items the
 * server says it holds), for a JVM server ({@code --jvm true}) the live heap per item after a full GC, the items
 * held and evicted at the server's memory limit, and the hit ratio of a pass of gets over the keys (all of them, or
 * an even sample of 1,000,000 when there are more). Before the baseline, {@code --warmup-items} (default 50,000)
 * other keys are set, read and deleted three times, so that what the server spends once (classes loaded, code
 * compiled) is not counted per item.
 *
 * <p>Usage: {@code ItemMemory --port P --server-pid PID --items 1000000 --key-size 32 --value-size 100 [--jvm true]}.
 */
public final class ItemMemory {

    private ItemMemory() {
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int port = a.integer("port", 11211);
        long pid = a.longValue("server-pid", -1);
        int items = a.integer("items", 1_000_000);
        int keySize = a.integer("key-size", 32);
        int valueSize = a.integer("value-size", 100);
        boolean jvm = a.string("jvm", "false").equals("true");
        MBeanServerConnection mbeans = null;
        JMXConnector jmx = null;
        if (jvm) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String url = vm.startLocalManagementAgent();
            vm.detach();
            jmx = JMXConnectorFactory.connect(new JMXServiceURL(url));
            mbeans = jmx.getMBeanServerConnection();
        }
        // Warm-up: the store's code paths loaded and compiled, and their one-time memory (classes, compiled code,
        // the compiler's own arenas) in the baseline rather than in the items' figure. The keys are then deleted.
        int warm = a.integer("warmup-items", Math.min(items, 50_000));
        for (int round = 0; round < 3; round++) {
            fill(port, warm, keySize, valueSize, "w");
            hits(port, warm, keySize, "w");
            metaGets(port, warm, keySize, "w");
            delete(port, warm, keySize, "w");
        }
        Idle.Mem before = Idle.measure(pid, mbeans);
        long t0 = System.nanoTime();
        fill(port, items, keySize, valueSize, "k");
        double fillSecs = (System.nanoTime() - t0) / 1e9;
        Idle.Mem after = Idle.measure(pid, mbeans);
        Map<String, String> stats = stats(port);
        long[] hits = hits(port, items, keySize, "k");
        if (jmx != null) {
            jmx.close();
        }
        long held = Long.parseLong(stats.getOrDefault("curr_items", "0"));
        StringBuilder sb = new StringBuilder("RESULT");
        LoadGen.kv(sb, "items_set", items);
        LoadGen.kv(sb, "key_size", keySize);
        LoadGen.kv(sb, "value_size", valueSize);
        LoadGen.kv(sb, "limit_mb", Long.parseLong(stats.getOrDefault("limit_maxbytes", "0")) >> 20);
        LoadGen.kv(sb, "fill_seconds", String.format(Locale.ROOT, "%.1f", fillSecs));
        LoadGen.kv(sb, "items_held", held);
        LoadGen.kv(sb, "evictions", stats.getOrDefault("evictions", ""));
        LoadGen.kv(sb, "hit_ratio", String.format(Locale.ROOT, "%.4f", hits[1] == 0 ? 0 : (double) hits[0] / hits[1]));
        LoadGen.kv(sb, "rss_before", before.rss());
        LoadGen.kv(sb, "rss_after", after.rss());
        LoadGen.kv(sb, "rss_per_item", perItem(after.rss() - before.rss(), held));
        if (jvm) {
            LoadGen.kv(sb, "heap_before", before.heap());
            LoadGen.kv(sb, "heap_after", after.heap());
            LoadGen.kv(sb, "heap_per_item", perItem(after.heap() - before.heap(), held));
        }
        System.out.println(sb);
    }

    static String perItem(long bytes, long items) {
        return String.format(Locale.ROOT, "%.1f", items == 0 ? Double.NaN : (double) bytes / items);
    }

    static byte[] key(int i, int keySize, String prefix) {
        String digits = Integer.toString(i);
        byte[] k = new byte[Math.max(keySize, digits.length() + 1)];
        Arrays.fill(k, (byte) '0');
        k[0] = (byte) prefix.charAt(0);
        byte[] d = digits.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(d, 0, k, k.length - d.length, d.length);
        return k;
    }

    /** Pipelined noreply sets; a reader drains whatever the server answers (errors) and waits for the final MN. */
    static void fill(int port, int items, int keySize, int valueSize, String prefix) throws Exception {
        byte[] value = new byte[valueSize + 2];
        Arrays.fill(value, (byte) 'v');
        value[valueSize] = '\r';
        value[valueSize + 1] = '\n';
        byte[] tail = (" 0 0 " + valueSize + " noreply\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] set = "set ".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            CountDownLatch done = new CountDownLatch(1);
            AtomicLong errors = new AtomicLong();
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while (!(line = HitRatio.readLine(in)).equals("MN")) {
                        if (line.isEmpty()) {
                            return; // closed
                        }
                        errors.incrementAndGet();
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                } finally {
                    done.countDown();
                }
            }, "fill-reader");
            reader.setDaemon(true);
            reader.start();
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            for (int i = 0; i < items; i++) {
                out.write(set);
                out.write(key(i, keySize, prefix));
                out.write(tail);
                out.write(value);
            }
            out.write("mn\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            done.await();
            if (errors.get() > 0) {
                System.err.println(errors.get() + " error replies while filling");
            }
        }
    }

    /** {hits, gets} over all keys or an even sample of at most 1,000,000, in multigets of 100 keys. */
    static long[] hits(int port, int items, int keySize, String prefix) throws IOException {
        int stride = Math.max(1, items / 1_000_000);
        long hits = 0;
        long gets = 0;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            int i = 0;
            while (i < items) {
                out.write("get".getBytes(StandardCharsets.US_ASCII));
                for (int n = 0; n < 100 && i < items; n++, i += stride) {
                    out.write(' ');
                    out.write(key(i, keySize, prefix));
                    gets++;
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String line;
                while (!(line = HitRatio.readLine(in)).equals("END")) {
                    if (!line.startsWith("VALUE ")) {
                        throw new IOException("unexpected reply " + line);
                    }
                    int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                    in.skipNBytes(len + 2);
                    hits++;
                }
            }
        }
        return new long[] {hits, gets};
    }

    /**
     * Reads the keys with pipelined meta gets: traffic of another kind for the warm-up (in a JVM server these
     * allocate, so its young generation is in use before the baseline, as in any server that has run a while).
     */
    static void metaGets(int port, int items, int keySize, String prefix) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            Thread drain = new Thread(() -> {
                try {
                    while (!HitRatio.readLine(in).equals("MN")) {
                        // the replies: read and dropped
                    }
                } catch (IOException ignored) {
                    // closed
                }
            }, "meta-gets-drain");
            drain.setDaemon(true);
            drain.start();
            byte[] mg = "mg ".getBytes(StandardCharsets.US_ASCII);
            byte[] flags = " s f t c\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < items; i++) {
                    out.write(mg);
                    out.write(key(i, keySize, prefix));
                    out.write(flags);
                }
            }
            out.write("mn\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            drain.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the keys, pipelined with noreply, then waits for an {@code mn}. */
    static void delete(int port, int items, int keySize, String prefix) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            byte[] del = "delete ".getBytes(StandardCharsets.US_ASCII);
            byte[] tail = " noreply\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < items; i++) {
                out.write(del);
                out.write(key(i, keySize, prefix));
                out.write(tail);
            }
            out.write("mn\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            while (!(line = HitRatio.readLine(in)).equals("MN") && !line.isEmpty()) {
                // an error reply: none expected
            }
        }
    }

    static Map<String, String> stats(int port) throws IOException {
        Map<String, String> r = new HashMap<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            while (!(line = HitRatio.readLine(in)).equals("END") && !line.isEmpty()) {
                String[] f = line.split(" ");
                if (f.length == 3) {
                    r.put(f[1], f[2]);
                }
            }
        }
        return r;
    }
}
