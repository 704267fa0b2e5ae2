package io.xbow.packet.codec;

import io.xbow.packet.address.MacAddress;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * A view over a header in a buffer at an offset. Wrapping copies nothing and allocates nothing; one instance per
 * thread is re-wrapped for each frame. Accessors do not check that the header fits: validate the frame first
 * ({@link io.xbow.packet.parse.HeaderChain}) or check {@link #fits(int)}.
 */
public abstract class Flyweight
{
    /** Every header field on the wire is in network byte order. */
    protected static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    protected MutableDirectBuffer buffer;
    protected int offset;

    /**
     * Point this view at a header.
     *
     * @param buffer holding the frame.
     * @param offset of the header's first byte.
     * @return this, for chaining.
     */
    public Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @return the buffer this view is over.
     */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the header's first byte in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @param limit offset just past the last valid byte of the frame.
     * @return true if the fixed part of the header lies before the limit.
     */
    public boolean fits(final int limit)
    {
        return offset + minimumLength() <= limit;
    }

    /**
     * @return length of the header's fixed part.
     */
    public abstract int minimumLength();

    protected final int u8(final int at)
    {
        return buffer.getByte(offset + at) & 0xFF;
    }

    protected final int u16(final int at)
    {
        return buffer.getShort(offset + at, NETWORK) & 0xFFFF;
    }

    protected final long u32(final int at)
    {
        return buffer.getInt(offset + at, NETWORK) & 0xFFFF_FFFFL;
    }

    protected final int i32(final int at)
    {
        return buffer.getInt(offset + at, NETWORK);
    }

    protected final long mac(final int at)
    {
        return MacAddress.read(buffer, offset + at);
    }

    protected final void u8(final int at, final int value)
    {
        buffer.putByte(offset + at, (byte)value);
    }

    protected final void u16(final int at, final int value)
    {
        buffer.putShort(offset + at, (short)value, NETWORK);
    }

    protected final void i32(final int at, final int value)
    {
        buffer.putInt(offset + at, value, NETWORK);
    }

    protected final void mac(final int at, final long mac)
    {
        MacAddress.write(buffer, offset + at, mac);
    }
}
