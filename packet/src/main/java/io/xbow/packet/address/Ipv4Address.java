package io.xbow.packet.address;

/**
 * IPv4 addresses as {@code int}s in network order (first octet most significant), parsed from and formatted as
 * dotted quads.
 */
public final class Ipv4Address
{
    private Ipv4Address()
    {
    }

    /**
     * Parse a dotted quad strictly: four decimal octets 0-255, no leading zeros (which inet_aton would read as
     * octal, a classic source of surprises), no spaces.
     *
     * @param text the address, for example {@code 10.0.0.2}.
     * @return the address.
     * @throws IllegalArgumentException naming the text if it is not an IPv4 address.
     */
    public static int parse(final String text)
    {
        if (text == null)
        {
            throw new IllegalArgumentException("invalid IPv4 address: none given");
        }
        int address = 0;
        int octets = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0, n = text.length(); i <= n; i++)
        {
            final char c = i < n ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9')
            {
                if (digits == 1 && value == 0)
                {
                    throw invalid(text);
                }
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255)
                {
                    throw invalid(text);
                }
            }
            else if (c == '.' && digits > 0 && octets < 4)
            {
                address = address << 8 | value;
                octets++;
                value = 0;
                digits = 0;
            }
            else
            {
                throw invalid(text);
            }
        }
        if (octets != 4)
        {
            throw invalid(text);
        }
        return address;
    }

    /**
     * @param address an IPv4 address.
     * @return the dotted quad.
     */
    public static String format(final int address)
    {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." +
            (address & 0xFF);
    }

    private static IllegalArgumentException invalid(final String text)
    {
        return new IllegalArgumentException("invalid IPv4 address '" + text + "'");
    }
}
