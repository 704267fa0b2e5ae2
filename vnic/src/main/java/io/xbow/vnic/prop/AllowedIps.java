package io.xbow.vnic.prop;

import io.xbow.packet.address.Ipv4Address;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The addresses a link may send from under ip-nospoof (dladm {@code allowed-ips}): IPv4 and IPv6 addresses and
 * prefixes ({@code 192.168.10.0/24} allows the whole subnet, {@code 2001:db8:1::/64} a whole IPv6 one).
 * Immutable; {@link #contains} allocates nothing.
 */
public final class AllowedIps
{
    /** Most entries, as Solaris allows. */
    public static final int MAX_ENTRIES = 32;
    /** No address allowed. */
    public static final AllowedIps NONE = new AllowedIps(new int[0], new int[0], new long[0], new int[0]);

    private final int[] networks;
    private final int[] masks;
    /** IPv6 entries: high and low 64 bits of each network, two longs an entry, and each prefix length. */
    private final long[] networks6;
    private final int[] lengths6;

    private AllowedIps(final int[] networks, final int[] masks, final long[] networks6, final int[] lengths6)
    {
        this.networks = networks;
        this.masks = masks;
        this.networks6 = networks6;
        this.lengths6 = lengths6;
    }

    /**
     * @param text comma-separated addresses and prefixes.
     * @return the list.
     * @throws IllegalArgumentException naming the bad entry.
     */
    public static AllowedIps parse(final String text)
    {
        final String[] parts = (text == null ? "" : text).split(",", -1);
        if (parts.length > MAX_ENTRIES)
        {
            throw new IllegalArgumentException("invalid allowed-ips: at most " + MAX_ENTRIES + " addresses or prefixes");
        }
        final int[] networks = new int[parts.length];
        final int[] masks = new int[parts.length];
        final long[] networks6 = new long[2 * parts.length];
        final int[] lengths6 = new int[parts.length];
        int v4 = 0;
        int v6 = 0;
        for (int p = 0; p < parts.length; p++)
        {
            final String part = parts[p].trim();
            final int slash = part.indexOf('/');
            if (part.indexOf(':') >= 0)
            {
                parse6(part, slash, networks6, lengths6, v6++);
                continue;
            }
            final int i = v4++;
            try
            {
                final int address = Ipv4Address.parse(slash < 0 ? part : part.substring(0, slash));
                final int length = slash < 0 ? 32 : Integer.parseInt(part.substring(slash + 1));
                if (length < 0 || length > 32 || (slash >= 0 && !part.substring(slash + 1).matches("[0-9]{1,2}")))
                {
                    throw new IllegalArgumentException();
                }
                masks[i] = length == 0 ? 0 : -1 << (32 - length);
                if ((address & ~masks[i]) != 0)
                {
                    throw new IllegalArgumentException("invalid allowed-ips entry '" + part +
                        "': host bits set; did you mean " + Ipv4Address.format(address & masks[i]) + "/" + length + "?");
                }
                networks[i] = address;
            }
            catch (final IllegalArgumentException ex)
            {
                if (ex.getMessage() != null && ex.getMessage().startsWith("invalid allowed-ips"))
                {
                    throw ex;
                }
                throw new IllegalArgumentException("invalid allowed-ips entry '" + part +
                    "': must be an IPv4 or IPv6 address or prefix, for example 10.0.0.2, 192.168.10.0/24 or " +
                    "2001:db8::/64");
            }
        }
        return new AllowedIps(Arrays.copyOf(networks, v4), Arrays.copyOf(masks, v4),
            Arrays.copyOf(networks6, 2 * v6), Arrays.copyOf(lengths6, v6));
    }

    private static void parse6(final String part, final int slash, final long[] networks6, final int[] lengths6,
        final int i)
    {
        final String text = slash < 0 ? part : part.substring(0, slash);
        final String bits = slash < 0 ? "128" : part.substring(slash + 1);
        final byte[] address;
        try
        {
            // A literal only (letters, digits, colons, dots): no name is ever looked up.
            if (!text.matches("[0-9A-Fa-f:.]+") || !bits.matches("[0-9]{1,3}"))
            {
                throw new IllegalArgumentException();
            }
            address = java.net.InetAddress.getByName(text).getAddress();
        }
        catch (final java.net.UnknownHostException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid allowed-ips entry '" + part +
                "': must be an IPv4 or IPv6 address or prefix, for example 10.0.0.2 or 2001:db8::/64");
        }
        final int length = Integer.parseInt(bits);
        if (address.length != 16 || length > 128)
        {
            throw new IllegalArgumentException("invalid allowed-ips entry '" + part +
                "': must be an IPv6 address or prefix of at most 128 bits");
        }
        final long hi = java.nio.ByteBuffer.wrap(address, 0, 8).getLong();
        final long lo = java.nio.ByteBuffer.wrap(address, 8, 8).getLong();
        if ((hi & ~mask(length, 0)) != 0 || (lo & ~mask(length, 64)) != 0)
        {
            throw new IllegalArgumentException("invalid allowed-ips entry '" + part + "': host bits set; did you " +
                "mean " + format6(hi & mask(length, 0), lo & mask(length, 64)) + "/" + length + "?");
        }
        networks6[2 * i] = hi;
        networks6[2 * i + 1] = lo;
        lengths6[i] = length;
    }

    /** The mask of a prefix of {@code length} bits over the 64 bits that start at bit {@code from}. */
    private static long mask(final int length, final int from)
    {
        final int bits = Math.max(0, Math.min(64, length - from));
        return bits == 0 ? 0 : -1L << (64 - bits);
    }

    /**
     * @param hi the address's high 64 bits.
     * @param lo its low 64 bits.
     * @return true if an IPv6 entry covers it.
     */
    public boolean contains6(final long hi, final long lo)
    {
        for (int i = 0; i < lengths6.length; i++)
        {
            final int length = lengths6[i];
            if ((hi & mask(length, 0)) == networks6[2 * i] && (lo & mask(length, 64)) == networks6[2 * i + 1])
            {
                return true;
            }
        }
        return false;
    }

    /** RFC 5952 text: lower case, the longest run of two or more zero groups as {@code ::}. */
    static String format6(final long hi, final long lo)
    {
        final int[] groups = new int[8];
        for (int g = 0; g < 8; g++)
        {
            groups[g] = (int)((g < 4 ? hi >>> (48 - 16 * g) : lo >>> (48 - 16 * (g - 4))) & 0xFFFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; )
        {
            if (groups[g] != 0)
            {
                g++;
                continue;
            }
            int end = g;
            while (end < 8 && groups[end] == 0)
            {
                end++;
            }
            if (end - g > bestLength)
            {
                bestStart = g;
                bestLength = end - g;
            }
            g = end;
        }
        final StringBuilder sb = new StringBuilder();
        for (int g = 0; g < 8; g++)
        {
            if (g == bestStart)
            {
                sb.append("::");
                g += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':')
            {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString();
    }

    /**
     * @param address an IPv4 address.
     * @return true if an entry covers it.
     */
    public boolean contains(final int address)
    {
        for (int i = 0; i < networks.length; i++)
        {
            if ((address & masks[i]) == networks[i])
            {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty()
    {
        return networks.length == 0 && lengths6.length == 0;
    }

    /**
     * @return the entries comma-separated, prefixes with their length; {@code --} when empty.
     */
    @Override
    public String toString()
    {
        if (isEmpty())
        {
            return "--";
        }
        final StringJoiner joiner = new StringJoiner(",");
        for (int i = 0; i < networks.length; i++)
        {
            final int length = Integer.bitCount(masks[i]);
            joiner.add(Ipv4Address.format(networks[i]) + (length == 32 ? "" : "/" + length));
        }
        for (int i = 0; i < lengths6.length; i++)
        {
            joiner.add(format6(networks6[2 * i], networks6[2 * i + 1]) + (lengths6[i] == 128 ? "" : "/" + lengths6[i]));
        }
        return joiner.toString();
    }
}
