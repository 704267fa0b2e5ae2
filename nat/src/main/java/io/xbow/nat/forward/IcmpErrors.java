package io.xbow.nat.forward;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The ICMP errors the router sends (RFC 792, RFC 1812 4.3.2): time exceeded, destination net, host and port
 * unreachable, fragmentation needed with the next hop's MTU (RFC 1191); quoting as much of the offending datagram
 * as keeps the error within 576 bytes; never about an ICMP error, a broadcast or multicast, a non-first fragment or
 * a datagram whose source is not a host's; and no more than a rate limit allows ({@link TokenBucket}).
 */
public final class IcmpErrors
{
    public static final int TIME_EXCEEDED = 11;
    public static final int UNREACHABLE = 3;
    public static final int NET_UNREACHABLE = 0;
    public static final int HOST_UNREACHABLE = 1;
    public static final int PROTOCOL_UNREACHABLE = 2;
    public static final int PORT_UNREACHABLE = 3;
    public static final int FRAGMENTATION_NEEDED = 4;
    /** Communication administratively prohibited (RFC 1812): what a NAT with no room for a connection sends. */
    public static final int ADMINISTRATIVELY_PROHIBITED = 13;

    /** The longest error: RFC 1812 4.3.2.3's 576 bytes of IP. */
    public static final int MAX_IP_LENGTH = 576;
    /** The longest frame {@link #write} makes. */
    public static final int MAX_FRAME_LENGTH = 14 + MAX_IP_LENGTH;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private IcmpErrors()
    {
    }

    /**
     * @param buffer          holding the offending datagram.
     * @param ip              where its IPv4 header starts (checked whole by {@link Ipv4Forwarding#check}).
     * @param linkBroadcast   it came to a link-layer broadcast or multicast address.
     * @return true if an ICMP error may be sent about it.
     */
    public static boolean mayAnswer(final DirectBuffer buffer, final int ip, final boolean linkBroadcast)
    {
        final int ihl = (buffer.getByte(ip) & 0x0F) * 4;
        final int source = buffer.getInt(ip + 12, BE);
        final int destination = buffer.getInt(ip + 16, BE);
        if (linkBroadcast || (buffer.getShort(ip + 6, BE) & 0x1FFF) != 0)
        {
            return false; // sent to many, or a later fragment
        }
        if (destination == -1 || (destination >>> 28) == 0xE || source == 0 || source == -1 ||
            (source >>> 28) >= 0xE || (source >>> 24) == 127)
        {
            return false; // to a broadcast or multicast group, or from no particular host
        }
        if (buffer.getByte(ip + 9) == 1)
        {
            final int type = buffer.getByte(ip + ihl) & 0xFF;
            // Only about queries (echo, timestamp, information, address mask), never about an error.
            return type == 0 || type == 8 || type == 13 || type == 14 || type == 15 || type == 16 || type == 17 ||
                type == 18;
        }
        return true;
    }

    /**
     * Write an ICMP error frame back to where a datagram came from.
     *
     * @param out          where the frame goes; {@link #MAX_FRAME_LENGTH} bytes of room at {@code at}.
     * @param at           its offset.
     * @param source       the router's MAC on the link the datagram came in on.
     * @param destination  the MAC it came from (the sender, or the router before us).
     * @param routerAddress the router's address on that link, the error's source.
     * @param offending    holding the datagram.
     * @param ip           where its IPv4 header starts.
     * @param type         {@link #TIME_EXCEEDED} or {@link #UNREACHABLE}.
     * @param code         the code.
     * @param nextHopMtu   for {@link #FRAGMENTATION_NEEDED}, the MTU of the link it could not go out of; else 0.
     * @return the frame's length.
     */
    public static int write(final MutableDirectBuffer out, final int at, final long source, final long destination,
        final int routerAddress, final DirectBuffer offending, final int ip, final int type, final int code,
        final int nextHopMtu)
    {
        final int total = offending.getShort(ip + 2, BE) & 0xFFFF;
        final int quoted = Math.min(total, MAX_IP_LENGTH - 20 - 8);
        final int ipLength = 20 + 8 + quoted;
        out.putShort(at, (short)(destination >>> 32), BE);
        out.putInt(at + 2, (int)destination, BE);
        out.putShort(at + 6, (short)(source >>> 32), BE);
        out.putInt(at + 8, (int)source, BE);
        out.putShort(at + 12, (short)0x0800, BE);
        final int h = at + 14;
        out.putByte(h, (byte)0x45);
        out.putByte(h + 1, (byte)0xC0); // precedence: internetwork control, as routers send errors
        out.putShort(h + 2, (short)ipLength, BE);
        out.putShort(h + 4, (short)0, BE);
        out.putShort(h + 6, (short)0, BE);
        out.putByte(h + 8, (byte)64);
        out.putByte(h + 9, (byte)1);
        out.putShort(h + 10, (short)0, BE);
        out.putInt(h + 12, routerAddress, BE);
        out.putInt(h + 16, offending.getInt(ip + 12, BE), BE);
        out.putShort(h + 10, (short)InternetChecksum.ipv4HeaderChecksum(out, h, 20), BE);
        final int icmp = h + 20;
        out.putByte(icmp, (byte)type);
        out.putByte(icmp + 1, (byte)code);
        out.putShort(icmp + 2, (short)0, BE);
        out.putShort(icmp + 4, (short)0, BE);
        out.putShort(icmp + 6, (short)(type == UNREACHABLE && code == FRAGMENTATION_NEEDED ? nextHopMtu : 0), BE);
        out.putBytes(icmp + 8, offending, ip, quoted);
        out.putShort(icmp + 2, (short)InternetChecksum.checksum(out, icmp, 8 + quoted), BE);
        return 14 + ipLength;
    }
}
