package io.evbase.net;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.io.IOException;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;

/**
 * A connection's replies in request order: the bytes ready for the socket, and a slot for each reply promised with
 * {@link Connection#replyLater()} and not written yet. In the order the peer receives them:
 *
 * <pre>
 *   wire | slot₁.reply  slot₁.after | slot₂.reply  slot₂.after | … | output
 * </pre>
 *
 * <ul>
 *   <li>{@code wire}: ready, written first;</li>
 *   <li>a slot's {@code reply}: filled when the promised value arrives; its {@code after}: what the handler wrote
 *       to the output after promising this slot and before promising the next (synchronous replies behind a
 *       pending one wait here, in their slot's own buffer);</li>
 *   <li>{@code output}: {@link Connection#output()}, the handler's live tail, behind the last slot.</li>
 * </ul>
 *
 * When the head slot is filled, its reply and what came after it move to the wire (whole chunks change hands
 * without a copy) and so on for every filled slot behind it. Without promised replies, wire and slots stay empty
 * and the output goes to the socket directly; both are created at the first promise (and kept), so a connection
 * whose replies are all written at once carries neither.
 *
 * <p>Threading: the connection's loop thread only.
 */
final class ReplyQueue {

    private final BufferPool.Cache cache;
    private final BufferChain output;
    /** Null until the first promise (see the class comment), like {@link #slots}. */
    private BufferChain wire;
    private ArrayDeque<Slot> slots;
    /** Bytes in the slots' buffers: filled replies waiting behind an earlier one, and their {@code after}s. */
    private long heldBytes;

    /** One promised reply's place. */
    static final class Slot {
        private BufferChain reply;
        private BufferChain after;
        private boolean filled;

        boolean isFilled() {
            return filled;
        }
    }

    ReplyQueue(BufferPool.Cache cache) {
        this.cache = cache;
        this.output = new BufferChain(cache);
    }

    private boolean noSlots() {
        return slots == null || slots.isEmpty();
    }

    private long wireBytes() {
        return wire == null ? 0 : wire.readableBytes();
    }

    /** The handler's live tail. */
    BufferChain output() {
        return output;
    }

    /** Reserves the next place in request order, behind everything written so far. */
    Slot reserve() {
        if (slots == null) {
            slots = new ArrayDeque<>();
            wire = new BufferChain(cache);
        }
        long n = output.readableBytes();
        if (n > 0) {
            if (slots.isEmpty()) {
                wire.transferFrom(output, n);
            } else {
                Slot last = slots.peekLast();
                if (last.after == null) {
                    last.after = new BufferChain(cache);
                }
                last.after.transferFrom(output, n);
                heldBytes += n;
            }
        }
        Slot slot = new Slot();
        slots.addLast(slot);
        return slot;
    }

    /** Where {@code slot}'s reply is written; created on first use. */
    BufferChain replyBuffer(Slot slot) {
        if (slot.reply == null) {
            slot.reply = new BufferChain(cache);
        }
        return slot.reply;
    }

    /** {@code slot}'s reply is complete: moves every filled slot at the head to the wire. */
    void filled(Slot slot) {
        if (slot.filled) {
            return;
        }
        slot.filled = true;
        if (slot.reply != null) {
            heldBytes += slot.reply.readableBytes();
        }
        Slot head;
        while ((head = slots.peekFirst()) != null && head.filled) {
            slots.pollFirst();
            heldBytes -= moveToWire(head.reply) + moveToWire(head.after);
        }
    }

    private long moveToWire(BufferChain chain) {
        if (chain == null) {
            return 0;
        }
        long n = chain.readableBytes();
        wire.transferFrom(chain, n);
        return n;
    }

    /** Replies promised and not yet moved to the wire: the requests in flight. */
    int inFlight() {
        return slots == null ? 0 : slots.size();
    }

    /** Every byte queued for the peer, the ones held behind a pending reply included (the watermarks count these). */
    long queuedBytes() {
        return wireBytes() + output.readableBytes() + heldBytes;
    }

    /** Bytes the socket may take now: nothing held behind a pending reply. */
    long sendableBytes() {
        return wireBytes() + (noSlots() ? output.readableBytes() : 0);
    }

    /** True when nothing is queued and no reply is pending: every reply so far is in the kernel. */
    boolean isEmpty() {
        return noSlots() && wireBytes() == 0 && output.isEmpty();
    }

    /** Writes what the socket takes, in order, up to about {@code maxBytes}; returns the bytes written. */
    long writeTo(GatheringByteChannel channel, long maxBytes) throws IOException {
        long n = 0;
        if (wireBytes() > 0) {
            n = wire.writeTo(channel, maxBytes);
            if (!wire.isEmpty()) {
                return n; // the socket is full, or this event's share is written
            }
        }
        if (noSlots() && !output.isEmpty() && n < maxBytes) {
            n += output.writeTo(channel, maxBytes - n);
        }
        return n;
    }

    /** Drops every queued byte and pending slot, giving the chunks back to the pool (the connection closed). */
    void clear() {
        if (wire != null) {
            wire.clear();
        }
        output.clear();
        Slot s;
        while (slots != null && (s = slots.pollFirst()) != null) {
            if (s.reply != null) {
                s.reply.clear();
            }
            if (s.after != null) {
                s.after.clear();
            }
            s.filled = true; // a late completion finds nothing to fill
        }
        heldBytes = 0;
    }
}
