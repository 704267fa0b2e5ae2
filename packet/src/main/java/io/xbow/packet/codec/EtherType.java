package io.xbow.packet.codec;

/**
 * EtherType values xbow handles, and the rules that tell an EtherType from an IEEE 802.3 length field.
 */
public final class EtherType
{
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int VLAN = 0x8100;
    public static final int IPV6 = 0x86DD;
    public static final int QINQ = 0x88A8;
    /** Values up to this are an 802.3 length field, not an EtherType. */
    public static final int MAX_802_3_LENGTH = 1500;
    /** Values from this up are EtherTypes; 1501 to 1535 are undefined (IEEE 802.3 clause 3.2.6). */
    public static final int MIN_ETHERTYPE = 0x0600;

    private EtherType()
    {
    }

    /**
     * @param value the two bytes after the MAC addresses (or a tag).
     * @return true for a VLAN tag protocol identifier: 802.1Q or 802.1ad.
     */
    public static boolean isVlanTag(final int value)
    {
        return value == VLAN || value == QINQ;
    }

    /**
     * @param value an EtherType.
     * @return a short name as tcpdump prints it, or null for one without a name here.
     */
    public static String name(final int value)
    {
        switch (value)
        {
            case IPV4: return "IPv4";
            case ARP: return "ARP";
            case VLAN: return "802.1Q";
            case IPV6: return "IPv6";
            case QINQ: return "802.1Q-QinQ";
            default: return null;
        }
    }
}
