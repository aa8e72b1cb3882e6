package io.evbase.protocol.memcache;

import io.evbase.loop.EventBase;
import io.evbase.net.ConnectionInfo;
import io.evbase.net.BoundListener;
import io.evbase.net.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link ServerStatsSource} backed by an {@link io.evbase.net.Server}, which is attached once it runs
 * ({@link #attach}); before that it reports nothing.
 *
 * <p>Load is measured over the time between two {@code stats} calls (at least one second, else the previous
 * figure stands), from each loop's busy-time counter, so a {@code stats} every few seconds shows the recent load
 * rather than the average since start.
 *
 * <p>Threading: thread-safe. {@link #connections()} asks the loops on a short-lived helper thread, because
 * {@link Server#connections} waits for them and must not run on a loop.
 */
public final class ServerStatsAdapter implements ServerStatsSource {

    private static final long MIN_WINDOW_NANOS = 1_000_000_000L;

    private volatile Server server;
    private final Map<Integer, long[]> samples = new HashMap<>(); // loop id -> {wall, busy, load bits}
    private final long createdNanos = System.nanoTime();

    /** Reports on {@code server} from now on. */
    public void attach(Server server) {
        this.server = server;
    }

    @Override
    public int threads() {
        Server s = server;
        return s == null ? 0 : s.group().size();
    }

    @Override
    public int maxConnections() {
        Server s = server;
        if (s == null) {
            return 0;
        }
        int max = 0;
        for (BoundListener l : s.listeners()) {
            if (l.config().handler() instanceof MemcacheHandler) {
                max += l.config().maxConnections();
            }
        }
        return max;
    }

    @Override
    public synchronized List<LoopFigures> loops() {
        Server s = server;
        if (s == null) {
            return List.of();
        }
        long now = System.nanoTime();
        List<LoopFigures> out = new ArrayList<>();
        for (EventBase loop : s.group().loops()) {
            long busy = loop.stats().busyNanos();
            long[] prev = samples.get(loop.id());
            double load;
            if (prev == null) {
                load = ratio(busy, now - createdNanos);
                samples.put(loop.id(), new long[] {now, busy, Double.doubleToLongBits(load)});
            } else if (now - prev[0] >= MIN_WINDOW_NANOS) {
                load = ratio(busy - prev[1], now - prev[0]);
                prev[0] = now;
                prev[1] = busy;
                prev[2] = Double.doubleToLongBits(load);
            } else {
                load = Double.longBitsToDouble(prev[2]);
            }
            out.add(new LoopFigures(loop.id(), loop.name(), load, loop.pendingTasks(), s.openConnections(loop)));
        }
        return out;
    }

    private static double ratio(long busy, long wall) {
        return wall <= 0 ? 0 : Math.min(1.0, Math.max(0.0, (double) busy / wall));
    }

    @Override
    public BufferFigures buffers() {
        Server s = server;
        if (s == null) {
            return new BufferFigures(0, 0, 0, 0, 0);
        }
        return new BufferFigures(s.bufferPool().inUseBytes(), s.bufferPool().cachedBytes(),
                s.bufferPool().allocatedBytes(), s.inputBytes(), s.outputBytes());
    }

    @Override
    public CompletableFuture<List<ConnectionInfo>> connections() {
        Server s = server;
        if (s == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        return s.connectionsAsync(Duration.ofSeconds(1));
    }
}
