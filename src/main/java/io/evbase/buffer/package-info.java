/**
 * Pooled direct memory ({@link io.evbase.buffer.BufferPool}) and the chunk queues connections read into and write
 * from ({@link io.evbase.buffer.BufferChain}). No Spring, no Micrometer: the pool exposes plain counters.
 */
package io.evbase.buffer;
