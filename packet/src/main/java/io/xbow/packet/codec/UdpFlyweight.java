package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * UDP header (RFC 768).
 * <pre>
 *   0           2           4        6          8
 *   | src port  | dst port  | length | checksum |
 * </pre>
 */
public final class UdpFlyweight extends Flyweight
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    @Override
    public UdpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return HEADER_LENGTH;
    }

    public int sourcePort()
    {
        return u16(SOURCE_PORT_OFFSET);
    }

    public UdpFlyweight sourcePort(final int port)
    {
        u16(SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort()
    {
        return u16(DESTINATION_PORT_OFFSET);
    }

    public UdpFlyweight destinationPort(final int port)
    {
        u16(DESTINATION_PORT_OFFSET, port);
        return this;
    }

    /**
     * @return length of header and data, as the header says.
     */
    public int length()
    {
        return u16(LENGTH_OFFSET);
    }

    public UdpFlyweight length(final int length)
    {
        u16(LENGTH_OFFSET, length);
        return this;
    }

    /**
     * @return the checksum; 0 means none was computed (IPv4 only).
     */
    public int checksum()
    {
        return u16(CHECKSUM_OFFSET);
    }

    public UdpFlyweight checksum(final int checksum)
    {
        u16(CHECKSUM_OFFSET, checksum);
        return this;
    }
}
