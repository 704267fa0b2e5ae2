package io.xbow.packet.codec;

import org.agrona.MutableDirectBuffer;

/**
 * An 802.1Q (TPID 0x8100) or 802.1ad (TPID 0x88A8) tag and the EtherType that follows it; wrap at the tag's TPID,
 * 12 bytes into the frame for the outer tag.
 * <pre>
 *   0      2                    4             6
 *   | TPID | PCP:3 DEI:1 VID:12 | inner type  |
 * </pre>
 */
public final class VlanTagFlyweight extends Flyweight
{
    public static final int TPID_OFFSET = 0;
    public static final int TCI_OFFSET = 2;
    public static final int INNER_TYPE_OFFSET = 4;
    /** Bytes a tag adds to a frame. */
    public static final int TAG_LENGTH = 4;
    public static final int VID_MASK = 0x0FFF;

    @Override
    public VlanTagFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    @Override
    public int minimumLength()
    {
        return TAG_LENGTH + 2;
    }

    public int tpid()
    {
        return u16(TPID_OFFSET);
    }

    public VlanTagFlyweight tpid(final int tpid)
    {
        u16(TPID_OFFSET, tpid);
        return this;
    }

    /**
     * @return tag control information: PCP, DEI and VLAN id in 16 bits.
     */
    public int tci()
    {
        return u16(TCI_OFFSET);
    }

    public VlanTagFlyweight tci(final int tci)
    {
        u16(TCI_OFFSET, tci);
        return this;
    }

    /**
     * @return priority code point, 0 to 7.
     */
    public int pcp()
    {
        return tci() >>> 13;
    }

    /**
     * @return drop eligible indicator, 0 or 1.
     */
    public int dei()
    {
        return (tci() >>> 12) & 1;
    }

    /**
     * @return VLAN id, 0 (priority tag) to 4095 (reserved).
     */
    public int vid()
    {
        return tci() & VID_MASK;
    }

    /**
     * @return the EtherType (or next TPID) after this tag.
     */
    public int innerType()
    {
        return u16(INNER_TYPE_OFFSET);
    }

    public VlanTagFlyweight innerType(final int etherType)
    {
        u16(INNER_TYPE_OFFSET, etherType);
        return this;
    }

    /**
     * @param pcp priority code point, 0 to 7.
     * @param dei drop eligible indicator, 0 or 1.
     * @param vid VLAN id, 0 to 4095.
     * @return the tag control information.
     */
    public static int tci(final int pcp, final int dei, final int vid)
    {
        return (pcp & 7) << 13 | (dei & 1) << 12 | (vid & VID_MASK);
    }
}
