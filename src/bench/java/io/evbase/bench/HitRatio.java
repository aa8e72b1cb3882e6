package io.evbase.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Hit ratio of a memcached-protocol server on a cache-aside workload (get a key; on a miss, set it), one trace per
 * run, so that two servers at the same memory limit see the same request sequence (same seed). Requests go over one
 * connection in pipelined batches of 100 gets followed by the sets for that batch's misses. The first fifth of the
 * requests warms the cache and is not counted.
 *
 * <p>Traces ({@code --trace}): {@code zipf} draws {@code --keys} keys from a Zipf distribution of exponent
 * {@code --zipf}; {@code scan} is the same stream polluted by periodic one-pass scans: after every
 * {@code --scan-every} Zipf requests come {@code --scan-length} requests for keys never seen before and never asked
 * again (a batch job walking a table through the cache). Only the Zipf requests count in the hit ratio: a scan's
 * requests miss on every server, the question is what the scan costs the hot set.
 *
 * <p>Usage: {@code HitRatio --port P [--trace zipf|scan] [--keys 400000] [--requests 3000000] [--zipf 0.99]
 * [--min-value 100] [--max-value 1000] [--scan-every 200000] [--scan-length 50000]}. Prints one {@code RESULT}
 * line with the hit ratio and the server's item count and evictions at the end.
 */
public final class HitRatio {

    private HitRatio() {
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int port = a.integer("port", 11211);
        String kind = a.string("trace", "zipf");
        int keys = a.integer("keys", 400_000);
        int requests = a.integer("requests", 3_000_000);
        double s = a.decimal("zipf", 0.99);
        int minValue = a.integer("min-value", 100);
        int maxValue = a.integer("max-value", 1000);
        int scanEvery = kind.equals("scan") ? a.integer("scan-every", 200_000) : 0;
        int scanLength = a.integer("scan-length", 50_000);
        int[] trace = trace(keys, requests, s, 7, scanEvery, scanLength);
        long[] r = run(port, trace, keys, minValue, maxValue);
        java.util.Map<String, String> stats = ItemMemory.stats(port);
        StringBuilder sb = new StringBuilder("RESULT");
        LoadGen.kv(sb, "trace", kind);
        LoadGen.kv(sb, "keys", keys);
        LoadGen.kv(sb, "requests", trace.length);
        LoadGen.kv(sb, "zipf", s);
        LoadGen.kv(sb, "hits", r[0]);
        LoadGen.kv(sb, "gets", r[1]);
        LoadGen.kv(sb, "hit_ratio", String.format(Locale.ROOT, "%.4f", (double) r[0] / r[1]));
        LoadGen.kv(sb, "curr_items", stats.getOrDefault("curr_items", ""));
        LoadGen.kv(sb, "evictions", stats.getOrDefault("evictions", ""));
        System.out.println(sb);
    }

    /**
     * Key indices: Zipf over {@code n} keys (rank 0 most popular, ranks shuffled over the key space), with a scan of
     * {@code scanLength} fresh keys (indices {@code n} and up, each used once) after every {@code scanEvery} Zipf
     * requests when {@code scanEvery > 0}.
     */
    static int[] trace(int n, int count, double s, long seed, int scanEvery, int scanLength) {
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
        int scans = scanEvery > 0 ? count / scanEvery : 0;
        int[] trace = new int[count + scans * scanLength];
        int next = 0;
        int fresh = n;
        for (int i = 0; i < count; i++) {
            double u = r.nextDouble() * sum;
            int idx = Arrays.binarySearch(cdf, u);
            if (idx < 0) {
                idx = -idx - 1;
            }
            trace[next++] = permutation[Math.min(idx, n - 1)];
            if (scanEvery > 0 && (i + 1) % scanEvery == 0) {
                for (int k = 0; k < scanLength; k++) {
                    trace[next++] = fresh++;
                }
            }
        }
        return Arrays.copyOf(trace, next);
    }

    /**
     * Runs the trace; returns {hits, gets} of the Zipf requests (keys below {@code zipfKeys}; scan keys are numbered
     * from there up) counted after warm-up.
     */
    static long[] run(int port, int[] trace, int zipfKeys, int minValue, int maxValue) throws IOException {
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
            boolean[] hit = new boolean[batch];
            for (int start = 0; start < trace.length; start += batch) {
                int end = Math.min(trace.length, start + batch);
                for (int i = start; i < end; i++) {
                    out.write(("get key:" + trace[i] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                for (int i = start; i < end; i++) {
                    String line = readLine(in);
                    hit[i - start] = false;
                    if (line.startsWith("VALUE ")) {
                        int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                        in.skipNBytes(len + 2);
                        readLine(in); // END
                        hit[i - start] = true;
                    } else if (!line.equals("END")) {
                        throw new IOException("unexpected reply " + line);
                    }
                    if (i >= warm && trace[i] < zipfKeys) {
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

    static String readLine(InputStream in) throws IOException {
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
