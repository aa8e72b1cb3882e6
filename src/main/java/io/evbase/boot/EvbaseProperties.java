package io.evbase.boot;

import io.evbase.loop.Dispatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the evbase server, bound from {@code evbase.*}.
 *
 * <p>Threading: bound once at start-up, read-only afterwards.
 */
@ConfigurationProperties("evbase")
public class EvbaseProperties {

    /** Number of worker event loops; 0 means one per available processor. */
    private int workers = 0;

    /**
     * How the acceptor picks the loop for a new connection: round-robin, least-connections (fewest connections,
     * those on their way included) or least-loaded (lowest recent busy ratio).
     */
    private Dispatch dispatch = Dispatch.ROUND_ROBIN;

    /**
     * A loop that has not finished an iteration for this long is reported stalled, with its stack, and gets no new
     * connection while another loop can take it.
     */
    private Duration stallThreshold = Duration.ofSeconds(2);

    /** Accepted sockets handed to one loop and not yet opened by it, at most; past it the acceptor tries the next loop. */
    private int handOffQueueSize = 4096;

    /** How long accepting pauses when the process runs out of file descriptors. */
    private Duration acceptPause = Duration.ofMillis(100);

    private final Buffers buffers = new Buffers();

    private final Shutdown shutdown = new Shutdown();

    private final Blocking blocking = new Blocking();

    /** The listeners by name: each binds a port to a protocol handler bean of the same name as its protocol. */
    private Map<String, ListenerProperties> listeners = new LinkedHashMap<>();

    private final Memcache memcache = new Memcache();

    public int getWorkers() {
        return workers;
    }

    public void setWorkers(int workers) {
        this.workers = workers;
    }

    /** The worker count to run with: {@link #getWorkers()} or, when 0, the available processors. */
    public int effectiveWorkers() {
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }

    public Dispatch getDispatch() {
        return dispatch;
    }

    public void setDispatch(Dispatch dispatch) {
        this.dispatch = dispatch;
    }

    public Duration getStallThreshold() {
        return stallThreshold;
    }

    public void setStallThreshold(Duration stallThreshold) {
        this.stallThreshold = stallThreshold;
    }

    public int getHandOffQueueSize() {
        return handOffQueueSize;
    }

    public void setHandOffQueueSize(int handOffQueueSize) {
        this.handOffQueueSize = handOffQueueSize;
    }

    public Duration getAcceptPause() {
        return acceptPause;
    }

    public void setAcceptPause(Duration acceptPause) {
        this.acceptPause = acceptPause;
    }

    public Buffers getBuffers() {
        return buffers;
    }

    public Shutdown getShutdown() {
        return shutdown;
    }

    public Blocking getBlocking() {
        return blocking;
    }

    public Map<String, ListenerProperties> getListeners() {
        return listeners;
    }

    public void setListeners(Map<String, ListenerProperties> listeners) {
        this.listeners = listeners;
    }

    public Memcache getMemcache() {
        return memcache;
    }

    /** The pooled direct memory connections read into and write from. */
    public static class Buffers {

        /** Size of one pooled chunk. */
        private DataSize chunkSize = DataSize.ofKilobytes(16);

        /** Free chunks each loop keeps for itself before returning them to the shared pool. */
        private DataSize loopCacheSize = DataSize.ofMegabytes(1);

        /** Free chunks the shared pool keeps; beyond it freed chunks are released to the JVM. */
        private DataSize maxPooled = DataSize.ofMegabytes(64);

        /**
         * Direct memory the buffer pool never exceeds, chunks in use and cached alike. At it, a connection that needs
         * a chunk to read pauses reading (reads may fill only 7/8 of it, the rest is kept for replies) and one whose
         * reply needs a chunk is closed. Unset: 3/4 of the JVM's direct-memory limit (-XX:MaxDirectMemorySize, or the
         * maximum heap when that is unset), leaving the rest to the JDK's own direct buffers.
         */
        private DataSize maxDirectMemory;

        public DataSize getChunkSize() {
            return chunkSize;
        }

        public void setChunkSize(DataSize chunkSize) {
            this.chunkSize = chunkSize;
        }

        public DataSize getLoopCacheSize() {
            return loopCacheSize;
        }

        public void setLoopCacheSize(DataSize loopCacheSize) {
            this.loopCacheSize = loopCacheSize;
        }

        public DataSize getMaxPooled() {
            return maxPooled;
        }

        public void setMaxPooled(DataSize maxPooled) {
            this.maxPooled = maxPooled;
        }

        public DataSize getMaxDirectMemory() {
            return maxDirectMemory;
        }

        public void setMaxDirectMemory(DataSize maxDirectMemory) {
            this.maxDirectMemory = maxDirectMemory;
        }
    }

    /** Graceful shutdown. */
    public static class Shutdown {

        /**
         * How long open connections may take to answer what they received before shutdown began; the rest are
         * closed. Keep it below spring.lifecycle.timeout-per-shutdown-phase.
         */
        private Duration drainTimeout = Duration.ofSeconds(10);

        public Duration getDrainTimeout() {
            return drainTimeout;
        }

        public void setDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
        }
    }

    /** The executor that runs blocking work behind replies, off the loops. */
    public static class Blocking {

        /** Run each blocking task on a virtual thread where the JVM has them (Java 21 and later). */
        private boolean virtualThreads = true;

        /** Platform threads for blocking work when virtual threads are off or the JVM has none (Java 17-20). */
        private int maxThreads = 64;

        public boolean isVirtualThreads() {
            return virtualThreads;
        }

        public void setVirtualThreads(boolean virtualThreads) {
            this.virtualThreads = virtualThreads;
        }

        public int getMaxThreads() {
            return maxThreads;
        }

        public void setMaxThreads(int maxThreads) {
            this.maxThreads = maxThreads;
        }
    }

    /** One listening socket and the limits of its connections. */
    public static class ListenerProperties {

        /** TCP port to listen on; 0 picks a free one. Required: a listener without a port fails start-up. */
        private Integer port;

        /** Name of the protocol handler bean that serves this listener, e.g. echo or memcache. */
        private String protocol;

        /** Address to bind: 0.0.0.0 for every IPv4 interface, or one address such as 127.0.0.1. */
        private String bindAddress = "0.0.0.0";

        /** Listen backlog: connections the kernel queues before the acceptor takes them. */
        private int backlog = 1024;

        /** Close a connection with no traffic in either direction for this long; 0 disables. */
        private Duration idleTimeout = Duration.ZERO;

        /** Close a connection whose request stays incomplete for this long; 0 disables. */
        private Duration readTimeout = Duration.ZERO;

        /** Abort a connection whose queued output makes no progress for this long; 0 disables. */
        private Duration writeTimeout = Duration.ZERO;

        /** Stop reading from a connection while its unprocessed input exceeds this. */
        private DataSize readHighWatermark = DataSize.ofMegabytes(1);

        /** A connection whose queued output exceeds this turns unwritable and stops reading. */
        private DataSize writeHighWatermark = DataSize.ofMegabytes(1);

        /** An unwritable connection turns writable again once its queued output falls to this. */
        private DataSize writeLowWatermark = DataSize.ofKilobytes(256);

        /**
         * Open connections at most; a client over the limit gets the protocol's refusal and is closed. Unset: the
         * process's descriptor limit less a reserve for the management port and files, split across the listeners
         * that do not set it.
         */
        private Integer maxConnections;

        /**
         * Replies in flight per connection at most (answered later, off the loop, and not yet written); at the bound
         * the connection stops reading until one is written. Replies waiting behind a pending one count toward the
         * write high watermark.
         */
        private int maxRequestsInFlight = 128;

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public String getProtocol() {
            return protocol;
        }

        public void setProtocol(String protocol) {
            this.protocol = protocol;
        }

        public String getBindAddress() {
            return bindAddress;
        }

        public void setBindAddress(String bindAddress) {
            this.bindAddress = bindAddress;
        }

        public int getBacklog() {
            return backlog;
        }

        public void setBacklog(int backlog) {
            this.backlog = backlog;
        }

        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Duration getWriteTimeout() {
            return writeTimeout;
        }

        public void setWriteTimeout(Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
        }

        public DataSize getReadHighWatermark() {
            return readHighWatermark;
        }

        public void setReadHighWatermark(DataSize readHighWatermark) {
            this.readHighWatermark = readHighWatermark;
        }

        public DataSize getWriteHighWatermark() {
            return writeHighWatermark;
        }

        public void setWriteHighWatermark(DataSize writeHighWatermark) {
            this.writeHighWatermark = writeHighWatermark;
        }

        public DataSize getWriteLowWatermark() {
            return writeLowWatermark;
        }

        public void setWriteLowWatermark(DataSize writeLowWatermark) {
            this.writeLowWatermark = writeLowWatermark;
        }

        public Integer getMaxConnections() {
            return maxConnections;
        }

        public void setMaxConnections(Integer maxConnections) {
            this.maxConnections = maxConnections;
        }

        public int getMaxRequestsInFlight() {
            return maxRequestsInFlight;
        }

        public void setMaxRequestsInFlight(int maxRequestsInFlight) {
            this.maxRequestsInFlight = maxRequestsInFlight;
        }
    }

    /** The memcached-compatible cache behind listeners with protocol memcache. */
    public static class Memcache {

        /**
         * Memory the cache may use for keys, values (values still arriving included) and per-item overhead; it
         * evicts beyond it. At most half of the JVM's maximum heap: a larger limit fails the start-up.
         */
        private DataSize memoryLimit = DataSize.ofMegabytes(64);

        /** Largest value accepted; larger ones get SERVER_ERROR object too large for cache. */
        private DataSize maxItemSize = DataSize.ofMegabytes(1);

        /**
         * Longest get/gets line accepted (memcached lets multiget lines grow without bound); a longer one closes the
         * connection. Keep it below the listener's read high watermark, or such a line could never complete.
         */
        private DataSize maxMultigetLineLength = DataSize.ofKilobytes(512);

        /**
         * File of user:password lines enabling memcached's ASCII authentication (memcached -Y): until a connection
         * has sent "set <any key> <flags> <exptime> <bytes>" with "<user> <password>" as its data, every command
         * answers CLIENT_ERROR unauthenticated. Unset: no authentication.
         */
        private Path authFile;

        private final Admin admin = new Admin();

        public DataSize getMaxMultigetLineLength() {
            return maxMultigetLineLength;
        }

        public void setMaxMultigetLineLength(DataSize maxMultigetLineLength) {
            this.maxMultigetLineLength = maxMultigetLineLength;
        }

        public DataSize getMemoryLimit() {
            return memoryLimit;
        }

        public void setMemoryLimit(DataSize memoryLimit) {
            this.memoryLimit = memoryLimit;
        }

        public DataSize getMaxItemSize() {
            return maxItemSize;
        }

        public void setMaxItemSize(DataSize maxItemSize) {
            this.maxItemSize = maxItemSize;
        }

        public Path getAuthFile() {
            return authFile;
        }

        public void setAuthFile(Path authFile) {
            this.authFile = authFile;
        }

        public Admin getAdmin() {
            return admin;
        }

        /**
         * Switches for the memcache administrative commands any client may send. A disabled one answers
         * CLIENT_ERROR <command> not allowed, as memcached -F answers flush_all.
         */
        public static class Admin {

            /** Whether flush_all is accepted (memcached -F disables it). */
            private boolean flushAll = true;

            /** Whether cache_memlimit, which resizes the cache, is accepted. */
            private boolean cacheMemlimit = true;

            /** Whether verbosity is accepted. */
            private boolean verbosity = true;

            /** Whether stats reset and stats detail, which change the server's statistics, are accepted. */
            private boolean statsControl = true;

            public boolean isFlushAll() {
                return flushAll;
            }

            public void setFlushAll(boolean flushAll) {
                this.flushAll = flushAll;
            }

            public boolean isCacheMemlimit() {
                return cacheMemlimit;
            }

            public void setCacheMemlimit(boolean cacheMemlimit) {
                this.cacheMemlimit = cacheMemlimit;
            }

            public boolean isVerbosity() {
                return verbosity;
            }

            public void setVerbosity(boolean verbosity) {
                this.verbosity = verbosity;
            }

            public boolean isStatsControl() {
                return statsControl;
            }

            public void setStatsControl(boolean statsControl) {
                this.statsControl = statsControl;
            }
        }
    }
}
