package io.evbase.net;

import io.evbase.buffer.BufferChain;

/**
 * Writes a reply for a value computed later (off the loop, or by a future) into the reply's place in request order.
 *
 * <p>Threading: runs on the connection's loop thread, like every callback; it must not block.
 *
 * @param <T> the value the reply is made of
 */
@FunctionalInterface
public interface ReplyWriter<T> {

    /** Writes the reply for {@code value} to {@code out}. Throwing closes the connection like a failing callback. */
    void write(T value, BufferChain out) throws Exception;
}
