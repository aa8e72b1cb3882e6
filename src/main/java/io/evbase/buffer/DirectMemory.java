package io.evbase.buffer;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * The JVM's direct memory as the pool sees it: its limit ({@code -XX:MaxDirectMemorySize}, the maximum heap when
 * unset) and an allocation that fails at once instead of waiting.
 *
 * <p>{@code ByteBuffer.allocateDirect} at the JVM's limit does not fail at once: it runs the collector and sleeps,
 * retrying for up to about half a second, before it throws. On a loop thread that is a stall. So an allocation
 * first checks the JVM's own count of direct memory (the one the limit applies to) and refuses when the chunk
 * would not fit; only then does it call {@code allocateDirect}, and an {@link OutOfMemoryError} from it (another
 * user of direct memory won the race) is a refusal too.
 *
 * <p>Threading: thread-safe and stateless apart from its configuration.
 */
final class DirectMemory {

    /** The JVM's count of direct memory, the one its limit applies to. */
    private static final BufferPoolMXBean DIRECT = directPool();

    /** The JVM's direct memory and its real limit. */
    static final DirectMemory JVM = new DirectMemory(maxDirectMemory(), ByteBuffer::allocateDirect);

    private final long limit;
    private final IntFunction<ByteBuffer> allocator;

    /**
     * @param limit     bytes of direct memory the JVM allows in all
     * @param allocator allocates a direct buffer of the given size (throws {@link OutOfMemoryError} when it cannot)
     */
    DirectMemory(long limit, IntFunction<ByteBuffer> allocator) {
        this.limit = limit;
        this.allocator = allocator;
    }

    long limit() {
        return limit;
    }

    /** A new direct buffer of {@code size} bytes, or null if the JVM's direct memory has no room for it. */
    ByteBuffer tryAllocate(int size) {
        if (DIRECT != null && DIRECT.getTotalCapacity() > limit - size) {
            return null;
        }
        try {
            return allocator.apply(size);
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    /**
     * The JVM's direct-memory limit: {@code -XX:MaxDirectMemorySize} when set, otherwise the maximum heap, which is
     * what the JDK uses then.
     */
    static long maxDirectMemory() {
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hotspot != null) {
                long value = Long.parseLong(hotspot.getVMOption("MaxDirectMemorySize").getValue());
                if (value > 0) {
                    return value;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or no such option: the JDK's default below
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static BufferPoolMXBean directPool() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool;
            }
        }
        return null;
    }
}
