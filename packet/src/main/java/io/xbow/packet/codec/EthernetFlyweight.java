package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * Ethernet II header: destination MAC, source MAC, EtherType (or the first tag's TPID).
 * <pre>
 *   0            6            12     14
 *   | dst MAC    | src MAC    | type |
 * </pre>
 * MAC addresses are longs holding the 48 bits in network order (see {@link io.xbow.packet.address.MacAddress}).
 */
public final class EthernetFlyweight extends Flyweight
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    /** The MAC addresses: what moves when a tag is pushed or popped in place. */
    public static final int ADDRESSES_LENGTH = 12;

    @Override
    public EthernetFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return HEADER_LENGTH;
    }

    public long destination()
    {
        return mac(DESTINATION_OFFSET);
    }

    public EthernetFlyweight destination(final long mac)
    {
        mac(DESTINATION_OFFSET, mac);
        return this;
    }

    public long source()
    {
        return mac(SOURCE_OFFSET);
    }

    public EthernetFlyweight source(final long mac)
    {
        mac(SOURCE_OFFSET, mac);
        return this;
    }

    /**
     * @return the EtherType, a tag's TPID, or an 802.3 length.
     */
    public int etherType()
    {
        return u16(ETHER_TYPE_OFFSET);
    }

    public EthernetFlyweight etherType(final int etherType)
    {
        u16(ETHER_TYPE_OFFSET, etherType);
        return this;
    }
}
