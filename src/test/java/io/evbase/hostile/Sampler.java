package io.evbase.hostile;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads the server's health, heap and pooled memory through its actuator every 100 ms while an attack runs, and
 * keeps the worst of each.
 *
 * <p>Threading: one sampling thread; the figures are read after {@link #close()}.
 */
final class Sampler implements AutoCloseable {

    private final HostileServer server;
    private final Thread thread;
    private final CountDownLatch first = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long maxHeap;
    private volatile long maxPool;
    private volatile int samples;
    private volatile int notHealthy;
    private volatile int lastBadStatus;
    private volatile String lastError;

    Sampler(HostileServer server) throws InterruptedException {
        this.server = server;
        this.thread = new Thread(this::run, "sampler");
        thread.setDaemon(true);
        thread.start();
        first.await(30, TimeUnit.SECONDS);
    }

    private void run() {
        while (running) {
            int status = server.healthStatus();
            if (status != 200) {
                notHealthy++;
                lastBadStatus = status;
            }
            try {
                maxHeap = Math.max(maxHeap, server.heapUsed());
                maxPool = Math.max(maxPool, server.poolAllocated());
            } catch (java.io.IOException e) {
                notHealthy++;
                lastError = e.toString();
            }
            samples++;
            first.countDown();
            try {
                Thread.sleep(100); // the sampling period
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long maxHeap() {
        return maxHeap;
    }

    long maxPool() {
        return maxPool;
    }

    int samples() {
        return samples;
    }

    /** Samples whose health was not 200 (or could not be read). */
    int notHealthy() {
        return notHealthy;
    }

    /** The last status other than 200, and the last error reading the meters, for failure messages. */
    String lastProblem() {
        return "status " + lastBadStatus + ", error " + lastError;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
