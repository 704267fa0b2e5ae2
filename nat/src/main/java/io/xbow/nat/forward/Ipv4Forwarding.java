package io.xbow.nat.forward;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * What the router does to an IPv4 header it forwards, and what it checks first (RFC 1812, 5.2 and 5.3): the
 * header is whole and its checksum right, the TTL lets it go one more hop, then the TTL is decremented and the
 * checksum updated incrementally (RFC 1624, equation 3: no full recomputation, no -0). Stateless; allocates
 * nothing.
 */
public final class Ipv4Forwarding
{
    /** The header can be forwarded (after {@link #decrementTtl}). */
    public static final int OK = 0;
    /** Shorter than its header, or a total length past the frame. */
    public static final int MALFORMED = 1;
    /** The header checksum is wrong: dropped silently (RFC 1812 5.2.2). */
    public static final int BAD_CHECKSUM = 2;
    /** TTL 0 or 1: it may not go another hop (ICMP time exceeded, where one may be sent). */
    public static final int TTL_EXCEEDED = 3;
    /** It carries IP options: forwarded as they are by default, counted (xbow processes none of them). */
    public static final int HAS_OPTIONS = 4;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private Ipv4Forwarding()
    {
    }

    /**
     * @param buffer holding the packet.
     * @param ip     where its IPv4 header starts.
     * @param length bytes from there to the frame's end.
     * @return {@link #OK}, {@link #HAS_OPTIONS} (otherwise fine), or why it may not be forwarded.
     */
    public static int check(final DirectBuffer buffer, final int ip, final int length)
    {
        if (length < 20)
        {
            return MALFORMED;
        }
        final int first = buffer.getByte(ip) & 0xFF;
        final int ihl = (first & 0x0F) * 4;
        final int total = buffer.getShort(ip + 2, BE) & 0xFFFF;
        if (first >>> 4 != 4 || ihl < 20 || ihl > length || total < ihl || total > length)
        {
            return MALFORMED;
        }
        if (InternetChecksum.checksum(buffer, ip, ihl) != 0)
        {
            return BAD_CHECKSUM;
        }
        if ((buffer.getByte(ip + 8) & 0xFF) <= 1)
        {
            return TTL_EXCEEDED;
        }
        return ihl > 20 ? HAS_OPTIONS : OK;
    }

    /**
     * One hop less to live, and the header checksum updated for it (the TTL shares its 16-bit word with the
     * protocol).
     */
    public static void decrementTtl(final MutableDirectBuffer buffer, final int ip)
    {
        final int oldWord = buffer.getShort(ip + 8, BE) & 0xFFFF;
        final int newWord = oldWord - 0x0100;
        buffer.putShort(ip + 8, (short)newWord, BE);
        final int checksum = buffer.getShort(ip + 10, BE) & 0xFFFF;
        buffer.putShort(ip + 10, (short)InternetChecksum.update16(checksum, oldWord, newWord), BE);
    }
}
