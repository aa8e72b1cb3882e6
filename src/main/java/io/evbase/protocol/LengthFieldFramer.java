package io.evbase.protocol;

import io.evbase.buffer.BufferChain;
import java.nio.ByteOrder;

/**
 * Frames announced by a length field, after Netty's {@code LengthFieldBasedFrameDecoder} and
 * {@code LengthFieldPrepender}: {@code lengthFieldOffset} bytes of anything, a length field of 1, 2, 4 or 8 bytes
 * (unsigned, in either byte order), then the rest of the frame. The field's value plus {@code lengthAdjustment} is
 * the number of bytes after the field, so a frame is {@code lengthFieldOffset + lengthFieldLength + value +
 * lengthAdjustment} bytes long in all (an adjustment of {@code -(offset + fieldLength)} reads a length that counts
 * the whole frame). The payload is the frame without its first {@code initialBytesToStrip} bytes.
 *
 * <p>{@code maxFrameLength} bounds the whole frame and is enforced as soon as the length field is in: a header
 * declaring 2 GiB is refused ({@link #TOO_LONG}) while the input holds nothing but that header, and nothing is
 * allocated for what it declares. It should not exceed the listener's read high watermark: a frame must fit the
 * input to be complete.
 *
 * <p>A frame refused as too long can be skipped as it arrives ({@link #discardTooLong}); the framer is then in its
 * discarding state until the declared length has gone by.
 *
 * <p>Writing: {@link #writeLength} when the length is known up front, or {@link #beginFrame} (a placeholder field)
 * and {@link #endFrame} (the field set from what was written after it).
 *
 * <p>Threading: one per connection (it keeps the discarding state), on that connection's loop thread.
 */
public final class LengthFieldFramer implements Framer {

    /** Where the framer is: at a frame's header, or skipping a frame it refused. */
    private enum State {
        HEADER, DISCARDING
    }

    private final long maxFrameLength;
    private final int lengthFieldOffset;
    private final int lengthFieldLength;
    private final int lengthAdjustment;
    private final int initialBytesToStrip;
    private final boolean littleEndian;
    private final int lengthFieldEnd;

    private State state = State.HEADER;
    /** The length of the frame just refused as too long, or -1. */
    private long refusedLength = -1;
    /** Bytes of a refused frame still to skip. */
    private long discardRemaining;

    /**
     * @param maxFrameLength      longest frame accepted, everything included
     * @param lengthFieldOffset   bytes before the length field
     * @param lengthFieldLength   1, 2, 4 or 8
     * @param lengthAdjustment    added to the field's value to give the bytes after the field
     * @param initialBytesToStrip bytes of the frame that are not payload ({@link #headerLength()})
     * @param order               the length field's byte order
     */
    public LengthFieldFramer(long maxFrameLength, int lengthFieldOffset, int lengthFieldLength, int lengthAdjustment,
            int initialBytesToStrip, ByteOrder order) {
        if (lengthFieldLength != 1 && lengthFieldLength != 2 && lengthFieldLength != 4 && lengthFieldLength != 8) {
            throw new IllegalArgumentException("length field of 1, 2, 4 or 8 bytes: " + lengthFieldLength);
        }
        if (lengthFieldOffset < 0 || initialBytesToStrip < 0) {
            throw new IllegalArgumentException("negative offset or strip: " + lengthFieldOffset + ", "
                    + initialBytesToStrip);
        }
        this.lengthFieldEnd = lengthFieldOffset + lengthFieldLength;
        if (maxFrameLength < lengthFieldEnd || maxFrameLength > Long.MAX_VALUE / 4) {
            throw new IllegalArgumentException("maximum frame length below the header or absurd: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
        this.lengthFieldOffset = lengthFieldOffset;
        this.lengthFieldLength = lengthFieldLength;
        this.lengthAdjustment = lengthAdjustment;
        this.initialBytesToStrip = initialBytesToStrip;
        this.littleEndian = order == ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * The common layout: a big-endian length field of {@code lengthFieldLength} bytes counting the body that
     * follows it, at most {@code maxBodyLength}; the payload is the body.
     */
    public static LengthFieldFramer lengthPrefixed(int lengthFieldLength, long maxBodyLength) {
        return new LengthFieldFramer(lengthFieldLength + maxBodyLength, 0, lengthFieldLength, 0, lengthFieldLength,
                ByteOrder.BIG_ENDIAN);
    }

    public long maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    public int headerLength() {
        return initialBytesToStrip;
    }

    @Override
    public long frameLength(BufferChain in) {
        if (state == State.DISCARDING && !discarding(in)) {
            return INCOMPLETE;
        }
        return header(in);
    }

    /** State HEADER: read the length field as soon as it is in, judge the frame, wait for all of it. */
    private long header(BufferChain in) {
        long available = in.readableBytes();
        if (available < lengthFieldEnd) {
            return INCOMPLETE;
        }
        long value = field(in);
        if (value < 0 || value > maxFrameLength + Integer.MAX_VALUE) { // unsigned 64-bit values past 2^63 too
            refusedLength = Long.MAX_VALUE;
            return TOO_LONG;
        }
        long frame = lengthFieldEnd + value + lengthAdjustment;
        if (frame > maxFrameLength) {
            refusedLength = frame;
            return TOO_LONG;
        }
        refusedLength = -1;
        if (frame < lengthFieldEnd || frame < initialBytesToStrip) {
            return BAD;
        }
        return available >= frame ? frame : INCOMPLETE;
    }

    /** State DISCARDING: skip what has arrived of the refused frame; true once all of it went by. */
    private boolean discarding(BufferChain in) {
        long skip = Math.min(discardRemaining, in.readableBytes());
        in.skip(skip);
        discardRemaining -= skip;
        if (discardRemaining > 0) {
            return false;
        }
        state = State.HEADER;
        return true;
    }

    @Override
    public void discardTooLong(BufferChain in) {
        if (refusedLength < 0) {
            throw new IllegalStateException("no frame was refused as too long");
        }
        state = State.DISCARDING;
        discardRemaining = refusedLength;
        refusedLength = -1;
        discarding(in);
    }

    /** The length field's value, unsigned (negative only for 8-byte values past 2^63). */
    private long field(BufferChain in) {
        int at = lengthFieldOffset;
        return switch (lengthFieldLength) {
            case 1 -> in.getUnsignedByte(at);
            case 2 -> littleEndian ? in.getUnsignedShortLE(at) : in.getUnsignedShort(at);
            case 4 -> littleEndian ? in.getUnsignedIntLE(at) : in.getUnsignedInt(at);
            default -> littleEndian ? in.getLongLE(at) : in.getLong(at);
        };
    }

    // ---------------------------------------------------------------- writing frames

    /**
     * Appends the length field for a frame with {@code bytesAfterField} bytes after it (the bytes before the field,
     * if any, are the caller's to write first).
     *
     * @throws IllegalArgumentException if the value does not fit the field
     */
    public void writeLength(BufferChain out, long bytesAfterField) {
        long value = value(bytesAfterField);
        switch (lengthFieldLength) {
            case 1 -> out.write((byte) value);
            case 2 -> {
                if (littleEndian) {
                    out.writeShortLE((int) value);
                } else {
                    out.writeShort((int) value);
                }
            }
            case 4 -> {
                if (littleEndian) {
                    out.writeIntLE((int) value);
                } else {
                    out.writeInt((int) value);
                }
            }
            default -> {
                if (littleEndian) {
                    out.writeLongLE(value);
                } else {
                    out.writeLong(value);
                }
            }
        }
    }

    /**
     * Appends a placeholder length field and returns its index in {@code out}, for {@link #endFrame} once the rest
     * of the frame is written (in the same callback: a flush consumes the head and moves the index).
     */
    public long beginFrame(BufferChain out) {
        long at = out.readableBytes();
        for (int i = 0; i < lengthFieldLength; i++) {
            out.write((byte) 0);
        }
        return at;
    }

    /** Sets the length field at {@code lengthFieldIndex} from the bytes written after it since. */
    public void endFrame(BufferChain out, long lengthFieldIndex) {
        long value = value(out.readableBytes() - lengthFieldIndex - lengthFieldLength);
        switch (lengthFieldLength) {
            case 1 -> out.setByte(lengthFieldIndex, (int) value);
            case 2 -> {
                if (littleEndian) {
                    out.setShortLE(lengthFieldIndex, (int) value);
                } else {
                    out.setShort(lengthFieldIndex, (int) value);
                }
            }
            case 4 -> {
                if (littleEndian) {
                    out.setIntLE(lengthFieldIndex, (int) value);
                } else {
                    out.setInt(lengthFieldIndex, (int) value);
                }
            }
            default -> {
                if (littleEndian) {
                    out.setLongLE(lengthFieldIndex, value);
                } else {
                    out.setLong(lengthFieldIndex, value);
                }
            }
        }
    }

    private long value(long bytesAfterField) {
        long value = bytesAfterField - lengthAdjustment;
        if (value < 0 || (lengthFieldLength < 8 && value >>> (8 * lengthFieldLength) != 0)) {
            throw new IllegalArgumentException(bytesAfterField + " bytes after the length field do not fit a "
                    + lengthFieldLength + "-byte field with adjustment " + lengthAdjustment);
        }
        return value;
    }
}
