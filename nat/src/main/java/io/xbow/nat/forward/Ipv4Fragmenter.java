package io.xbow.nat.forward;

import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Fragments a datagram too large for the next link, when its DF bit is clear (RFC 791 3.2, RFC 1812 5.2.6): data
 * cut in multiples of 8 bytes, each fragment with the header's copy, its total length, offset and MF set on all but
 * the last (the last keeps the datagram's own MF, for a fragment fragmented again), and its checksum; options with
 * the copy flag go into every fragment, the others into the first only. Allocates nothing but the fragments' frames.
 */
public final class Ipv4Fragmenter
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private Ipv4Fragmenter()
    {
    }

    /**
     * @param source   holding the frame (Ethernet header, then the datagram).
     * @param frame    the frame's offset.
     * @param mtu      the next link's MTU: the most IP bytes a fragment may have.
     * @param pool     where fragments come from (the next link's).
     * @param out      where they go.
     * @return the number of fragments, or -1 (nothing taken) if the pool or the batch lacks room or the MTU cannot
     *         hold a header and 8 bytes of data.
     */
    public static int fragment(final DirectBuffer source, final int frame, final int mtu, final FramePool pool,
        final FrameBatch out)
    {
        final int ip = frame + 14;
        final int ihl = (source.getByte(ip) & 0x0F) * 4;
        final int total = source.getShort(ip + 2, BE) & 0xFFFF;
        final int flagsAndOffset = source.getShort(ip + 6, BE) & 0xFFFF;
        final int later = copiedOptionsLength(source, ip, ihl);
        final int firstChunk = (mtu - ihl) & ~7;
        final int laterChunk = (mtu - 20 - later) & ~7;
        final int data = total - ihl;
        if (firstChunk < 8 || laterChunk < 8 || data <= 0)
        {
            return -1;
        }
        final int fragments = data <= firstChunk ? 1 : 1 + (data - firstChunk + laterChunk - 1) / laterChunk;
        if (pool.available() < fragments || out.capacity() - out.count() < fragments ||
            14 + Math.max(ihl + firstChunk, 20 + later + laterChunk) > pool.maxFrameLength())
        {
            return -1;
        }
        final MutableDirectBuffer target = pool.buffer();
        int sent = 0;
        for (int i = 0; i < fragments; i++)
        {
            final boolean first = i == 0;
            final int chunk = Math.min(first ? firstChunk : laterChunk, data - sent);
            final int handle = pool.allocate();
            final int at = pool.offset(handle);
            target.putBytes(at, source, frame, 14 + 20); // Ethernet header and the fixed IP header
            final int headerLength = first ? ihl : 20 + later;
            if (first)
            {
                target.putBytes(at + 34, source, ip + 20, ihl - 20);
            }
            else
            {
                copyOptions(source, ip, ihl, target, at + 34);
            }
            target.putBytes(at + 14 + headerLength, source, ip + ihl + sent, chunk);
            final int h = at + 14;
            target.putByte(h, (byte)(0x40 | headerLength / 4));
            target.putShort(h + 2, (short)(headerLength + chunk), BE);
            final boolean last = i == fragments - 1;
            final int offset = (flagsAndOffset & 0x1FFF) + sent / 8;
            final int moreFragments = last ? flagsAndOffset & 0x2000 : 0x2000;
            target.putShort(h + 6, (short)(moreFragments | offset), BE);
            target.putShort(h + 10, (short)0);
            target.putShort(h + 10, (short)InternetChecksum.ipv4HeaderChecksum(target, h, headerLength), BE);
            pool.length(handle, 14 + headerLength + chunk);
            out.add(handle);
            sent += chunk;
        }
        return fragments;
    }

    /** Length of the options a later fragment carries: those with the copy flag, padded to 32 bits. */
    private static int copiedOptionsLength(final DirectBuffer source, final int ip, final int ihl)
    {
        return copyOptions(source, ip, ihl, null, 0);
    }

    /**
     * The options with the copy flag, padded to 32 bits with end-of-options, written at {@code at} (or only measured,
     * with no target).
     *
     * @return their length, padded.
     */
    private static int copyOptions(final DirectBuffer source, final int ip, final int ihl,
        final MutableDirectBuffer target, final int at)
    {
        int w = at;
        for (int o = ip + 20; o < ip + ihl; )
        {
            final int type = source.getByte(o) & 0xFF;
            if (type == 0)
            {
                break;
            }
            if (type == 1)
            {
                o++;
                continue;
            }
            final int optionLength = Math.max(2, source.getByte(o + 1) & 0xFF);
            if ((type & 0x80) != 0)
            {
                if (target != null)
                {
                    target.putBytes(w, source, o, optionLength);
                }
                w += optionLength;
            }
            o += optionLength;
        }
        while (((w - at) & 3) != 0)
        {
            if (target != null)
            {
                target.putByte(w, (byte)0); // end of options
            }
            w++;
        }
        return w - at;
    }
}
