package io.xbow.packet.codec;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.MutableDirectBuffer;

/**
 * IPv4 header (RFC 791), options included.
 * <pre>
 *   0       1       2               4               6               8     9     10        12       16       20
 *   |ver|ihl|dscp|ecn| total length | identification | flags|frag off| ttl | proto| checksum| source | dest |
 *   options (ihl * 4 - 20 bytes)
 * </pre>
 */
public final class Ipv4Flyweight extends Flyweight
{
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int OPTIONS_OFFSET = 20;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    @Override
    public Ipv4Flyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return MIN_HEADER_LENGTH;
    }

    public int version()
    {
        return u8(VERSION_IHL_OFFSET) >>> 4;
    }

    /**
     * @return internet header length in 32-bit words; 5 without options.
     */
    public int ihl()
    {
        return u8(VERSION_IHL_OFFSET) & 0xF;
    }

    /**
     * @return header length in bytes, options included.
     */
    public int headerLength()
    {
        return ihl() << 2;
    }

    public Ipv4Flyweight versionAndHeaderLength(final int headerLengthBytes)
    {
        u8(VERSION_IHL_OFFSET, 0x40 | (headerLengthBytes >>> 2));
        return this;
    }

    public int dscp()
    {
        return u8(TOS_OFFSET) >>> 2;
    }

    public int ecn()
    {
        return u8(TOS_OFFSET) & 3;
    }

    public Ipv4Flyweight tos(final int tos)
    {
        u8(TOS_OFFSET, tos);
        return this;
    }

    public int totalLength()
    {
        return u16(TOTAL_LENGTH_OFFSET);
    }

    public Ipv4Flyweight totalLength(final int length)
    {
        u16(TOTAL_LENGTH_OFFSET, length);
        return this;
    }

    public int identification()
    {
        return u16(IDENTIFICATION_OFFSET);
    }

    public Ipv4Flyweight identification(final int id)
    {
        u16(IDENTIFICATION_OFFSET, id);
        return this;
    }

    public boolean dontFragment()
    {
        return (u16(FLAGS_FRAGMENT_OFFSET) & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments()
    {
        return (u16(FLAGS_FRAGMENT_OFFSET) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /**
     * @return fragment offset in 8-byte units.
     */
    public int fragmentOffset()
    {
        return u16(FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK;
    }

    /**
     * @return true for a fragment other than the first: it carries no transport header.
     */
    public boolean isLaterFragment()
    {
        return fragmentOffset() != 0;
    }

    /**
     * @return true if this packet is a fragment of a larger one (first or later).
     */
    public boolean isFragment()
    {
        return (u16(FLAGS_FRAGMENT_OFFSET) & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /**
     * @param flags          {@link #FLAG_DONT_FRAGMENT} and/or {@link #FLAG_MORE_FRAGMENTS}.
     * @param fragmentOffset in 8-byte units.
     * @return this.
     */
    public Ipv4Flyweight flagsAndFragmentOffset(final int flags, final int fragmentOffset)
    {
        u16(FLAGS_FRAGMENT_OFFSET, flags | (fragmentOffset & FRAGMENT_OFFSET_MASK));
        return this;
    }

    public int ttl()
    {
        return u8(TTL_OFFSET);
    }

    public Ipv4Flyweight ttl(final int ttl)
    {
        u8(TTL_OFFSET, ttl);
        return this;
    }

    public int protocol()
    {
        return u8(PROTOCOL_OFFSET);
    }

    public Ipv4Flyweight protocol(final int protocol)
    {
        u8(PROTOCOL_OFFSET, protocol);
        return this;
    }

    public int headerChecksum()
    {
        return u16(CHECKSUM_OFFSET);
    }

    public Ipv4Flyweight headerChecksum(final int checksum)
    {
        u16(CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int source()
    {
        return i32(SOURCE_OFFSET);
    }

    public Ipv4Flyweight source(final int address)
    {
        i32(SOURCE_OFFSET, address);
        return this;
    }

    public int destination()
    {
        return i32(DESTINATION_OFFSET);
    }

    public Ipv4Flyweight destination(final int address)
    {
        i32(DESTINATION_OFFSET, address);
        return this;
    }

    /**
     * @return offset of the options in the buffer.
     */
    public int optionsOffset()
    {
        return offset + OPTIONS_OFFSET;
    }

    /**
     * @return length of the options in bytes, 0 to 40.
     */
    public int optionsLength()
    {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /**
     * @return offset in the buffer of the payload (the transport header).
     */
    public int payloadOffset()
    {
        return offset + headerLength();
    }

    /**
     * @return the checksum the header should carry, computed with the checksum field taken as zero.
     */
    public int computeHeaderChecksum()
    {
        return InternetChecksum.ipv4HeaderChecksum(buffer, offset, headerLength());
    }

    /**
     * Compute and store the header checksum.
     *
     * @return this.
     */
    public Ipv4Flyweight updateHeaderChecksum()
    {
        return headerChecksum(computeHeaderChecksum());
    }

    /**
     * @return true if the stored header checksum is correct.
     */
    public boolean isHeaderChecksumValid()
    {
        return InternetChecksum.checksum(buffer, offset, headerLength()) == 0;
    }
}
