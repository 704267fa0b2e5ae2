package io.xbow.packet.frame;

/**
 * Layout of the {@link FramePool}: one off-heap arena of fixed-size slots for frame bytes, and a compact on-heap
 * metadata record per slot. Every offset is named here and nowhere else.
 * <pre>
 *   arena, one slot per frame:
 *   0                               DEFAULT_DATA_OFFSET (64)                                    slot size
 *   +-------------------------------+-----------------------------------------------------------+
 *   | headroom: VLAN tags or tunnel | frame bytes, from the destination MAC, no FCS ...         |
 *   | headers are pushed in place   |                                                           |
 *   +-------------------------------+-----------------------------------------------------------+
 *
 *   metadata, 4 ints per frame (16 bytes; four frames share a cache line):
 *   +--------------+-------------+--------------+----------+      plus a long timestamp per frame
 *   | frame length | data offset | ingress port | VLAN TCI |
 *   +--------------+-------------+--------------+----------+
 * </pre>
 * Keeping the metadata apart from the slots halves the cache lines a frame costs on the forwarding path: the
 * Ethernet, IP and transport headers of a frame sit in the slot's second cache line, and the metadata of the frames
 * in flight packs densely. (With the metadata in each slot's first line, 256 ports with 32 frames in flight each
 * touched twice the memory and forwarded 25% slower than 2 ports; see L2ForwardBenchmark.)
 */
public final class FrameDescriptor
{
    /** Metadata field: length of the frame in bytes. */
    public static final int LENGTH = 0;
    /** Metadata field: offset of the frame's first byte from the start of its slot; moves when tags are pushed. */
    public static final int DATA_OFFSET = 1;
    /** Metadata field: index of the switch port the frame arrived on, or {@link #NO_PORT}. */
    public static final int INGRESS_PORT = 2;
    /**
     * Metadata field: the frame's 802.1Q tag control information inside the switch (PCP, DEI, VLAN id) in bits 0-15;
     * bits 16-31 hold its offload flags and GSO type ({@link FrameOffload}), 0 for a plain frame.
     */
    public static final int VLAN_TCI = 3;
    /** Metadata ints per frame; a power of two so a handle's record is {@code handle << METADATA_SHIFT}. */
    public static final int METADATA_INTS = 4;
    public static final int METADATA_SHIFT = 2;

    /** Where frame data starts in a fresh slot: 64 bytes of headroom, room for 16 VLAN tags or a VXLAN header. */
    public static final int DEFAULT_DATA_OFFSET = 64;
    /** Slots are multiples of this, so every slot starts on a cache line. */
    public static final int SLOT_ALIGNMENT = 64;
    /** Standard slot size: holds a 1500-byte MTU frame with two VLAN tags and the headroom, and much to spare. */
    public static final int DEFAULT_SLOT_SIZE = 2048;
    /** Largest frame payload (MTU) a jumbo pool must carry. */
    public static final int MAX_JUMBO_MTU = 9216;
    /** Ethernet header with two VLAN tags: what a frame adds to its MTU. */
    public static final int MAX_L2_OVERHEAD = 14 + 4 + 4;
    /** Largest frame length a pool may be configured for. */
    public static final int MAX_FRAME_LENGTH = MAX_JUMBO_MTU + MAX_L2_OVERHEAD;
    /** What a large slot holds: a super-frame, the largest IP packet with an Ethernet header and two tags. */
    public static final int MAX_SUPER_FRAME_LENGTH = 65_535 + MAX_L2_OVERHEAD;
    /** Value of the ingress port field before a port has claimed the frame. */
    public static final int NO_PORT = -1;

    private FrameDescriptor()
    {
    }

    /**
     * @param maxFrameLength the largest frame the slot must hold.
     * @return the slot size for frames of up to that length: headroom and data, aligned to a cache line.
     */
    public static int slotSizeFor(final int maxFrameLength)
    {
        final int raw = DEFAULT_DATA_OFFSET + maxFrameLength;
        return (raw + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }
}
