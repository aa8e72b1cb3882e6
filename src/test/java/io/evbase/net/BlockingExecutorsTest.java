package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The default executor for blocking work runs on virtual threads where the JVM has them (Java 21+) and on a bounded
 * pool of platform threads where it does not (Java 17). {@code .ci/run} runs this class on both JDKs.
 */
class BlockingExecutorsTest {

    private static final int FEATURE = Runtime.version().feature();

    @Test
    void theDefaultUsesVirtualThreadsExactlyWhereTheJvmHasThem() throws Exception {
        assertThat(BlockingExecutors.virtualThreadsAvailable()).isEqualTo(FEATURE >= 21);
        ExecutorService executor = BlockingExecutors.create(true, 4, "test-blocking");
        try {
            Thread worker = CompletableFuture.supplyAsync(Thread::currentThread, executor).get(10, TimeUnit.SECONDS);
            assertThat(isVirtual(worker)).as("virtual on Java %d", FEATURE).isEqualTo(FEATURE >= 21);
            if (FEATURE < 21) {
                assertThat(worker.getName()).startsWith("test-blocking-");
                assertThat(worker.isDaemon()).isTrue();
            }
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void platformThreadsWhenVirtualOnesAreNotWanted() throws Exception {
        ExecutorService executor = BlockingExecutors.create(false, 2, "test-platform");
        try {
            Thread worker = CompletableFuture.supplyAsync(Thread::currentThread, executor).get(10, TimeUnit.SECONDS);
            assertThat(isVirtual(worker)).isFalse();
            assertThat(worker.getName()).startsWith("test-platform-");
        } finally {
            executor.shutdown();
        }
    }

    /** {@code Thread.isVirtual()}, which Java 17 does not have (there every thread is a platform thread). */
    private static boolean isVirtual(Thread t) throws Exception {
        if (FEATURE < 21) {
            return false;
        }
        Method isVirtual = Thread.class.getMethod("isVirtual");
        return (boolean) isVirtual.invoke(t);
    }
}
