package io.xbow.packet.codec;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.MutableDirectBuffer;

/**
 * ICMPv4 header (RFC 792); identifier and sequence apply to echo request and reply.
 * <pre>
 *   0      1      2          4            6          8
 *   | type | code | checksum | identifier | sequence |  data ...
 * </pre>
 */
public final class Icmpv4Flyweight extends Flyweight
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;

    @Override
    public Icmpv4Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return HEADER_LENGTH;
    }

    public int type()
    {
        return u8(TYPE_OFFSET);
    }

    public Icmpv4Flyweight type(final int type)
    {
        u8(TYPE_OFFSET, type);
        return this;
    }

    public int code()
    {
        return u8(CODE_OFFSET);
    }

    public Icmpv4Flyweight code(final int code)
    {
        u8(CODE_OFFSET, code);
        return this;
    }

    public int checksum()
    {
        return u16(CHECKSUM_OFFSET);
    }

    public Icmpv4Flyweight checksum(final int checksum)
    {
        u16(CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int identifier()
    {
        return u16(IDENTIFIER_OFFSET);
    }

    public Icmpv4Flyweight identifier(final int identifier)
    {
        u16(IDENTIFIER_OFFSET, identifier);
        return this;
    }

    public int sequence()
    {
        return u16(SEQUENCE_OFFSET);
    }

    public Icmpv4Flyweight sequence(final int sequence)
    {
        u16(SEQUENCE_OFFSET, sequence);
        return this;
    }

    /**
     * Compute and store the checksum over the message.
     *
     * @param length of the ICMP message, header and data.
     * @return this.
     */
    public Icmpv4Flyweight updateChecksum(final int length)
    {
        checksum(0);
        return checksum(InternetChecksum.checksum(buffer, offset, length));
    }

    /**
     * @param length of the ICMP message, header and data.
     * @return true if the stored checksum is correct.
     */
    public boolean isChecksumValid(final int length)
    {
        return InternetChecksum.checksum(buffer, offset, length) == 0;
    }
}
