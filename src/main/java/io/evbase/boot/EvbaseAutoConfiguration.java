package io.evbase.boot;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBaseGroup;
import io.evbase.loop.LoopSampler;
import io.evbase.loop.StallWatchdog;
import io.evbase.net.BlockingExecutors;
import io.evbase.net.Server;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.protocol.memcache.AuthFile;
import io.evbase.protocol.memcache.MemcacheAccess;
import io.evbase.protocol.memcache.MemcacheHandler;
import io.evbase.protocol.memcache.MemcacheSettings;
import io.evbase.protocol.memcache.MemcacheStore;
import io.evbase.protocol.memcache.ServerStatsAdapter;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;

/**
 * Assembles the evbase server from {@link EvbaseProperties}: the buffer pool, the worker loops, the built-in
 * protocol handlers and the server, started and drained by {@link EvbaseLifecycle}. Every bean backs off when
 * the application defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties(EvbaseProperties.class)
public final class EvbaseAutoConfiguration {

    /** Name of the executor bean for blocking work behind replies. */
    public static final String BLOCKING_EXECUTOR = "evbaseBlockingExecutor";

    @Bean
    @ConditionalOnMissingBean
    BufferPool evbaseBufferPool(EvbaseProperties properties) {
        EvbaseProperties.Buffers b = properties.getBuffers();
        long budget = b.getMaxDirectMemory() != null ? b.getMaxDirectMemory().toBytes() : BufferPool.defaultBudget();
        return new BufferPool((int) b.getChunkSize().toBytes(), b.getLoopCacheSize().toBytes(),
                b.getMaxPooled().toBytes(), budget);
    }

    @Bean
    @ConditionalOnMissingBean
    EventBaseGroup evbaseEventBaseGroup(EvbaseProperties properties) {
        return new EventBaseGroup(properties.effectiveWorkers(), "evbase-loop-", properties.getDispatch());
    }

    /** The echo protocol, for listeners with {@code protocol: echo}. */
    @Bean(name = "echo")
    @ConditionalOnMissingBean(name = "echo")
    ProtocolHandler<?> echo() {
        return new EchoHandler();
    }

    /** The server figures the memcache {@code stats} command reports; attached once the server exists. */
    @Bean
    @ConditionalOnMissingBean
    ServerStatsAdapter evbaseMemcacheStatsSource() {
        return new ServerStatsAdapter();
    }

    /**
     * The memcached-compatible cache, for listeners with {@code protocol: memcache}. Lazy: created when a listener
     * names it, so an application without such a listener holds no store.
     * Its memory limit is checked against the heap and its auth file read when it is created: either failing stops
     * the start-up.
     */
    @Bean(name = "memcache")
    @Lazy
    @ConditionalOnMissingBean(name = "memcache")
    ProtocolHandler<?> memcache(EvbaseProperties properties, ServerStatsAdapter stats) {
        EvbaseProperties.Memcache m = properties.getMemcache();
        long itemSize = m.getMaxItemSize().toBytes();
        long lineLength = m.getMaxMultigetLineLength().toBytes();
        if (itemSize <= 0 || itemSize > Integer.MAX_VALUE / 2 || lineLength <= 0 || lineLength > Integer.MAX_VALUE / 2) {
            throw new IllegalStateException("evbase.memcache: max-item-size and max-multiget-line-length must be "
                    + "positive and below 1GB: " + m.getMaxItemSize() + ", " + m.getMaxMultigetLineLength());
        }
        EvbaseProperties.Memcache.Admin admin = m.getAdmin();
        AuthFile auth = m.getAuthFile() != null ? AuthFile.load(m.getAuthFile()) : null;
        MemcacheAccess access = new MemcacheAccess(auth, admin.isFlushAll(), admin.isCacheMemlimit(),
                admin.isVerbosity(), admin.isStatsControl());
        MemcacheSettings settings = new MemcacheSettings(m.getMemoryLimit().toBytes(), (int) itemSize,
                (int) lineLength, access);
        return new MemcacheHandler(settings, stats); // checks the memory limit against the heap
    }

    /**
     * Runs the blocking work behind replies ({@code Connection.replyBlocking}): virtual threads where the JVM has
     * them (Java 21+), else a pool of {@code evbase.blocking.max-threads} platform threads. An application replaces
     * it with its own {@code ExecutorService} bean of this name. Shut down after the server has drained.
     */
    @Bean(name = BLOCKING_EXECUTOR, destroyMethod = "shutdown")
    @ConditionalOnMissingBean(name = BLOCKING_EXECUTOR)
    ExecutorService evbaseBlockingExecutor(EvbaseProperties properties) {
        EvbaseProperties.Blocking b = properties.getBlocking();
        return BlockingExecutors.create(b.isVirtualThreads(), b.getMaxThreads(), "evbase-blocking");
    }

    @Bean
    @ConditionalOnMissingBean
    Server evbaseServer(EvbaseProperties properties, EventBaseGroup group, BufferPool pool,
            ListableBeanFactory beans, @Qualifier(BLOCKING_EXECUTOR) Executor blockingExecutor) {
        Server server = EvbaseServerFactory.create(properties, group, pool, beans, blockingExecutor);
        beans.getBeanProvider(ServerStatsAdapter.class).ifAvailable(stats -> stats.attach(server));
        return server;
    }

    /** Samples each loop's busy time and task latency, for the load windows the actuator shows. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LoopSampler evbaseLoopSampler(EventBaseGroup group) {
        return new LoopSampler(group.loops()).start();
    }

    /** Logs, counts and reports loops stuck in one iteration for longer than {@code evbase.stall-threshold}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    StallWatchdog evbaseStallWatchdog(EventBaseGroup group, EvbaseProperties properties) {
        return new StallWatchdog(group.loops(), properties.getStallThreshold()).start();
    }

    @Bean
    @ConditionalOnMissingBean
    EvbaseLifecycle evbaseLifecycle(Server server, EvbaseProperties properties) {
        return new EvbaseLifecycle(server, properties.getShutdown().getDrainTimeout());
    }
}
