package io.xbow.vnic.prop;

import io.xbow.packet.address.Ipv4Address;

import java.util.StringJoiner;

/**
 * The addresses a link may send from under ip-nospoof (dladm {@code allowed-ips}): IPv4 addresses and prefixes
 * ({@code 192.168.10.0/24} allows the whole subnet). Immutable; {@link #contains} allocates nothing.
 */
public final class AllowedIps
{
    /** Most entries, as Solaris allows. */
    public static final int MAX_ENTRIES = 32;
    /** No address allowed. */
    public static final AllowedIps NONE = new AllowedIps(new int[0], new int[0]);

    private final int[] networks;
    private final int[] masks;

    private AllowedIps(final int[] networks, final int[] masks)
    {
        this.networks = networks;
        this.masks = masks;
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
        for (int i = 0; i < parts.length; i++)
        {
            final String part = parts[i].trim();
            final int slash = part.indexOf('/');
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
                    "': must be an IPv4 address or prefix, for example 10.0.0.2 or 192.168.10.0/24");
            }
        }
        return new AllowedIps(networks, masks);
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
        return networks.length == 0;
    }

    /**
     * @return the entries comma-separated, prefixes with their length; {@code --} when empty.
     */
    @Override
    public String toString()
    {
        if (networks.length == 0)
        {
            return "--";
        }
        final StringJoiner joiner = new StringJoiner(",");
        for (int i = 0; i < networks.length; i++)
        {
            final int length = Integer.bitCount(masks[i]);
            joiner.add(Ipv4Address.format(networks[i]) + (length == 32 ? "" : "/" + length));
        }
        return joiner.toString();
    }
}
