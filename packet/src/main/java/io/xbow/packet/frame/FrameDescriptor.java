package io.xbow.packet.frame;

/**
 * Layout of one frame slot in the {@link FramePool} arena. Every offset into a slot is named here and nowhere else.
 *
 * <pre>
 *   0                   4                   8                   12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | frame length      | data offset       | ingress port      | VLAN TCI          |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | timestamp (ns, 8 bytes)               | reserved                              |
 *   +---------------------------------------+---------------------------------------+  32
 *   | headroom: space to push VLAN tags or tunnel headers in place                  |
 *   +-------------------------------------------------------------------------------+  DEFAULT_DATA_OFFSET (128)
 *   | frame bytes, from the destination MAC, no FCS ...                             |
 *   +-------------------------------------------------------------------------------+  slot size
 * </pre>
 *
 * The metadata sits in the slot's first cache line, beside the headroom, so that touching a frame's length and its
 * Ethernet header costs two lines at most. All fields are native-endian ints and longs owned by the thread that
 * holds the handle.
 */
public final class FrameDescriptor
{
    /** Length of the frame in bytes. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the frame's first byte from the start of the slot; moves when tags are pushed or popped. */
    public static final int DATA_OFFSET_OFFSET = 4;
    /** Index of the switch port the frame arrived on, or {@link #NO_PORT}. */
    public static final int INGRESS_PORT_OFFSET = 8;
    /** The frame's 802.1Q tag control information inside the switch: PCP, DEI and VLAN id. */
    public static final int VLAN_TCI_OFFSET = 12;
    /** When the frame entered the switch, from the switch's nanosecond clock. */
    public static final int TIMESTAMP_OFFSET = 16;
    /** Bytes of metadata at the start of each slot. */
    public static final int METADATA_LENGTH = 32;
    /** Where frame data starts in a fresh slot: leaves 96 bytes of headroom after the metadata. */
    public static final int DEFAULT_DATA_OFFSET = 128;
    /** Slots are multiples of this, so every slot starts on a cache line. */
    public static final int SLOT_ALIGNMENT = 64;
    /** Standard slot size: holds a 1500-byte MTU frame with two VLAN tags and the headroom. */
    public static final int DEFAULT_SLOT_SIZE = 2048;
    /** Largest frame payload (MTU) a jumbo pool must carry. */
    public static final int MAX_JUMBO_MTU = 9216;
    /** Ethernet header with two VLAN tags: what a frame adds to its MTU. */
    public static final int MAX_L2_OVERHEAD = 14 + 4 + 4;
    /** Largest frame length a pool may be configured for. */
    public static final int MAX_FRAME_LENGTH = MAX_JUMBO_MTU + MAX_L2_OVERHEAD;
    /** Value of the ingress port field before a port has claimed the frame. */
    public static final int NO_PORT = -1;

    private FrameDescriptor()
    {
    }

    /**
     * @param maxFrameLength the largest frame the slot must hold.
     * @return the slot size for frames of up to that length: metadata, headroom and data, aligned to a cache line.
     */
    public static int slotSizeFor(final int maxFrameLength)
    {
        final int raw = DEFAULT_DATA_OFFSET + maxFrameLength;
        return (raw + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }
}
