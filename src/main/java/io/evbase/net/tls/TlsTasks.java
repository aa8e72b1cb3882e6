package io.evbase.net.tls;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where TLS engines' delegated tasks run (key exchange, signatures, certificate path checks): CPU work that must
 * not hold up a loop. One thread per processor at most; idle threads end after a minute, so a server without TLS
 * traffic holds none. Tasks wait in an unbounded queue, which holds at most one task per handshaking connection.
 *
 * <p>Threading: thread-safe.
 */
public final class TlsTasks {

    private static final Executor SHARED = create(Runtime.getRuntime().availableProcessors());

    private TlsTasks() {
    }

    /** The process-wide executor. */
    public static Executor shared() {
        return SHARED;
    }

    static Executor create(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "evbase-tls-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
