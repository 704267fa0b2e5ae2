package io.xbow.packet.parse;

import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.IpProtocol;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Validates a frame's header chain (Ethernet, up to two VLAN tags, ARP, IPv4 with options, IPv6's fixed header,
 * and the TCP, UDP or ICMP header of a first fragment) and records where each header starts, so that later stages
 * wrap flyweights without checking lengths again. One instance per thread, reused for every frame; parsing
 * allocates nothing and never throws on frame content: a bad frame gets a {@link ParseResult} naming the first
 * rule it broke.
 * <p>
 * What counts as bad is what a later stage could misread: a header that does not fit, a length field that points
 * past the frame, an IHL below 5, the reserved VLAN id 4095. Trailing bytes after the IP packet (Ethernet padding)
 * are fine. EtherTypes xbow does not decode pass as opaque L2 payload.
 */
public final class HeaderChain
{
    /** Value of offsets and protocol fields for headers the frame does not have. */
    public static final int ABSENT = -1;
    /** Most VLAN tags a frame may carry: an 802.1ad service tag and an 802.1Q customer tag. */
    public static final int MAX_TAGS = 2;

    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    private int frameOffset;
    private int frameLength;
    private int tagCount;
    private int outerTpid;
    private int outerTci;
    private int innerTci;
    private int etherType;
    private int l3Offset;
    private int ipProtocol;
    private int l4Offset;
    private int l4Length;
    private boolean laterFragment;
    private boolean firstFragment;

    /**
     * Validate a frame and record its layout.
     *
     * @param buffer holding the frame.
     * @param offset of the frame's first byte (destination MAC).
     * @param length of the frame in bytes, without FCS.
     * @return {@link ParseResult#OK} or the first rule the frame broke; the accessors are valid up to the header
     * that failed.
     */
    public ParseResult parse(final DirectBuffer buffer, final int offset, final int length)
    {
        frameOffset = offset;
        frameLength = length;
        tagCount = 0;
        outerTpid = 0;
        outerTci = 0;
        innerTci = 0;
        etherType = ABSENT;
        l3Offset = ABSENT;
        ipProtocol = ABSENT;
        l4Offset = ABSENT;
        l4Length = 0;
        laterFragment = false;
        firstFragment = false;

        if (length < 14)
        {
            return ParseResult.TRUNCATED_ETHERNET;
        }
        final int end = offset + length;
        int type = u16(buffer, offset + 12);
        int position = offset + 14;
        while (EtherType.isVlanTag(type))
        {
            if (tagCount == MAX_TAGS)
            {
                return ParseResult.TOO_MANY_VLAN_TAGS;
            }
            if (position + 4 > end)
            {
                return ParseResult.TRUNCATED_VLAN_TAG;
            }
            final int tci = u16(buffer, position);
            if ((tci & 0xFFF) == 0xFFF)
            {
                return ParseResult.RESERVED_VLAN_ID;
            }
            if (tagCount == 0)
            {
                outerTpid = type;
                outerTci = tci;
            }
            else
            {
                innerTci = tci;
            }
            tagCount++;
            type = u16(buffer, position + 2);
            position += 4;
        }
        etherType = type;

        if (type < EtherType.MIN_ETHERTYPE)
        {
            if (type > EtherType.MAX_802_3_LENGTH)
            {
                return ParseResult.UNDEFINED_ETHERTYPE;
            }
            return position + type > end ? ParseResult.BAD_LENGTH_FIELD : ParseResult.OK;
        }

        l3Offset = position;
        switch (type)
        {
            case EtherType.IPV4:
                return parseIpv4(buffer, position, end);
            case EtherType.IPV6:
                return parseIpv6(buffer, position, end);
            case EtherType.ARP:
                return parseArp(buffer, position, end);
            default:
                return ParseResult.OK;
        }
    }

    private ParseResult parseArp(final DirectBuffer buffer, final int position, final int end)
    {
        if (position + 8 > end)
        {
            return ParseResult.TRUNCATED_ARP;
        }
        final int hlen = buffer.getByte(position + 4) & 0xFF;
        final int plen = buffer.getByte(position + 5) & 0xFF;
        return position + 8 + 2 * (hlen + plen) > end ? ParseResult.TRUNCATED_ARP : ParseResult.OK;
    }

    private ParseResult parseIpv4(final DirectBuffer buffer, final int position, final int end)
    {
        if (position + 20 > end)
        {
            return ParseResult.TRUNCATED_IPV4;
        }
        final int versionIhl = buffer.getByte(position) & 0xFF;
        if (versionIhl >>> 4 != 4)
        {
            return ParseResult.BAD_IP_VERSION;
        }
        final int headerLength = (versionIhl & 0xF) << 2;
        if (headerLength < 20)
        {
            return ParseResult.BAD_IPV4_HEADER_LENGTH;
        }
        if (position + headerLength > end)
        {
            return ParseResult.TRUNCATED_IPV4;
        }
        final int totalLength = u16(buffer, position + 2);
        if (totalLength < headerLength || position + totalLength > end)
        {
            return ParseResult.BAD_IPV4_TOTAL_LENGTH;
        }
        ipProtocol = buffer.getByte(position + 9) & 0xFF;
        final int flagsAndOffset = u16(buffer, position + 6);
        laterFragment = (flagsAndOffset & 0x1FFF) != 0;
        if (laterFragment)
        {
            return ParseResult.OK;
        }
        // A first fragment (more fragments follow) holds the transport header but only part of the datagram.
        firstFragment = (flagsAndOffset & 0x2000) != 0;
        return parseTransport(buffer, position + headerLength, totalLength - headerLength, IpProtocol.ICMP);
    }

    private ParseResult parseIpv6(final DirectBuffer buffer, final int position, final int end)
    {
        if (position + 40 > end)
        {
            return ParseResult.TRUNCATED_IPV6;
        }
        if ((buffer.getByte(position) & 0xF0) != 0x60)
        {
            return ParseResult.BAD_IP_VERSION;
        }
        final int payloadLength = u16(buffer, position + 4);
        if (position + 40 + payloadLength > end)
        {
            return ParseResult.BAD_IPV6_PAYLOAD_LENGTH;
        }
        ipProtocol = buffer.getByte(position + 6) & 0xFF;
        return parseTransport(buffer, position + 40, payloadLength, IpProtocol.ICMPV6);
    }

    private ParseResult parseTransport(
        final DirectBuffer buffer, final int position, final int length, final int icmpProtocol)
    {
        switch (ipProtocol)
        {
            case IpProtocol.TCP:
                if (length < 20)
                {
                    return ParseResult.TRUNCATED_TCP;
                }
                final int tcpHeaderLength = (buffer.getByte(position + 12) & 0xF0) >>> 2;
                if (tcpHeaderLength < 20 || tcpHeaderLength > length)
                {
                    return ParseResult.BAD_TCP_HEADER_LENGTH;
                }
                break;
            case IpProtocol.UDP:
                if (length < 8)
                {
                    return ParseResult.TRUNCATED_UDP;
                }
                final int udpLength = u16(buffer, position + 4);
                if (udpLength < 8 || (udpLength > length && !firstFragment) ||
                    (firstFragment && udpLength <= length))
                {
                    // In a first fragment the datagram goes on in later ones: its length must exceed this part.
                    return ParseResult.BAD_UDP_LENGTH;
                }
                break;
            default:
                if (ipProtocol == icmpProtocol)
                {
                    if (length < 8)
                    {
                        return ParseResult.TRUNCATED_ICMP;
                    }
                    break;
                }
                // Extension headers and other protocols: the IP layer is valid, nothing further is decoded.
                return ParseResult.OK;
        }
        l4Offset = position;
        l4Length = length;
        return ParseResult.OK;
    }

    private static int u16(final DirectBuffer buffer, final int index)
    {
        return buffer.getShort(index, NETWORK) & 0xFFFF;
    }

    /**
     * @return offset of the frame's first byte, as given to {@link #parse}.
     */
    public int frameOffset()
    {
        return frameOffset;
    }

    /**
     * @return length of the frame, as given to {@link #parse}.
     */
    public int frameLength()
    {
        return frameLength;
    }

    /**
     * @return number of VLAN tags, 0 to 2.
     */
    public int tagCount()
    {
        return tagCount;
    }

    /**
     * @return TPID of the outer tag (0x8100 or 0x88A8), or 0 if untagged.
     */
    public int outerTpid()
    {
        return outerTpid;
    }

    /**
     * @return TCI of the outer tag, or 0 if untagged.
     */
    public int outerTci()
    {
        return outerTci;
    }

    /**
     * @return TCI of the inner tag of a double-tagged frame, or 0.
     */
    public int innerTci()
    {
        return innerTci;
    }

    /**
     * @return the EtherType after any tags (or an 802.3 length), or {@link #ABSENT}.
     */
    public int etherType()
    {
        return etherType;
    }

    /**
     * @return offset of the ARP or IP header, or {@link #ABSENT}.
     */
    public int l3Offset()
    {
        return l3Offset;
    }

    /**
     * @return IP protocol (IPv4) or next header (IPv6), or {@link #ABSENT}.
     */
    public int ipProtocol()
    {
        return ipProtocol;
    }

    /**
     * @return offset of the validated TCP, UDP or ICMP header, or {@link #ABSENT}.
     */
    public int l4Offset()
    {
        return l4Offset;
    }

    /**
     * @return length of transport header and data as the IP header declares it, or 0 without one.
     */
    public int l4Length()
    {
        return l4Length;
    }

    /**
     * @return true for an IPv4 fragment other than the first, which has no transport header.
     */
    public boolean isLaterFragment()
    {
        return laterFragment;
    }

    /**
     * @return true for an IPv4 first fragment (offset 0, more fragments): its transport header is here, its
     *         {@link #l4Length()} is this fragment's part of the datagram only.
     */
    public boolean isFirstFragment()
    {
        return firstFragment;
    }
}
