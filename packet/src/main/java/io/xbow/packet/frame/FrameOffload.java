package io.xbow.packet.frame;

/**
 * A frame's offload state and a port's offload capabilities, as Linux's virtio-net header and TAP offload flags
 * state them, so that converting at a TAP, a packet socket or a netif ring is a copy of numbers.
 * <p>
 * A frame carries (in its pool metadata) whether its checksum is partial (the pseudo-header sum is in the checksum
 * field and the rest is to be summed from {@code csumStart}) or already validated, and, for a super-frame, its GSO
 * type and segment size. A port declares what it takes; where a frame needs more than its output port takes, the
 * switch finishes the checksum or cuts the super-frame into segments first.
 */
public final class FrameOffload
{
    /** Frame flag: the checksum is partial (virtio's VIRTIO_NET_HDR_F_NEEDS_CSUM). */
    public static final int CSUM_PARTIAL = 1;
    /** Frame flag: the checksum was checked, or the frame never left the host (VIRTIO_NET_HDR_F_DATA_VALID). */
    public static final int CSUM_VALID = 2;
    /** GSO type: none. */
    public static final int GSO_NONE = 0;
    /** GSO type: TCP over IPv4 (VIRTIO_NET_HDR_GSO_TCPV4). */
    public static final int GSO_TCPV4 = 1;
    /** GSO type: TCP over IPv6 (VIRTIO_NET_HDR_GSO_TCPV6). */
    public static final int GSO_TCPV6 = 4;
    /** GSO flag: the ECN bits may be set (VIRTIO_NET_HDR_GSO_ECN). */
    public static final int GSO_ECN = 0x80;

    /** Port capability: takes partial checksums (TUN_F_CSUM). */
    public static final int CAN_CSUM = 0x01;
    /** Port capability: takes TCP/IPv4 super-frames (TUN_F_TSO4). */
    public static final int CAN_TSO4 = 0x02;
    /** Port capability: takes TCP/IPv6 super-frames (TUN_F_TSO6). */
    public static final int CAN_TSO6 = 0x04;
    /** Port capability: takes super-frames with ECN bits (TUN_F_TSO_ECN). */
    public static final int CAN_TSO_ECN = 0x08;
    /** A port that takes nothing: every frame complete and at most an MTU. */
    public static final int NONE = 0;

    private FrameOffload()
    {
    }

    /**
     * @param offload a frame's offload word ({@link FramePool#offload}).
     * @return the capabilities a port needs to take the frame as it is; 0 for a plain frame.
     */
    public static int needs(final int offload)
    {
        if (offload == 0)
        {
            return 0;
        }
        int needs = (offload & CSUM_PARTIAL) != 0 ? CAN_CSUM : 0;
        final int gso = gsoType(offload);
        if ((gso & ~GSO_ECN) == GSO_TCPV4)
        {
            needs |= CAN_TSO4 | CAN_CSUM;
        }
        else if ((gso & ~GSO_ECN) == GSO_TCPV6)
        {
            needs |= CAN_TSO6 | CAN_CSUM;
        }
        if ((gso & GSO_ECN) != 0)
        {
            needs |= CAN_TSO_ECN;
        }
        return needs;
    }

    /**
     * @param offload a frame's offload word.
     * @return its flags.
     */
    public static int flags(final int offload)
    {
        return offload & 0xFF;
    }

    /**
     * @param offload a frame's offload word.
     * @return its GSO type, with the ECN flag.
     */
    public static int gsoType(final int offload)
    {
        return (offload >>> 8) & 0xFF;
    }

    /**
     * @param offload a frame's offload word.
     * @return its segment size, 0 unless it is a super-frame.
     */
    public static int gsoSize(final int offload)
    {
        return offload >>> 16;
    }

    /**
     * @param flags   {@link #CSUM_PARTIAL}, {@link #CSUM_VALID}.
     * @param gsoType a GSO type.
     * @param gsoSize the segment size.
     * @return the offload word.
     */
    public static int of(final int flags, final int gsoType, final int gsoSize)
    {
        return (flags & 0xFF) | (gsoType & 0xFF) << 8 | (gsoSize & 0xFFFF) << 16;
    }

    /** The least a TCP segment adds to its payload: Ethernet, IPv4 and TCP headers without options. */
    private static final int MIN_SEGMENT_HEADERS = 14 + 20 + 20;

    /**
     * Whether a frame fits a link's largest frame, a super-frame judged by its segments (as Linux judges GSO
     * packets against the MTU): their payload and the least headers.
     *
     * @param length         the frame's length.
     * @param offload        its offload word.
     * @param maxFrameLength the largest frame the link takes.
     * @return true if it fits.
     */
    public static boolean fits(final int length, final int offload, final int maxFrameLength)
    {
        final int gsoSize = gsoSize(offload);
        return length <= maxFrameLength || gsoSize != 0 && segmentsFit(gsoSize, maxFrameLength);
    }

    /**
     * @param gsoSize        a super-frame's segment size.
     * @param maxFrameLength the largest frame a link takes.
     * @return true if its segments, their payload with the least headers, fit that.
     */
    public static boolean segmentsFit(final int gsoSize, final int maxFrameLength)
    {
        return gsoSize + MIN_SEGMENT_HEADERS <= maxFrameLength;
    }
}
