package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * TCP header (RFC 9293), options included.
 * <pre>
 *   0          2          4          8          12            14       16         18         20
 *   | src port | dst port | sequence | ack      |off:4 flags:12| window | checksum | urgent   | options ...
 * </pre>
 */
public final class TcpFlyweight extends Flyweight
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGEMENT_OFFSET = 8;
    public static final int DATA_OFFSET_FLAGS_OFFSET = 12;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int FIN = 0x001;
    public static final int SYN = 0x002;
    public static final int RST = 0x004;
    public static final int PSH = 0x008;
    public static final int ACK = 0x010;
    public static final int URG = 0x020;
    public static final int ECE = 0x040;
    public static final int CWR = 0x080;

    @Override
    public TcpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return MIN_HEADER_LENGTH;
    }

    public int sourcePort()
    {
        return u16(SOURCE_PORT_OFFSET);
    }

    public TcpFlyweight sourcePort(final int port)
    {
        u16(SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort()
    {
        return u16(DESTINATION_PORT_OFFSET);
    }

    public TcpFlyweight destinationPort(final int port)
    {
        u16(DESTINATION_PORT_OFFSET, port);
        return this;
    }

    public long sequenceNumber()
    {
        return u32(SEQUENCE_OFFSET);
    }

    public TcpFlyweight sequenceNumber(final long sequence)
    {
        i32(SEQUENCE_OFFSET, (int)sequence);
        return this;
    }

    public long acknowledgementNumber()
    {
        return u32(ACKNOWLEDGEMENT_OFFSET);
    }

    public TcpFlyweight acknowledgementNumber(final long ack)
    {
        i32(ACKNOWLEDGEMENT_OFFSET, (int)ack);
        return this;
    }

    /**
     * @return data offset in 32-bit words; 5 without options.
     */
    public int dataOffset()
    {
        return u8(DATA_OFFSET_FLAGS_OFFSET) >>> 4;
    }

    /**
     * @return header length in bytes, options included.
     */
    public int headerLength()
    {
        return dataOffset() << 2;
    }

    /**
     * @return the flag bits: {@link #FIN}, {@link #SYN}, {@link #RST}, {@link #PSH}, {@link #ACK}, {@link #URG},
     * {@link #ECE}, {@link #CWR}.
     */
    public int flags()
    {
        return u8(DATA_OFFSET_FLAGS_OFFSET + 1);
    }

    /**
     * @param headerLengthBytes header length with options, a multiple of 4 from 20 to 60.
     * @param flags             the flag bits.
     * @return this.
     */
    public TcpFlyweight headerLengthAndFlags(final int headerLengthBytes, final int flags)
    {
        u16(DATA_OFFSET_FLAGS_OFFSET, (headerLengthBytes >>> 2) << 12 | (flags & 0xFF));
        return this;
    }

    public int window()
    {
        return u16(WINDOW_OFFSET);
    }

    public TcpFlyweight window(final int window)
    {
        u16(WINDOW_OFFSET, window);
        return this;
    }

    public int checksum()
    {
        return u16(CHECKSUM_OFFSET);
    }

    public TcpFlyweight checksum(final int checksum)
    {
        u16(CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int urgentPointer()
    {
        return u16(URGENT_POINTER_OFFSET);
    }

    public TcpFlyweight urgentPointer(final int urgentPointer)
    {
        u16(URGENT_POINTER_OFFSET, urgentPointer);
        return this;
    }
}
