package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * ARP for IPv4 over Ethernet (RFC 826), the only ARP xbow writes; other hardware or protocol types are read far
 * enough to be told apart ({@link #isEthernetIpv4()}).
 * <pre>
 *   0      2      4    5    6      8        14       18       24       28
 *   | htype| ptype|hlen|plen| oper | sha    | spa    | tha    | tpa    |
 * </pre>
 */
public final class ArpFlyweight extends Flyweight
{
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OPER_OFFSET = 6;
    public static final int SHA_OFFSET = 8;
    public static final int SPA_OFFSET = 14;
    public static final int THA_OFFSET = 18;
    public static final int TPA_OFFSET = 24;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = 28;
    /** The part every ARP packet has, whatever its address lengths. */
    public static final int FIXED_LENGTH = 8;
    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    @Override
    public ArpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return LENGTH;
    }

    public int hardwareType()
    {
        return u16(HTYPE_OFFSET);
    }

    public int protocolType()
    {
        return u16(PTYPE_OFFSET);
    }

    public int hardwareLength()
    {
        return u8(HLEN_OFFSET);
    }

    public int protocolLength()
    {
        return u8(PLEN_OFFSET);
    }

    /**
     * @return length of the whole packet as its address lengths declare: 8 + 2 * (hlen + plen).
     */
    public int declaredLength()
    {
        return FIXED_LENGTH + 2 * (hardwareLength() + protocolLength());
    }

    /**
     * @return true if this is ARP for IPv4 over Ethernet, the layout the address accessors assume.
     */
    public boolean isEthernetIpv4()
    {
        return hardwareType() == HTYPE_ETHERNET && protocolType() == EtherType.IPV4 &&
            hardwareLength() == 6 && protocolLength() == 4;
    }

    public int operation()
    {
        return u16(OPER_OFFSET);
    }

    public long senderHardwareAddress()
    {
        return mac(SHA_OFFSET);
    }

    public int senderProtocolAddress()
    {
        return i32(SPA_OFFSET);
    }

    public long targetHardwareAddress()
    {
        return mac(THA_OFFSET);
    }

    public int targetProtocolAddress()
    {
        return i32(TPA_OFFSET);
    }

    /**
     * Write a complete Ethernet/IPv4 ARP packet.
     *
     * @param operation {@link #OP_REQUEST} or {@link #OP_REPLY}.
     * @param sha       sender MAC.
     * @param spa       sender IPv4 address.
     * @param tha       target MAC (zero in a request).
     * @param tpa       target IPv4 address.
     * @return this.
     */
    public ArpFlyweight write(final int operation, final long sha, final int spa, final long tha, final int tpa)
    {
        u16(HTYPE_OFFSET, HTYPE_ETHERNET);
        u16(PTYPE_OFFSET, EtherType.IPV4);
        u8(HLEN_OFFSET, 6);
        u8(PLEN_OFFSET, 4);
        u16(OPER_OFFSET, operation);
        mac(SHA_OFFSET, sha);
        i32(SPA_OFFSET, spa);
        mac(THA_OFFSET, tha);
        i32(TPA_OFFSET, tpa);
        return this;
    }
}
