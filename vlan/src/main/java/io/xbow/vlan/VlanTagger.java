package io.xbow.vlan;

import io.xbow.packet.codec.EtherType;
import io.xbow.packet.frame.FramePool;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Pushes and pops an 802.1Q tag in place. Only the two MAC addresses (12 bytes) move; the slot's headroom takes
 * the 4 bytes of a pushed tag, so the payload is never copied.
 * <pre>
 *   untagged:  | dst | src | type | payload
 *   tagged:    | dst | src | 8100 | TCI | type | payload
 * </pre>
 */
public final class VlanTagger
{
    /** Returned by {@link #pop} when the frame has no 802.1Q tag to pop. */
    public static final int NOT_TAGGED = -1;

    private static final int TAG_LENGTH = 4;

    private VlanTagger()
    {
    }

    /**
     * Insert an 802.1Q tag after the source MAC.
     *
     * @param pool   owning the frame.
     * @param handle of a frame of at least 14 bytes.
     * @param tci    tag control information: PCP, DEI, VLAN id.
     * @return false, with the frame unchanged, if it is shorter than an Ethernet header or has no headroom left.
     */
    public static boolean push(final FramePool pool, final int handle, final int tci)
    {
        if (pool.length(handle) < 14 || !pool.adjustStart(handle, -TAG_LENGTH))
        {
            return false;
        }
        final MutableDirectBuffer buffer = pool.buffer();
        final int start = pool.offset(handle);
        final int old = start + TAG_LENGTH;
        final long macs = buffer.getLong(old);
        final int macsTail = buffer.getInt(old + 8);
        buffer.putLong(start, macs);
        buffer.putInt(start + 8, macsTail);
        buffer.putShort(start + 12, (short)EtherType.VLAN, ByteOrder.BIG_ENDIAN);
        buffer.putShort(start + 14, (short)tci, ByteOrder.BIG_ENDIAN);
        return true;
    }

    /**
     * Remove the outer tag if it is an 802.1Q tag (TPID 0x8100).
     *
     * @param pool   owning the frame.
     * @param handle of a frame.
     * @return the removed tag's TCI, or {@link #NOT_TAGGED} with the frame unchanged.
     */
    public static int pop(final FramePool pool, final int handle)
    {
        final MutableDirectBuffer buffer = pool.buffer();
        final int start = pool.offset(handle);
        if (pool.length(handle) < 18 || (buffer.getShort(start + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) != EtherType.VLAN)
        {
            return NOT_TAGGED;
        }
        final int tci = buffer.getShort(start + 14, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final long macs = buffer.getLong(start);
        final int macsTail = buffer.getInt(start + 8);
        buffer.putLong(start + TAG_LENGTH, macs);
        buffer.putInt(start + TAG_LENGTH + 8, macsTail);
        pool.adjustStart(handle, TAG_LENGTH);
        return tci;
    }
}
