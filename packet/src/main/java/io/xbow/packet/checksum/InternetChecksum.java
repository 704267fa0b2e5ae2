package io.xbow.packet.checksum;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum, for IPv4 headers,
 * ICMP and the TCP/UDP pseudo-header; and its incremental update (RFC 1624) for rewriting a field without summing
 * the packet again.
 * <p>
 * Sums are carried in a {@code long} of 32-bit words and folded at the end: a frame of up to 64 KiB cannot
 * overflow it, and reading four bytes at a time halves the loop.
 */
public final class InternetChecksum
{
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    private InternetChecksum()
    {
    }

    /**
     * @param buffer holding the data.
     * @param offset of the first byte.
     * @param length bytes to add; an odd last byte is padded with zero as RFC 1071 says.
     * @return the unfolded sum of the data as 16-bit big-endian words, to combine with other sums.
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length)
    {
        long sum = 0;
        int i = offset;
        final int end = offset + length;
        for (final int wordsEnd = end - 3; i < wordsEnd; i += 4)
        {
            sum += buffer.getInt(i, NETWORK) & 0xFFFF_FFFFL;
        }
        if (i + 1 < end)
        {
            sum += buffer.getShort(i, NETWORK) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            sum += (buffer.getByte(i) & 0xFF) << 8;
        }
        return sum;
    }

    /**
     * @param sum an unfolded sum.
     * @return the sum folded to 16 bits with end-around carry (not complemented).
     */
    public static int fold(final long sum)
    {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int)((s & 0xFFFF) + (s >>> 16));
    }

    /**
     * @param sum an unfolded sum.
     * @return the checksum: the complement of the folded sum.
     */
    public static int finish(final long sum)
    {
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * @param buffer holding the data.
     * @param offset of the first byte.
     * @param length bytes covered.
     * @return the checksum of the data; 0 when the data includes a correct checksum field.
     */
    public static int checksum(final DirectBuffer buffer, final int offset, final int length)
    {
        return finish(sum(buffer, offset, length));
    }

    /**
     * @param buffer       holding the header.
     * @param offset       of the header.
     * @param headerLength in bytes, options included.
     * @return the header checksum, computed as though the checksum field (bytes 10 and 11) were zero.
     */
    public static int ipv4HeaderChecksum(final DirectBuffer buffer, final int offset, final int headerLength)
    {
        return finish(sum(buffer, offset, 10) + sum(buffer, offset + 12, headerLength - 12));
    }

    /**
     * @param source      IPv4 source address.
     * @param destination IPv4 destination address.
     * @param protocol    IP protocol number.
     * @param length      transport header plus data, in bytes.
     * @return the unfolded sum of the IPv4 pseudo-header.
     */
    public static long pseudoHeaderSum(final int source, final int destination, final int protocol, final int length)
    {
        return (source & 0xFFFF_FFFFL) + (destination & 0xFFFF_FFFFL) + protocol + length;
    }

    /**
     * The TCP or UDP checksum over the IPv4 pseudo-header and the segment, with the checksum field taken as zero.
     *
     * @param buffer         holding the segment.
     * @param offset         of the transport header.
     * @param length         of transport header and data.
     * @param checksumOffset of the checksum field within the transport header (16 for TCP, 6 for UDP).
     * @param source         IPv4 source address.
     * @param destination    IPv4 destination address.
     * @param protocol       IP protocol number.
     * @return the checksum to store; for UDP a computed 0 must be sent as 0xFFFF (see {@link #udpChecksum}).
     */
    public static int transportChecksum(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int checksumOffset,
        final int source,
        final int destination,
        final int protocol)
    {
        final long sum = pseudoHeaderSum(source, destination, protocol, length) +
            sum(buffer, offset, checksumOffset) +
            sum(buffer, offset + checksumOffset + 2, length - checksumOffset - 2);
        return finish(sum);
    }

    /**
     * @param buffer      holding the datagram.
     * @param offset      of the UDP header.
     * @param length      of header and data.
     * @param source      IPv4 source address.
     * @param destination IPv4 destination address.
     * @return the UDP checksum, with a computed zero sent as 0xFFFF (RFC 768: zero means "no checksum").
     */
    public static int udpChecksum(
        final DirectBuffer buffer, final int offset, final int length, final int source, final int destination)
    {
        final int checksum = transportChecksum(buffer, offset, length, 6, source, destination, 17);
        return checksum == 0 ? 0xFFFF : checksum;
    }

    /**
     * @param buffer      holding the segment.
     * @param offset      of the TCP header.
     * @param length      of header and data.
     * @param source      IPv4 source address.
     * @param destination IPv4 destination address.
     * @return the TCP checksum.
     */
    public static int tcpChecksum(
        final DirectBuffer buffer, final int offset, final int length, final int source, final int destination)
    {
        return transportChecksum(buffer, offset, length, 16, source, destination, 6);
    }

    /**
     * Update a checksum for one 16-bit field changed from {@code oldValue} to {@code newValue}: RFC 1624 equation 3,
     * {@code HC' = ~(~HC + ~m + m')}, which avoids the -0 result of the older equation.
     *
     * @param checksum the checksum before the change.
     * @param oldValue the field's old 16-bit value.
     * @param newValue the field's new 16-bit value.
     * @return the checksum after the change.
     */
    public static int update16(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * Update a checksum for a 32-bit field (an IPv4 address) changed from {@code oldValue} to {@code newValue}.
     *
     * @param checksum the checksum before the change.
     * @param oldValue the field's old value.
     * @param newValue the field's new value.
     * @return the checksum after the change.
     */
    public static int update32(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF) +
            (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF) +
            (newValue >>> 16 & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }
}
