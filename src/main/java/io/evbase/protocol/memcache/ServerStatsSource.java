package io.evbase.protocol.memcache;

import io.evbase.net.ConnectionInfo;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the memcache handler reports about the server around it in {@code stats}: the figures evbase knows better
 * than memcached (per-loop load and pending tasks, buffer occupancy) and the connection list for
 * {@code stats conns}. An interface so that the handler depends neither on Spring nor on a running server: the
 * handler is built first, the source learns about the server once it runs ({@link ServerStatsAdapter}).
 *
 * <p>Threading: implementations are thread-safe and never block the caller (a loop thread):
 * {@link #connections()} answers asynchronously.
 */
public interface ServerStatsSource {

    /** One worker loop at this moment. {@code load} is the share of wall time spent working, 0 to 1. */
    record LoopFigures(int id, String name, double load, int pendingTasks, int connections) {
    }

    /** Buffer pool occupancy and the bytes waiting in connections' buffers. */
    record BufferFigures(long inUseBytes, long cachedBytes, long allocatedBytes, long inputBytes, long outputBytes) {
    }

    /** Worker loops (memcached's {@code threads}). */
    int threads();

    /** The connection limit of the listeners this handler serves (memcached's {@code max_connections}). */
    int maxConnections();

    List<LoopFigures> loops();

    BufferFigures buffers();

    /** Every open connection, gathered on the loops' own threads; completes on some other thread. */
    CompletableFuture<List<ConnectionInfo>> connections();

    /** A source for a handler used without a server (tests, embedding): no loops, no buffers, no connections. */
    ServerStatsSource NONE = new ServerStatsSource() {
        @Override
        public int threads() {
            return 0;
        }

        @Override
        public int maxConnections() {
            return 0;
        }

        @Override
        public List<LoopFigures> loops() {
            return List.of();
        }

        @Override
        public BufferFigures buffers() {
            return new BufferFigures(0, 0, 0, 0, 0);
        }

        @Override
        public CompletableFuture<List<ConnectionInfo>> connections() {
            return CompletableFuture.completedFuture(List.of());
        }
    };
}
