package io.evbase.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executors for the blocking work behind replies ({@link Connection#replyBlocking}): work that may sleep, wait on
 * I/O or take locks, which a loop thread must never do.
 *
 * <p>The default runs each task on a <b>virtual thread</b> where the JVM has them (Java 21 and later): blocking
 * then costs no platform thread, and a thousand slow requests in flight are a thousand cheap threads. evbase is
 * built for Java 17, so the virtual-thread executor is looked up by reflection
 * ({@code Executors.newVirtualThreadPerTaskExecutor}, once, through a method handle); on Java 17 the lookup fails
 * and the default is a pool of at most {@code maxPlatformThreads} daemon platform threads that queues the rest.
 * {@link #virtualThreadsAvailable()} says which one this JVM gets.
 *
 * <p>Threading: thread-safe; the executors it returns are thread-safe.
 */
public final class BlockingExecutors {

    /** Platform threads of the fallback pool when nobody says otherwise. */
    public static final int DEFAULT_MAX_PLATFORM_THREADS = 64;

    private static final MethodHandle NEW_VIRTUAL = lookUpVirtual();

    private BlockingExecutors() {
    }

    private static MethodHandle lookUpVirtual() {
        try {
            return MethodHandles.publicLookup().findStatic(java.util.concurrent.Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17-20: no virtual threads
        }
    }

    /** True when this JVM has virtual threads (Java 21+). */
    public static boolean virtualThreadsAvailable() {
        return NEW_VIRTUAL != null;
    }

    /**
     * A new executor for blocking work: virtual threads when {@code preferVirtual} and the JVM has them, else a pool
     * of at most {@code maxPlatformThreads} daemon threads named {@code namePrefix-N}, idle ones ending after a
     * minute. The caller shuts it down.
     */
    public static ExecutorService create(boolean preferVirtual, int maxPlatformThreads, String namePrefix) {
        if (preferVirtual && NEW_VIRTUAL != null) {
            try {
                return (ExecutorService) NEW_VIRTUAL.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("cannot create a virtual-thread executor", t);
            }
        }
        if (maxPlatformThreads <= 0) {
            throw new IllegalArgumentException("max platform threads must be positive: " + maxPlatformThreads);
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxPlatformThreads, maxPlatformThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads(namePrefix));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The executor listeners use when none is configured (embedding without Spring, tests): created on first use,
     * shared by the whole process, never shut down (its threads are daemons, or virtual).
     */
    public static ExecutorService shared() {
        return Shared.EXECUTOR;
    }

    private static ThreadFactory daemonThreads(String namePrefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, namePrefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Shared {
        static final ExecutorService EXECUTOR = create(true, DEFAULT_MAX_PLATFORM_THREADS, "evbase-blocking");
    }
}
