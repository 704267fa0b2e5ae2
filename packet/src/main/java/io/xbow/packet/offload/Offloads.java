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
 * virtio-net header (a TAP, a packet socket with {@code PACKET_VNET_HDR}): the header's fields, and a partial
 * checksum finished. A super-frame is cut by {@link SuperFrameCutter}. Allocates nothing.
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
