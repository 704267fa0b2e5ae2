package io.xbow.nat.conntrack;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * TCP windows, as Linux's conntrack checks them (tcp_in_window), with two numbers a side: the highest sequence a
 * side sent, and the largest window it advertised (scaled as its SYN offered). A segment must not start beyond
 * what the other side can have allowed (the sender's highest sequence plus the receiver's largest window), nor
 * end before what the receiver can still be waiting for (the same minus that window). A connection picked up
 * without both SYNs is not checked. The first long's bits from bit 2: a side's SYN seen (2, 3), its
 * window scale offered (4, 5), its shift (8 to 11, 12 to 15).
 * <p>
 * The state lives in three longs of the connection's record from {@code r}: the flags and scales (in the first's low
 * 16 bits, above the connection's kind), each side's highest sequence, each side's largest window.
 */
final class TcpWindows
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private TcpWindows()
    {
    }

    /**
     * @param side 0 for the inside's segments, 1 for the remote's.
     * @return whether the segment is within the window (and then it is taken into account).
     */
    static boolean inWindow(final long[] records, final int r, final MutableDirectBuffer b, final int l4,
        final int l4Length, final int side)
    {
        final int flags = b.getByte(l4 + 13) & 0x3F;
        final int dataOffset = (b.getByte(l4 + 12) & 0xF0) >>> 2;
        final int seq = b.getInt(l4 + 4, BE);
        final int end = seq + Math.max(0, l4Length - dataOffset) + ((flags & 0x02) != 0 ? 1 : 0) +
            ((flags & 0x01) != 0 ? 1 : 0);
        final int window = b.getShort(l4 + 14, BE) & 0xFFFF;
        long bits = records[r];
        final int other = 1 - side;
        if ((flags & 0x02) != 0)
        {
            // A SYN: where this side's sequence starts, its window (never scaled in a SYN), its scale option.
            final int shift = windowScale(b, l4, Math.min(dataOffset, l4Length));
            bits |= 1L << (2 + side);
            if (shift >= 0)
            {
                bits = bits | 1L << (4 + side) | (long)Math.min(shift, 14) << (8 + 4 * side);
            }
            records[r] = bits;
            setEnd(records, r, side, end);
            setMaxWindow(records, r, side, Math.max(maxWindow(records, r, side), window));
            return true;
        }
        if ((bits & 0xC) != 0xC)
        {
            return true; // not both SYNs seen: not checked
        }
        final int receiverWindow = Math.max(maxWindow(records, r, other), 1);
        final int sent = end(records, r, side);
        if (seq - (sent + receiverWindow) > 0 || end - (sent - receiverWindow) < 0)
        {
            return false;
        }
        if (end - sent > 0)
        {
            setEnd(records, r, side, end);
        }
        final int shift = (bits & 0x30) == 0x30 ? (int)(bits >>> (8 + 4 * side)) & 0xF : 0;
        final int scaled = (int)Math.min((long)window << shift, 1L << 30);
        if (scaled > maxWindow(records, r, side))
        {
            setMaxWindow(records, r, side, scaled);
        }
        return true;
    }

    /** A SYN's window scale option's shift, or -1 if it has none. */
    private static int windowScale(final MutableDirectBuffer b, final int l4, final int headerLength)
    {
        int at = l4 + 20;
        final int limit = l4 + headerLength;
        while (at < limit)
        {
            final int kind = b.getByte(at) & 0xFF;
            if (kind == 0)
            {
                return -1;
            }
            if (kind == 1)
            {
                at++;
                continue;
            }
            if (at + 1 >= limit)
            {
                return -1;
            }
            final int length = b.getByte(at + 1) & 0xFF;
            if (length < 2 || at + length > limit)
            {
                return -1;
            }
            if (kind == 3 && length == 3)
            {
                return b.getByte(at + 2) & 0xFF;
            }
            at += length;
        }
        return -1;
    }

    private static int end(final long[] records, final int r, final int side)
    {
        return (int)(records[r + 1] >>> (32 * (1 - side)));
    }

    private static void setEnd(final long[] records, final int r, final int side, final int end)
    {
        final int shift = 32 * (1 - side);
        records[r + 1] = records[r + 1] & ~(0xFFFF_FFFFL << shift) | (end & 0xFFFF_FFFFL) << shift;
    }

    private static int maxWindow(final long[] records, final int r, final int side)
    {
        return (int)(records[r + 2] >>> (32 * (1 - side)));
    }

    private static void setMaxWindow(final long[] records, final int r, final int side, final int window)
    {
        final int shift = 32 * (1 - side);
        records[r + 2] = records[r + 2] & ~(0xFFFF_FFFFL << shift) | (window & 0xFFFF_FFFFL) << shift;
    }
}
