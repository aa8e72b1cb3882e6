package io.evbase.boot;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.LoadWindow;
import io.evbase.loop.LoopLoad;
import io.evbase.loop.LoopSampler;
import io.evbase.loop.LoopStall;
import io.evbase.loop.LoopStats;
import io.evbase.loop.StallWatchdog;
import io.evbase.net.CloseReason;
import io.evbase.net.ConnectionInfo;
import io.evbase.net.BoundListener;
import io.evbase.net.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code reactor} actuator endpoint: the loops, listeners, buffers and connections of the running server.
 *
 * <ul>
 * <li>{@code GET /actuator/reactor}: every loop, listener and the buffers;</li>
 * <li>{@code GET /actuator/reactor/loops}, {@code .../listeners}, {@code .../buffers}: one part;</li>
 * <li>{@code GET /actuator/reactor/loops/{id}}, {@code .../listeners/{name}}: one loop or listener;</li>
 * <li>{@code GET /actuator/reactor/connections?page=0&size=100}: the open connections by id, a page at a time
 * (memcached's {@code stats conns});</li>
 * <li>{@code GET /actuator/reactor/view}: the live page ({@link EvbaseView}), and
 * {@code GET /actuator/reactor/history?since=n}: the loops' load second by second, which it draws.</li>
 * </ul>
 * Times are in milliseconds, sizes in bytes, loads are the share of wall time spent working (0 to 1).
 *
 * <p>Threading: the operations run on the web server's threads, any number at once. They read the loops'
 * published counters; the connection listing asks each loop on its own thread and leaves out a loop that does not
 * answer within {@link #CONNECTIONS_TIMEOUT} (a stalled one).
 */
@Endpoint(id = "reactor")
public class EvbaseEndpoint {

    /** How long the connection listing waits for each loop to describe its connections. */
    static final Duration CONNECTIONS_TIMEOUT = Duration.ofMillis(500);
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;

    private final Server server;
    private final LoopSampler sampler;
    private final StallWatchdog watchdog;
    private final EvbaseView view;

    public EvbaseEndpoint(Server server, LoopSampler sampler, StallWatchdog watchdog) {
        this.server = server;
        this.sampler = sampler;
        this.watchdog = watchdog;
        this.view = new EvbaseView(sampler);
    }

    @ReadOperation
    public ReactorDescriptor reactor() {
        return new ReactorDescriptor(server.group().size(), server.group().dispatch().label(),
                server.isAcceptPaused(), server.isDraining(), watchdog.threshold().toMillis(), loops(), listeners(),
                buffers());
    }

    /**
     * One part: {@code loops}, {@code listeners}, {@code buffers}, {@code connections} (paged), {@code history}
     * (after point {@code since}) or {@code view} (the live page, HTML).
     */
    @ReadOperation
    public @Nullable Object section(@Selector String section, @Nullable Integer page, @Nullable Integer size,
            @Nullable Long since) {
        return switch (section) {
            case "view" -> view.page();
            case "history" -> view.history(since);
            case "loops" -> new LoopsDescriptor(loops());
            case "listeners" -> new ListenersDescriptor(listeners());
            case "buffers" -> buffers();
            case "connections" -> connections(page == null ? 0 : page, size == null ? DEFAULT_PAGE_SIZE : size);
            default -> null;
        };
    }

    /** One loop by id ({@code loops/0}) or one listener by name ({@code listeners/echo}). */
    @ReadOperation
    public @Nullable OperationResponseBody item(@Selector String section, @Selector String id) {
        return switch (section) {
            case "loops" -> loop(id);
            case "listeners" -> listeners().stream().filter(l -> l.name().equals(id)).findFirst().orElse(null);
            default -> null;
        };
    }

    // ---------------------------------------------------------------- building the descriptors

    private List<LoopDescriptor> loops() {
        return server.group().loops().stream().map(this::describe).toList();
    }

    private @Nullable LoopDescriptor loop(String id) {
        List<EventBase> loops = server.group().loops();
        try {
            int i = Integer.parseInt(id);
            return i >= 0 && i < loops.size() ? describe(loops.get(i)) : null;
        } catch (NumberFormatException e) {
            return loops.stream().filter(l -> l.name().equals(id)).findFirst().map(this::describe).orElse(null);
        }
    }

    LoopDescriptor describe(EventBase loop) {
        LoopStats stats = loop.stats();
        LoopLoad load = sampler.load(loop);
        Map<String, Double> loads = new LinkedHashMap<>();
        load.loads().forEach((window, value) -> loads.put(window.label(), round(value, 4)));
        LoopStall stall = watchdog.stall(loop).orElse(null);
        return new LoopDescriptor(loop.id(), loop.name(), loads, loop.pendingTasks(), server.openConnections(loop),
                server.pendingHandOffs(loop), stats.iterations(), stats.ioEvents(), stats.tasksRun(),
                TaskLatencyDescriptor.of(sampler.taskLatency(loop).recent()),
                CallbackDescriptor.of(stats.longestCallback()),
                stall != null, watchdog.stalls(loop), stall == null ? null : stall.duration().toMillis(),
                stall == null ? null : stall.stackLines(), received(loop), round(loop.recentLoad(), 4));
    }

    /** Connections the loop received, by the policy that chose it: the configured one, and round-robin for ties. */
    private Map<String, Long> received(EventBase loop) {
        Map<String, Long> byPolicy = new LinkedHashMap<>();
        Dispatch policy = server.group().dispatch();
        byPolicy.put(policy.label(), server.group().received(loop, policy));
        if (policy != Dispatch.ROUND_ROBIN) {
            byPolicy.put(Dispatch.ROUND_ROBIN.label(), server.group().received(loop, Dispatch.ROUND_ROBIN));
        }
        return byPolicy;
    }

    private List<ListenerDescriptor> listeners() {
        boolean paused = server.isAcceptPaused();
        List<ListenerDescriptor> list = new ArrayList<>();
        for (BoundListener l : server.listeners()) {
            Map<String, Long> rejected = new LinkedHashMap<>();
            for (BoundListener.RejectReason r : BoundListener.RejectReason.values()) {
                rejected.put(r.tag(), l.rejected(r));
            }
            Map<String, Long> closed = new LinkedHashMap<>();
            for (CloseReason r : CloseReason.values()) {
                closed.put(r.tag(), l.closed(r));
            }
            list.add(new ListenerDescriptor(l.name(), l.port(), l.config().protocol(), l.openConnections(),
                    l.accepted(), rejected, closed, l.bytesRead(), l.bytesWritten(), paused));
        }
        return list;
    }

    private BuffersDescriptor buffers() {
        BufferPool pool = server.bufferPool();
        List<LoopBuffersDescriptor> perLoop = new ArrayList<>();
        for (EventBase loop : server.group().loops()) {
            perLoop.add(new LoopBuffersDescriptor(loop.id(), server.bufferCache(loop).cachedBytes(),
                    server.inputBytes(loop), server.outputBytes(loop)));
        }
        return new BuffersDescriptor(pool.chunkSize(), pool.budgetBytes(), pool.allocatedBytes(), pool.inUseBytes(),
                pool.cachedBytes(),
                pool.sharedCachedBytes(), pool.allocations(), server.inputBytes(), server.outputBytes(), perLoop);
    }

    private ConnectionsDescriptor connections(int page, int size) {
        int pageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, size));
        int pageNumber = Math.max(0, page);
        List<ConnectionInfo> all = new ArrayList<>(server.connections(CONNECTIONS_TIMEOUT));
        all.sort(Comparator.comparingLong(ConnectionInfo::id));
        int from = (int) Math.min(all.size(), (long) pageNumber * pageSize);
        int to = Math.min(all.size(), from + pageSize);
        List<ConnectionDescriptor> content = all.subList(from, to).stream().map(ConnectionDescriptor::of).toList();
        int pages = (all.size() + pageSize - 1) / pageSize;
        List<Integer> unanswered = watchdog.stalled().stream().map(LoopStall::loop).toList();
        return new ConnectionsDescriptor(pageNumber, pageSize, all.size(), pages, unanswered, content);
    }

    static double millis(long nanos) {
        return round(nanos / 1e6, 3);
    }

    static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    // ---------------------------------------------------------------- descriptors

    /**
     * The whole reactor.
     *
     * @param workers        the number of worker loops
     * @param dispatch       how new connections are spread over the loops
     * @param acceptPaused   accepting is paused (descriptors ran out)
     * @param draining       the server is draining for shutdown
     * @param stallThreshold a loop busy with one iteration for longer is stalled, in milliseconds
     */
    public record ReactorDescriptor(int workers, String dispatch, boolean acceptPaused, boolean draining,
            long stallThreshold, List<LoopDescriptor> loops, List<ListenerDescriptor> listeners,
            BuffersDescriptor buffers) implements OperationResponseBody {
    }

    public record LoopsDescriptor(List<LoopDescriptor> loops) implements OperationResponseBody {
    }

    public record ListenersDescriptor(List<ListenerDescriptor> listeners) implements OperationResponseBody {
    }

    /**
     * One loop.
     *
     * @param id              the loop's id, its {@code loop} meter tag
     * @param thread          the loop thread's name
     * @param load            share of wall time spent working, by window ({@code 1s}, {@code 10s}, {@code 60s})
     * @param pendingTasks    tasks posted to the loop and not yet run
     * @param connections     open connections the loop owns
     * @param pendingHandOffs accepted sockets handed to the loop and not yet opened
     * @param iterations      loop iterations since start
     * @param ioEvents        I/O events handled since start
     * @param tasksRun        tasks and timers run since start
     * @param taskLatency     time from post to run of the tasks of the last minute
     * @param longestCallback the longest single I/O callback, task or timer since start
     * @param stalled         the loop is stuck in one iteration for longer than the stall threshold
     * @param stalls          stalls since start
     * @param stalledFor      while stalled: how long so far, in milliseconds
     * @param stack           while stalled: the loop thread's stack when the stall was found, innermost first
     * @param received        connections handed to the loop since start, by the dispatch policy that chose it (the
     *                        configured one; {@code round-robin} for ties)
     * @param dispatchLoad    the busy ratio dispatch sees: a moving average over about half a second, up to now
     */
    public record LoopDescriptor(int id, String thread, Map<String, Double> load, int pendingTasks, int connections,
            int pendingHandOffs, long iterations, long ioEvents, long tasksRun, TaskLatencyDescriptor taskLatency,
            CallbackDescriptor longestCallback, boolean stalled, long stalls, @Nullable Long stalledFor,
            @Nullable List<String> stack, Map<String, Long> received, double dispatchLoad)
            implements OperationResponseBody {
    }

    /**
     * Task latency (post to run) over a window, in milliseconds; HdrHistogram values, exact to two digits.
     *
     * @param window the span covered, {@code 60s}
     * @param count  tasks run in the window
     */
    public record TaskLatencyDescriptor(String window, long count, double mean, double p50, double p90, double p99,
            double p999, double max) {

        static TaskLatencyDescriptor of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new TaskLatencyDescriptor(LoadWindow.ONE_MINUTE.label(), 0, 0, 0, 0, 0, 0, 0);
            }
            return new TaskLatencyDescriptor(LoadWindow.ONE_MINUTE.label(), h.getTotalCount(),
                    round(h.getMean() / 1e6, 3), millis(h.getValueAtPercentile(50)),
                    millis(h.getValueAtPercentile(90)), millis(h.getValueAtPercentile(99)),
                    millis(h.getValueAtPercentile(99.9)), millis(h.getMaxValue()));
        }
    }

    /**
     * The longest callback.
     *
     * @param callback the class of the handler or task
     * @param duration how long it ran, in milliseconds
     */
    public record CallbackDescriptor(String callback, double duration) {

        static CallbackDescriptor of(LoopStats.LongestCallback longest) {
            return new CallbackDescriptor(longest.name(), millis(longest.nanos()));
        }
    }

    /**
     * One listener.
     *
     * @param rejected connections refused at accept, by reason
     * @param closed   connections closed, by reason
     */
    public record ListenerDescriptor(String name, int port, String protocol, int open, long accepted,
            Map<String, Long> rejected, Map<String, Long> closed, long bytesRead, long bytesWritten,
            boolean acceptPaused) implements OperationResponseBody {
    }

    /**
     * The buffer pool and the bytes connections hold.
     *
     * @param chunkSize         bytes per pooled chunk
     * @param allocatedBytes    direct memory the pool holds (in use plus cached)
     * @param inUseBytes        bytes of chunks held by connections' buffers
     * @param cachedBytes       bytes of free chunks kept for reuse (loop caches plus the shared list)
     * @param sharedCachedBytes of which in the shared list
     * @param allocations       chunks ever allocated from the JVM
     * @param inputBytes        unconsumed bytes in connections' input buffers
     * @param outputBytes       bytes queued in connections' output buffers
     * @param loops             the same per loop
     */
    public record BuffersDescriptor(int chunkSize, long budgetBytes, long allocatedBytes, long inUseBytes, long cachedBytes,
            long sharedCachedBytes, long allocations, long inputBytes, long outputBytes,
            List<LoopBuffersDescriptor> loops) implements OperationResponseBody {
    }

    public record LoopBuffersDescriptor(int loop, long cachedBytes, long inputBytes, long outputBytes) {
    }

    /**
     * A page of the open connections, by connection id.
     *
     * @param total       open connections listed over all pages
     * @param unanswered  loops stalled right now, whose connections are left out
     */
    public record ConnectionsDescriptor(int page, int size, int total, int pages, List<Integer> unanswered,
            List<ConnectionDescriptor> connections) implements OperationResponseBody {
    }

    /**
     * One open connection.
     *
     * @param age   time since accept, in milliseconds
     * @param idle  time since the last byte moved, in milliseconds
     * @param state {@code open}, {@code draining}, {@code flushing} or {@code lingering}
     */
    public record ConnectionDescriptor(long id, String listener, int loop, String remoteAddress, long age, long idle,
            String state, long inputBytes, long outputBytes, long bytesRead, long bytesWritten) {

        static ConnectionDescriptor of(ConnectionInfo c) {
            return new ConnectionDescriptor(c.id(), c.listener(), c.loop(), c.remoteAddress(), c.age().toMillis(),
                    c.idle().toMillis(), c.state(), c.inputBytes(), c.outputBytes(), c.bytesRead(), c.bytesWritten());
        }
    }
}
