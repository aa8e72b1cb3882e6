package io.evbase.protocol.memcache;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Hit ratio of evbase's store against the real memcached at the same memory limit, on a cache-aside workload
 * with Zipf-distributed keys: get a key; on a miss, set it. Both servers see the same request sequence (same
 * seed), over one connection, in pipelined batches of 100 gets followed by the sets for that batch's misses.
 * The first fifth of the requests warms the caches and is not counted.
 *
 * <p>Run: {@code java -cp <test classpath> io.evbase.protocol.memcache.HitRatioComparison [memoryMb] [keys]
 * [requests] [zipfExponent] [minValue] [maxValue]}; defaults 64 MB, 400 000 keys, 3 000 000 requests, 0.99,
 * values of 100 to 1000 bytes. Prints one line per server.
 */
public final class HitRatioComparison {

    private HitRatioComparison() {
    }

    public static void main(String[] args) throws Exception {
        int memoryMb = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 400_000;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 3_000_000;
        double s = args.length > 3 ? Double.parseDouble(args[3]) : 0.99;
        int minValue = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        int maxValue = args.length > 5 ? Integer.parseInt(args[5]) : 1000;
        int[] trace = zipfTrace(keys, requests, s, 7);
        System.out.printf("workload: %d keys, %d requests, zipf s=%.2f, values %d-%d bytes, memory %d MB%n", keys,
                requests, s, minValue, maxValue, memoryMb);
        try (RealMemcached m = RealMemcached.start(memoryMb)) {
            report("memcached 1.6", run(m.port, trace, minValue, maxValue));
        }
        MemcacheSettings settings = new MemcacheSettings((long) memoryMb << 20, 1 << 20, 512 * 1024);
        try (MemcacheTestServer e = new MemcacheTestServer(settings, 0)) {
            report("evbase W-TinyLFU", run(e.port(), trace, minValue, maxValue));
        }
    }

    private static void report(String name, long[] r) {
        System.out.printf("%-18s hit ratio %.4f (%d hits / %d gets counted)%n", name, (double) r[0] / r[1], r[0], r[1]);
    }

    /** Key indices drawn from a Zipf distribution over {@code n} keys (rank 0 most popular), shuffled ranks. */
    static int[] zipfTrace(int n, int count, double s, long seed) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        int[] permutation = new int[n];
        for (int i = 0; i < n; i++) {
            permutation[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        int[] trace = new int[count];
        for (int i = 0; i < count; i++) {
            double u = r.nextDouble() * sum;
            int idx = Arrays.binarySearch(cdf, u);
            if (idx < 0) {
                idx = -idx - 1;
            }
            trace[i] = permutation[Math.min(idx, n - 1)];
        }
        return trace;
    }

    /** Runs the trace; returns {hits, gets} counted after warm-up. */
    static long[] run(int port, int[] trace, int minValue, int maxValue) throws IOException {
        long hits = 0;
        long gets = 0;
        int warm = trace.length / 5;
        int batch = 100;
        byte[] filler = new byte[maxValue];
        Arrays.fill(filler, (byte) 'v');
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            for (int start = 0; start < trace.length; start += batch) {
                int end = Math.min(trace.length, start + batch);
                for (int i = start; i < end; i++) {
                    out.write(("get key:" + trace[i] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                boolean[] hit = new boolean[end - start];
                for (int i = start; i < end; i++) {
                    String line = readLine(in);
                    if (line.startsWith("VALUE ")) {
                        int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                        in.skipNBytes(len + 2);
                        readLine(in); // END
                        hit[i - start] = true;
                    }
                    if (i >= warm) {
                        gets++;
                        if (hit[i - start]) {
                            hits++;
                        }
                    }
                }
                for (int i = start; i < end; i++) {
                    if (!hit[i - start]) {
                        int key = trace[i];
                        // each key always has the same size, spread evenly over [minValue, maxValue]
                        int size = minValue + (int) Math.floorMod(key * 2654435761L, (long) (maxValue - minValue + 1));
                        out.write(("set key:" + key + " 0 0 " + size + " noreply\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(filler, 0, size);
                        out.write('\r');
                        out.write('\n');
                    }
                }
            }
            out.write("mn\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readLine(in);
        }
        return new long[] {hits, gets};
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
