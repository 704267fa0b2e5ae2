package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * IPv6 fixed header (RFC 8200). Addresses are read as two longs, high and low 64 bits.
 * <pre>
 *   0                         4               6          7          8         24        40
 *   |ver:4 class:8 flow:20    | payload length| next hdr | hop limit| source  | dest    |
 * </pre>
 */
public final class Ipv6Flyweight extends Flyweight
{
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    @Override
    public Ipv6Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return HEADER_LENGTH;
    }

    public int version()
    {
        return u8(VERSION_CLASS_FLOW_OFFSET) >>> 4;
    }

    public int trafficClass()
    {
        return (i32(VERSION_CLASS_FLOW_OFFSET) >>> 20) & 0xFF;
    }

    public int flowLabel()
    {
        return i32(VERSION_CLASS_FLOW_OFFSET) & 0xFFFFF;
    }

    public Ipv6Flyweight versionClassFlow(final int trafficClass, final int flowLabel)
    {
        i32(VERSION_CLASS_FLOW_OFFSET, 6 << 28 | (trafficClass & 0xFF) << 20 | (flowLabel & 0xFFFFF));
        return this;
    }

    public int payloadLength()
    {
        return u16(PAYLOAD_LENGTH_OFFSET);
    }

    public Ipv6Flyweight payloadLength(final int length)
    {
        u16(PAYLOAD_LENGTH_OFFSET, length);
        return this;
    }

    public int nextHeader()
    {
        return u8(NEXT_HEADER_OFFSET);
    }

    public Ipv6Flyweight nextHeader(final int nextHeader)
    {
        u8(NEXT_HEADER_OFFSET, nextHeader);
        return this;
    }

    public int hopLimit()
    {
        return u8(HOP_LIMIT_OFFSET);
    }

    public Ipv6Flyweight hopLimit(final int hopLimit)
    {
        u8(HOP_LIMIT_OFFSET, hopLimit);
        return this;
    }

    public long sourceHigh()
    {
        return buffer.getLong(offset + SOURCE_OFFSET, NETWORK);
    }

    public long sourceLow()
    {
        return buffer.getLong(offset + SOURCE_OFFSET + 8, NETWORK);
    }

    public long destinationHigh()
    {
        return buffer.getLong(offset + DESTINATION_OFFSET, NETWORK);
    }

    public long destinationLow()
    {
        return buffer.getLong(offset + DESTINATION_OFFSET + 8, NETWORK);
    }

    public Ipv6Flyweight source(final long high, final long low)
    {
        buffer.putLong(offset + SOURCE_OFFSET, high, NETWORK);
        buffer.putLong(offset + SOURCE_OFFSET + 8, low, NETWORK);
        return this;
    }

    public Ipv6Flyweight destination(final long high, final long low)
    {
        buffer.putLong(offset + DESTINATION_OFFSET, high, NETWORK);
        buffer.putLong(offset + DESTINATION_OFFSET + 8, low, NETWORK);
        return this;
    }

    /**
     * @return offset in the buffer of what follows the fixed header.
     */
    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }
}
