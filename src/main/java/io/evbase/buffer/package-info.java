/**
 * Pooled direct memory ({@link io.evbase.buffer.BufferPool}, with a global budget it never exceeds) and the segment
 * queues connections read into and write from ({@link io.evbase.buffer.BufferChain}: pooled chunks, and references
 * to immutable arrays queued without a copy). No Spring, no Micrometer: the pool exposes plain counters.
 *
 * <p>At the budget nothing waits: a write throws {@link io.evbase.buffer.BufferBudgetExceededException}, a socket
 * read returns {@link io.evbase.buffer.BufferChain#NO_MEMORY}, and a loop learns that memory came back from
 * {@link io.evbase.buffer.BufferPool.Cache#memoryGeneration()}.
 */
package io.evbase.buffer;
