package io.xbow.packet.offload;

import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * What a port that cannot take offloads does with a frame that carries them, as Linux hands them over in a
 * virtio-net header (a TAP, a packet socket with {@code PACKET_VNET_HDR}): a partial checksum is finished; a TCP
 * super-frame ({@code VIRTIO_NET_HDR_GSO_TCPV4/6}, up to 64 KiB, what TSO and GRO make) is cut into frames of its
 * segment size with correct headers and checksums, as the kernel's GSO would (OVS's {@code dp-packet-gso} does the
 * same in user space). Allocates nothing.
 */
public final class Offloads
{
    /** struct virtio_net_hdr. */
    public static final int VNET_HDR_LENGTH = 10;
    /** Its flags and GSO types: a frame's offload state uses virtio's own values ({@link FrameOffload}). */
    public static final int F_NEEDS_CSUM = FrameOffload.CSUM_PARTIAL;
    public static final int GSO_NONE = FrameOffload.GSO_NONE;
    public static final int GSO_TCPV4 = FrameOffload.GSO_TCPV4;
    public static final int GSO_TCPV6 = FrameOffload.GSO_TCPV6;
    public static final int GSO_ECN = FrameOffload.GSO_ECN;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int ETH_HEADER = 14;

    private Offloads()
    {
    }

    /**
     * Finish a partial checksum: the kernel left the pseudo-header's sum in the field at {@code start + offset};
     * summing from {@code start} to the end completes it.
     *
     * @return false if the offsets lie outside the frame.
     */
    public static boolean finishChecksum(final MutableDirectBuffer buffer, final int frame, final int length,
        final int start, final int offset)
    {
        final int at = start + offset;
        if (start >= length || at + 2 > length || start < ETH_HEADER)
        {
            return false;
        }
        final int checksum = InternetChecksum.finish(InternetChecksum.sum(buffer, frame + start, length - start));
        buffer.putShort(frame + at, (short)checksum, BE);
        return true;
    }

    /**
     * Cut a TCP super-frame into frames of at most {@code mss} payload bytes each, appended to {@code out} from the
     * pool. Ethernet (with at most one 802.1Q tag) + IPv4 without options or IPv6 without extension headers + TCP.
     *
     * @param source  holding the super-frame.
     * @param frame   its offset.
     * @param length  its length.
     * @param gsoType {@link #GSO_TCPV4} or {@link #GSO_TCPV6}, ECN bit allowed.
     * @param mss     the segment size (virtio's gso_size).
     * @param pool    where segments come from.
     * @param out     where they go; it must have room.
     * @return segments made, or -1 if the frame is not one this can cut (nothing appended).
     */
    public static int segment(final DirectBuffer source, final int frame, final int length, final int gsoType,
        final int mss, final FramePool pool, final FrameBatch out)
    {
        int l3 = ETH_HEADER;
        int etherType = source.getShort(frame + 12, BE) & 0xFFFF;
        if (etherType == 0x8100)
        {
            etherType = source.getShort(frame + 16, BE) & 0xFFFF;
            l3 += 4;
        }
        final boolean v4 = (gsoType & ~GSO_ECN) == GSO_TCPV4;
        final boolean v6 = (gsoType & ~GSO_ECN) == GSO_TCPV6;
        if (mss <= 0 || !(v4 && etherType == 0x0800 || v6 && etherType == 0x86DD) || length < l3 + 40)
        {
            return -1;
        }
        final int l4;
        if (v4)
        {
            final int ihl = (source.getByte(frame + l3) & 0x0F) * 4;
            if (ihl < 20 || source.getByte(frame + l3 + 9) != 6)
            {
                return -1;
            }
            l4 = l3 + ihl;
        }
        else
        {
            if (source.getByte(frame + l3 + 6) != 6)
            {
                return -1; // extension headers: not cut here
            }
            l4 = l3 + 40;
        }
        if (length < l4 + 20)
        {
            return -1;
        }
        final int tcpHeader = ((source.getByte(frame + l4 + 12) >>> 4) & 0x0F) * 4;
        final int headers = l4 + tcpHeader;
        final int payload = length - headers;
        if (tcpHeader < 20 || payload <= 0)
        {
            return -1;
        }
        final int segments = (payload + mss - 1) / mss;
        if (out.capacity() - out.count() < segments || pool.available() < segments ||
            headers + Math.min(mss, payload) > pool.maxFrameLength())
        {
            return -1;
        }
        final MutableDirectBuffer target = pool.buffer();
        final long seq = source.getInt(frame + l4 + 4, BE) & 0xFFFF_FFFFL;
        final int flags = source.getByte(frame + l4 + 13) & 0xFF;
        final int ipId = v4 ? source.getShort(frame + l3 + 4, BE) & 0xFFFF : 0;
        for (int i = 0; i < segments; i++)
        {
            final int chunk = Math.min(mss, payload - i * mss);
            final int handle = pool.allocate();
            final int at = pool.offset(handle);
            target.putBytes(at, source, frame, headers);
            target.putBytes(at + headers, source, frame + headers + i * mss, chunk);
            final int segmentLength = headers + chunk;
            pool.length(handle, segmentLength);
            final boolean last = i == segments - 1;
            // FIN and PSH belong to the last segment only, CWR to the first.
            int segmentFlags = flags;
            if (!last)
            {
                segmentFlags &= ~(0x01 | 0x08);
            }
            if (i > 0)
            {
                segmentFlags &= ~0x80;
            }
            target.putByte(at + l4 + 13, (byte)segmentFlags);
            target.putInt(at + l4 + 4, (int)(seq + (long)i * mss), BE);
            final int tcpLength = tcpHeader + chunk;
            long sum;
            if (v4)
            {
                target.putShort(at + l3 + 2, (short)(segmentLength - l3), BE);
                target.putShort(at + l3 + 4, (short)(ipId + i), BE);
                target.putShort(at + l3 + 10, (short)0);
                final int ihl = l4 - l3;
                target.putShort(at + l3 + 10, (short)InternetChecksum.ipv4HeaderChecksum(target, at + l3, ihl), BE);
                sum = InternetChecksum.pseudoHeaderSum(target.getInt(at + l3 + 12, BE), target.getInt(at + l3 + 16, BE),
                    6, tcpLength);
            }
            else
            {
                target.putShort(at + l3 + 4, (short)tcpLength, BE);
                sum = InternetChecksum.sum(target, at + l3 + 8, 32) + tcpLength + 6;
            }
            target.putShort(at + l4 + 16, (short)0);
            final int checksum = InternetChecksum.finish(sum + InternetChecksum.sum(target, at + l4, tcpLength));
            target.putShort(at + l4 + 16, (short)checksum, BE);
            out.add(handle);
        }
        return segments;
    }

    /**
     * Write the virtio-net header a frame is sent with through a TAP or a packet socket: its partial checksum and
     * super-frame state, for the kernel to finish or segment (in the device if it can); zeros for a plain frame.
     *
     * @param pool   the frame's pool; the header goes in the frame's headroom, in the pool's buffer.
     * @param frame  the frame.
     * @param header where the header goes: {@link #VNET_HDR_LENGTH} bytes before the frame.
     */
    public static void writeHeader(final FramePool pool, final int frame, final int header)
    {
        final MutableDirectBuffer buffer = pool.buffer();
        buffer.putLong(header, 0);
        buffer.putShort(header + 8, (short)0);
        final int offload = pool.offload(frame);
        if ((offload & FrameOffload.CSUM_PARTIAL) == 0)
        {
            return; // a plain frame, or one whose checksum is complete: nothing asked of the kernel
        }
        final int start = pool.csumStart(frame);
        final int at = pool.csumOffset(frame);
        buffer.putByte(header, (byte)F_NEEDS_CSUM);
        buffer.putByte(header + 1, (byte)FrameOffload.gsoType(offload));
        // The headers up to the checksum at least; the kernel finds the rest of them itself.
        buffer.putShort(header + 2, (short)(start + at + 2), ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(header + 4, (short)FrameOffload.gsoSize(offload), ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(header + 6, (short)start, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(header + 8, (short)at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @param buffer holding a virtio-net header.
     * @param header its offset.
     * @return its flags.
     */
    public static int flags(final DirectBuffer buffer, final int header)
    {
        return buffer.getByte(header) & 0xFF;
    }

    public static int gsoType(final DirectBuffer buffer, final int header)
    {
        return buffer.getByte(header + 1) & 0xFF;
    }

    public static int gsoSize(final DirectBuffer buffer, final int header)
    {
        return buffer.getShort(header + 4, LE) & 0xFFFF;
    }

    public static int csumStart(final DirectBuffer buffer, final int header)
    {
        return buffer.getShort(header + 6, LE) & 0xFFFF;
    }

    public static int csumOffset(final DirectBuffer buffer, final int header)
    {
        return buffer.getShort(header + 8, LE) & 0xFFFF;
    }
}
