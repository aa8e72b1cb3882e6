package io.evbase.boot;

import io.evbase.net.BoundListener;
import io.evbase.net.Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the server with the application context and drains it on stop: SIGTERM runs Spring's shutdown hook,
 * which stops this lifecycle first (highest phase), while the management server still answers probes.
 *
 * <p>Threading: Spring calls start and stop from its lifecycle thread; the drain runs on a thread of its own so
 * that other lifecycles of the same phase stop in parallel.
 */
public class EvbaseLifecycle implements SmartLifecycle {

    private static final Log LOG = LogFactory.getLog(EvbaseLifecycle.class);

    private final Server server;
    private final Duration drainTimeout;
    private volatile boolean running;

    public EvbaseLifecycle(Server server, Duration drainTimeout) {
        this.server = server;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public void start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        running = true;
        for (BoundListener l : server.listeners()) {
            LOG.info("evbase listener '" + l.name() + "' (" + l.config().protocol() + ") on "
                    + l.boundAddress().getAddress().getHostAddress() + ":" + l.port() + ", max-connections "
                    + l.config().maxConnections());
        }
        LOG.info("evbase started with " + server.group().size() + " loops, dispatch "
                + server.group().dispatch().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }

    @Override
    public void stop(Runnable callback) {
        Thread drain = new Thread(() -> {
            try {
                stop();
            } finally {
                callback.run();
            }
        }, "evbase-drain");
        drain.start();
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        LOG.info("evbase draining: accepting stopped, up to " + drainTimeout.toMillis() + " ms for open connections");
        long start = System.nanoTime();
        try {
            boolean clean = server.shutdown(drainTimeout);
            LOG.info("evbase stopped in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms"
                    + (clean ? "" : " (drain timeout: the remaining connections were closed)"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE; // last to start, first to stop: probes keep answering while connections drain
    }
}
