package io.xbow.packet.address;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * 48-bit MAC addresses held in the low bits of a {@code long}, first octet most significant, so that a table key
 * or a comparison costs no object. Parses and formats both the usual form ({@code 00:16:3e:64:99:4d}) and dladm's
 * ({@code 0:16:3e:64:99:4d}: no leading zeros in an octet).
 */
public final class MacAddress
{
    /** ff:ff:ff:ff:ff:ff */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** The Xen OUI, 00:16:3e, in the top three octets. */
    public static final long XEN_OUI = 0x00_16_3E_00_00_00L;
    private static final long GROUP_BIT = 1L << 40;
    private static final long LOCAL_BIT = 2L << 40;
    private static final long MASK = 0xFFFF_FFFF_FFFFL;

    private MacAddress()
    {
    }

    /**
     * Parse six hex octets separated by colons, each one or two digits: {@code 0:16:3e:64:99:4d} or
     * {@code 00:16:3E:64:99:4D}. Dashes are accepted in place of colons, as Windows and some switches print them.
     *
     * @param text the address.
     * @return the address.
     * @throws IllegalArgumentException naming the text if it is not a MAC address.
     */
    public static long parse(final String text)
    {
        if (text == null)
        {
            throw new IllegalArgumentException("invalid MAC address: none given");
        }
        long mac = 0;
        int octets = 0;
        int digits = 0;
        int octet = 0;
        char separator = 0;
        for (int i = 0, n = text.length(); i < n; i++)
        {
            final char c = text.charAt(i);
            final int digit = Character.digit(c, 16);
            if (digit >= 0 && c < 128)
            {
                if (++digits > 2)
                {
                    throw invalid(text);
                }
                octet = octet << 4 | digit;
            }
            else if ((c == ':' || c == '-') && digits > 0 && (separator == 0 || separator == c))
            {
                separator = c;
                mac = mac << 8 | octet;
                octets++;
                digits = 0;
                octet = 0;
            }
            else
            {
                throw invalid(text);
            }
        }
        if (digits == 0 || octets != 5)
        {
            throw invalid(text);
        }
        return mac << 8 | octet;
    }

    /**
     * @param mac an address.
     * @return the usual form, two lower-case hex digits an octet: {@code 00:16:3e:64:99:4d}.
     */
    public static String format(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /**
     * @param mac an address.
     * @return dladm's form, without leading zeros in an octet: {@code 0:16:3e:64:99:4d}.
     */
    public static String formatDladm(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            sb.append(Integer.toHexString((int)(mac >>> shift) & 0xFF));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /**
     * @param buffer holding the address in network order.
     * @param offset of its first octet.
     * @return the address.
     */
    public static long read(final DirectBuffer buffer, final int offset)
    {
        return ((long)buffer.getInt(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL) << 16 |
            (buffer.getShort(offset + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    /**
     * @param buffer to write the address into, in network order.
     * @param offset of its first octet.
     * @param mac    the address.
     */
    public static void write(final MutableDirectBuffer buffer, final int offset, final long mac)
    {
        buffer.putInt(offset, (int)(mac >>> 16), ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + 4, (short)mac, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param mac an address.
     * @return true for group addresses (multicast and broadcast): the I/G bit of the first octet.
     */
    public static boolean isMulticast(final long mac)
    {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * @param mac an address.
     * @return whether it is one of IEEE 802.1D's reserved group addresses, 01:80:c2:00:00:00 to 01:80:c2:00:00:0f,
     *         which no bridge forwards.
     */
    public static boolean isBridgeReserved(final long mac)
    {
        return (mac & ~0xFL) == 0x0180C2000000L;
    }

    public static boolean isBroadcast(final long mac)
    {
        return (mac & MASK) == BROADCAST;
    }

    /**
     * @param mac an address.
     * @return true if the U/L bit marks it locally administered.
     */
    public static boolean isLocallyAdministered(final long mac)
    {
        return (mac & LOCAL_BIT) != 0;
    }

    /**
     * @param mac an address.
     * @return true if the address may be a frame's source or a port's own: not group, not all zeros.
     */
    public static boolean isValidUnicast(final long mac)
    {
        return (mac & GROUP_BIT) == 0 && (mac & MASK) != 0;
    }

    private static IllegalArgumentException invalid(final String text)
    {
        return new IllegalArgumentException("invalid MAC address '" + text + "'");
    }
}
