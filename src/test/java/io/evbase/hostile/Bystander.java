package io.evbase.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A well-behaved client on the side of an attack: one connection doing set and get of its own 200 keys (values of
 * 100 to 2,000 bytes, each version derived from its key and version number), reading every reply, at about 200
 * operations a second. It records every operation's latency and every error (an exception, a wrong reply, a value
 * that is not the one it stored last), and at the end reads all its keys back: each must be its last value or,
 * where the store evicted, a miss.
 *
 * <p>Threading: runs on its own thread; {@link #stop()} and the figures may be read from another once stopped.
 */
final class Bystander implements AutoCloseable {

    private static final int KEYS = 200;

    private final int port;
    private final Thread thread;
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final List<String> errors = new ArrayList<>();
    private final long[] version = new long[KEYS];
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean running = true;
    private long operations;
    private long misses;

    Bystander(int port) throws InterruptedException {
        this.port = port;
        this.thread = new Thread(this::run, "bystander");
        thread.setDaemon(true);
        thread.start();
        started.await(30, TimeUnit.SECONDS);
    }

    private static String key(int k) {
        return "bystander:" + k;
    }

    private static byte[] valueOf(int k, long v) {
        return MemcacheLine.value(k * 1_000_003L + v, 100 + (int) ((k * 31 + v * 17) % 1900));
    }

    private void run() {
        Random random = new Random(11);
        try (Socket s = MemcacheLine.connect(port)) {
            s.setSoTimeout(60_000);
            // every key stored once before the attack
            for (int k = 0; k < KEYS; k++) {
                version[k] = 1;
                MemcacheLine.set(s, key(k), valueOf(k, 1));
            }
            started.countDown();
            while (running) {
                int k = random.nextInt(KEYS);
                long t0 = System.nanoTime();
                if (random.nextBoolean()) {
                    version[k]++;
                    MemcacheLine.set(s, key(k), valueOf(k, version[k]));
                } else {
                    check(s, k, "during");
                }
                latency.recordValue(Math.min(System.nanoTime() - t0, latency.getHighestTrackableValue()));
                operations++;
                Thread.sleep(5); // pace: a steady client, not a load generator
            }
            for (int k = 0; k < KEYS; k++) {
                check(s, k, "after");
            }
        } catch (IOException | RuntimeException e) {
            synchronized (errors) {
                errors.add(e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            started.countDown();
        }
    }

    private void check(Socket s, int k, String when) throws IOException {
        MemcacheLine.send(s, "get " + key(k) + "\r\n");
        InputStream in = s.getInputStream();
        String header = MemcacheLine.line(in);
        if (header.equals("END")) {
            misses++;
            return;
        }
        byte[] expected = valueOf(k, version[k]);
        if (!header.equals("VALUE " + key(k) + " 0 " + expected.length)) {
            error(when + ": get " + key(k) + " answered " + header);
            throw new IOException("out of step");
        }
        byte[] got = new byte[expected.length + 2];
        MemcacheLine.readFully(in, got);
        if (!Arrays.equals(got, 0, expected.length, expected, 0, expected.length)) {
            error(when + ": " + key(k) + " is not its last value");
        }
        String end = MemcacheLine.line(in);
        if (!end.equals("END")) {
            error(when + ": get " + key(k) + " ended with " + end);
            throw new IOException("out of step");
        }
    }

    private void error(String message) {
        synchronized (errors) {
            errors.add(message);
        }
    }

    /** Stops the load, reads every key back, and waits for it. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(120_000);
        if (thread.isAlive()) {
            error("the bystander did not finish within 2 minutes");
        }
    }

    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    long operations() {
        return operations;
    }

    long misses() {
        return misses;
    }

    double p99Millis() {
        return latency.getValueAtPercentile(99) / 1e6;
    }

    double maxMillis() {
        return latency.getMaxValue() / 1e6;
    }

    String figures() {
        return String.format(java.util.Locale.ROOT, "bystander %d ops, p50 %.2f ms, p99 %.2f ms, max %.1f ms, "
                + "%d misses, %d errors", operations, latency.getValueAtPercentile(50) / 1e6, p99Millis(), maxMillis(),
                misses, errors().size());
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
