package io.evbase.boot;

import io.evbase.protocol.memcache.AuthFile;
import io.evbase.protocol.memcache.MemoryLimitExceedsHeapException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns the memcache configuration errors found at start-up into Spring Boot's failure report: one line saying what
 * is wrong (naming both figures for a memory limit the heap cannot hold) and what to change, instead of a stack
 * trace.
 *
 * <p>Ordered first: these failures also surface as a protocol handler that failed to start, which
 * {@link ProtocolHandlerFailureAnalyzer} reports in general terms.
 *
 * <p>Threading: stateless.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class MemcacheFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MemoryLimitExceedsHeapException e) {
                return memoryLimit(e);
            }
            if (t instanceof AuthFile.AuthFileException e) {
                return new FailureAnalysis(e.getMessage() + ".", "Fix evbase.memcache.auth-file: a readable file of "
                        + "user:password lines, or unset it to serve without authentication.", e);
            }
        }
        return null;
    }

    private static FailureAnalysis memoryLimit(MemoryLimitExceedsHeapException e) {
        String limit = MemoryLimitExceedsHeapException.mib(e.memoryLimit());
        String heap = MemoryLimitExceedsHeapException.mib(e.maxHeap());
        String allowed = MemoryLimitExceedsHeapException.mib(e.allowed());
        return new FailureAnalysis("evbase.memcache.memory-limit " + limit + " does not fit the heap: the maximum heap is "
                + heap + " and the cache may use at most half of it, " + allowed + ".",
                "Lower evbase.memcache.memory-limit to at most " + allowed + ", or raise the heap (-Xmx) to at least "
                        + MemoryLimitExceedsHeapException.mib(e.memoryLimit() * 2) + ".", e);
    }
}
