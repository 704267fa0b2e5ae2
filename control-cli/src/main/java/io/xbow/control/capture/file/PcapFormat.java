package io.xbow.control.capture.file;

import java.nio.ByteBuffer;

/**
 * Classic libpcap format with microsecond timestamps, written in little-endian order (readers swap as the magic
 * number says).
 * <pre>
 *   file header (24): magic a1b2c3d4 | major 2 | minor 4 | thiszone 0 | sigfigs 0 | snaplen | linktype 1 (Ethernet)
 *   record (16 + n):  ts_sec | ts_usec | incl_len n | orig_len | n bytes
 * </pre>
 * Cooked ({@code -i any} into pcap, as tcpdump writes it there): link type 113, Linux cooked capture v1, each
 * frame's Ethernet header replaced by 16 bytes (big-endian) saying which way it went:
 * <pre>
 *   packet type (0 to us, 4 outgoing) | ARPHRD_ETHER 1 | address length 6 | source MAC, 2 bytes padding | EtherType
 * </pre>
 * pcapng (--pcapng) keeps the link's name as well; a cooked pcap keeps only the direction.
 */
final class PcapFormat implements CaptureFormat
{
    static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    static final int HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;
    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_LINUX_SLL = 113;
    private static final int SLL_HEADER = 16;
    private static final int ETHER_HEADER = 14;

    private final int snaplen;
    private final boolean cooked;

    PcapFormat(final int snaplen)
    {
        this(snaplen, false);
    }

    PcapFormat(final int snaplen, final boolean cooked)
    {
        this.snaplen = snaplen;
        this.cooked = cooked;
    }

    @Override
    public int maxRecordLength()
    {
        return RECORD_HEADER_LENGTH + snaplen + (cooked ? SLL_HEADER - ETHER_HEADER : 0);
    }

    @Override
    public void writeHeader(final ByteBuffer buffer)
    {
        buffer.putInt(MAGIC_MICROSECONDS)
            .putShort((short)2)
            .putShort((short)4)
            .putInt(0)
            .putInt(0)
            .putInt(snaplen)
            .putInt(cooked ? LINKTYPE_LINUX_SLL : LINKTYPE_ETHERNET);
    }

    @Override
    public void writeRecord(
        final ByteBuffer buffer, final int link, final int direction, final long timestampNs, final int originalLength,
        final byte[] data, final int offset, final int length)
    {
        buffer.putInt((int)Math.floorDiv(timestampNs, 1_000_000_000L))
            .putInt((int)(Math.floorMod(timestampNs, 1_000_000_000L) / 1000));
        if (!cooked || length < ETHER_HEADER)
        {
            buffer.putInt(length).putInt(originalLength).put(data, offset, length);
            return;
        }
        buffer.putInt(length - ETHER_HEADER + SLL_HEADER).putInt(originalLength - ETHER_HEADER + SLL_HEADER);
        final int packetType = direction == OUTBOUND ? 4 : 0;
        buffer.put((byte)0).put((byte)packetType).put((byte)0).put((byte)1).put((byte)0).put((byte)6)
            .put(data, offset + 6, 6).put((byte)0).put((byte)0).put(data, offset + 12, 2)
            .put(data, offset + ETHER_HEADER, length - ETHER_HEADER);
    }

    /** The capture stream's direction of a frame leaving a link (CaptureLink.OUT). */
    private static final int OUTBOUND = 2;
}
