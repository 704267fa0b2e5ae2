package io.xbow.vnic.prop;

import io.xbow.packet.address.MacAddress;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The DHCP client identifiers a link may use under dhcp-nospoof besides those its MAC gives it (dladm
 * {@code allowed-dhcp-cids}), written as illumos takes them, comma-separated:
 * <ul>
 *   <li>{@code 0x} and hex digits: the identifier's bytes as sent (a DHCPv4 client-identifier option's value, or
 *   a DHCPv6 DUID);</li>
 *   <li>{@code 1.HWTYPE.TIME.LLADDR} (DUID-LLT), {@code 2.ENTERPRISE.HEX} (DUID-EN), {@code 3.HWTYPE.LLADDR}
 *   (DUID-LL), RFC 8415: the DUID a DHCPv6 client sends, or a DHCPv4 client sends inside an RFC 4361 identifier
 *   (type 255, an IAID, the DUID); LLADDR as a MAC ({@code 0:16:3e:1:2:3});</li>
 *   <li>anything else: a text identifier, its bytes as the option's value (or after a type 0 byte, RFC 2132).</li>
 * </ul>
 * Immutable; the matching methods run on the datapath and allocate nothing.
 */
public final class AllowedDhcpCids
{
    /** At most this many identifiers, as illumos ({@code MPT_MAXCID}). */
    public static final int MAX_CIDS = 32;
    /** A DHCPv4 option carries at most 255 bytes; a DUID at most 130 (RFC 8415); one bound for both. */
    public static final int MAX_LENGTH = 255;
    public static final AllowedDhcpCids NONE = new AllowedDhcpCids(new Cid[0]);

    private enum Kind
    {
        RAW, DUID, TEXT
    }

    private record Cid(Kind kind, byte[] bytes, String text)
    {
    }

    private final Cid[] cids;

    private AllowedDhcpCids(final Cid[] cids)
    {
        this.cids = cids;
    }

    /**
     * @param text comma-separated identifiers.
     * @return the set, duplicates removed, in the order given.
     * @throws IllegalArgumentException naming the entry that is not valid.
     */
    public static AllowedDhcpCids parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("invalid allowed-dhcp-cids: empty (use reset-linkprop to clear it)");
        }
        final Set<String> seen = new LinkedHashSet<>();
        final List<Cid> parsed = new ArrayList<>();
        for (final String part : text.split(",", -1))
        {
            final Cid cid = parseOne(part.trim());
            if (seen.add(cid.text))
            {
                parsed.add(cid);
            }
        }
        if (parsed.size() > MAX_CIDS)
        {
            throw new IllegalArgumentException("invalid allowed-dhcp-cids: at most " + MAX_CIDS + " client ids");
        }
        return new AllowedDhcpCids(parsed.toArray(new Cid[0]));
    }

    private static Cid parseOne(final String part)
    {
        if (part.isEmpty())
        {
            throw invalid(part, "empty entry");
        }
        if (part.startsWith("0x") || part.startsWith("0X"))
        {
            final String hex = part.substring(2).toLowerCase(Locale.ROOT);
            final byte[] bytes = hexBytes(part, hex);
            return new Cid(Kind.RAW, bytes, "0x" + hex);
        }
        final String[] fields = part.split("\\.", -1);
        if (fields.length >= 2 && (fields[0].equals("1") || fields[0].equals("2") || fields[0].equals("3")))
        {
            return parseDuid(part, fields);
        }
        final byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_LENGTH)
        {
            throw invalid(part, "longer than " + MAX_LENGTH + " bytes");
        }
        for (int i = 0; i < part.length(); i++)
        {
            final char c = part.charAt(i);
            if (c < 0x21 || c > 0x7E)
            {
                throw invalid(part, "a text client id is printable ASCII without spaces");
            }
        }
        return new Cid(Kind.TEXT, bytes, part);
    }

    private static Cid parseDuid(final String part, final String[] fields)
    {
        final int type = Integer.parseInt(fields[0]);
        final byte[] duid;
        final String normal;
        switch (type)
        {
            case 1:
            {
                if (fields.length != 4)
                {
                    throw invalid(part, "DUID-LLT is 1.HWTYPE.TIME.LLADDR");
                }
                final int hwtype = number(part, fields[1], 0xFFFF, "hardware type");
                final long time = number(part, fields[2], 0xFFFF_FFFFL, "time");
                final long mac = mac(part, fields[3]);
                duid = new byte[2 + 2 + 4 + 6];
                putShort(duid, 0, 1);
                putShort(duid, 2, hwtype);
                putShort(duid, 4, (int)(time >>> 16));
                putShort(duid, 6, (int)time);
                putMac(duid, 8, mac);
                normal = "1." + hwtype + "." + time + "." + MacAddress.formatDladm(mac);
                break;
            }
            case 2:
            {
                if (fields.length != 3)
                {
                    throw invalid(part, "DUID-EN is 2.ENTERPRISE.HEX");
                }
                final long enterprise = number(part, fields[1], 0xFFFF_FFFFL, "enterprise number");
                final String hex = fields[2].toLowerCase(Locale.ROOT);
                final byte[] id = hexBytes(part, hex);
                duid = new byte[2 + 4 + id.length];
                putShort(duid, 0, 2);
                putShort(duid, 2, (int)(enterprise >>> 16));
                putShort(duid, 4, (int)enterprise);
                System.arraycopy(id, 0, duid, 6, id.length);
                normal = "2." + enterprise + "." + hex;
                break;
            }
            default:
            {
                if (fields.length != 3)
                {
                    throw invalid(part, "DUID-LL is 3.HWTYPE.LLADDR");
                }
                final int hwtype = number(part, fields[1], 0xFFFF, "hardware type");
                final long mac = mac(part, fields[2]);
                duid = new byte[2 + 2 + 6];
                putShort(duid, 0, 3);
                putShort(duid, 2, hwtype);
                putMac(duid, 4, mac);
                normal = "3." + hwtype + "." + MacAddress.formatDladm(mac);
            }
        }
        if (duid.length > MAX_LENGTH - 5)
        {
            throw invalid(part, "too long for a client identifier");
        }
        return new Cid(Kind.DUID, duid, normal);
    }

    private static byte[] hexBytes(final String part, final String hex)
    {
        if (hex.isEmpty() || hex.length() % 2 != 0 || hex.length() / 2 > MAX_LENGTH)
        {
            throw invalid(part, "an even number of hex digits, 2 to " + 2 * MAX_LENGTH);
        }
        try
        {
            return HexFormat.of().parseHex(hex);
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(part, "not hex digits");
        }
    }

    private static int number(final String part, final String text, final int max, final String what)
    {
        return (int)number(part, text, (long)max, what);
    }

    private static long number(final String part, final String text, final long max, final String what)
    {
        try
        {
            final long value = Long.parseLong(text);
            if (value >= 0 && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw invalid(part, what + " must be 0-" + max);
    }

    private static long mac(final String part, final String text)
    {
        try
        {
            return MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(part, "'" + text + "' is not a MAC address");
        }
    }

    private static void putShort(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)(value >>> 8);
        bytes[at + 1] = (byte)value;
    }

    private static void putMac(final byte[] bytes, final int at, final long mac)
    {
        for (int i = 0; i < 6; i++)
        {
            bytes[at + i] = (byte)(mac >>> (8 * (5 - i)));
        }
    }

    private static IllegalArgumentException invalid(final String part, final String why)
    {
        return new IllegalArgumentException("invalid allowed-dhcp-cids entry '" + part + "': " + why);
    }

    /**
     * @return true when no identifier is allowed beyond the MAC's own.
     */
    public boolean isEmpty()
    {
        return cids.length == 0;
    }

    /**
     * A DHCPv4 client-identifier option's value (option 61, RFC 2132) names an allowed client.
     *
     * @param buffer holding the option.
     * @param value  offset of the value (after code and length).
     * @param length the value's length.
     * @return true if allowed.
     */
    public boolean matchesDhcpv4(final DirectBuffer buffer, final int value, final int length)
    {
        for (final Cid cid : cids)
        {
            switch (cid.kind)
            {
                case RAW:
                    if (equal(buffer, value, length, cid.bytes))
                    {
                        return true;
                    }
                    break;
                case DUID:
                    // RFC 4361: type 255, a 4-byte IAID, then the DUID.
                    if (length > 5 && (buffer.getByte(value) & 0xFF) == 255 &&
                        equal(buffer, value + 5, length - 5, cid.bytes))
                    {
                        return true;
                    }
                    break;
                default:
                    if (equal(buffer, value, length, cid.bytes) ||
                        (length > 1 && buffer.getByte(value) == 0 && equal(buffer, value + 1, length - 1, cid.bytes)))
                    {
                        return true;
                    }
            }
        }
        return false;
    }

    /**
     * A DHCPv6 client's DUID (its OPTION_CLIENTID, RFC 8415) names an allowed client.
     *
     * @param buffer holding the DUID.
     * @param duid   its offset.
     * @param length its length.
     * @return true if allowed.
     */
    public boolean matchesDuid(final DirectBuffer buffer, final int duid, final int length)
    {
        for (final Cid cid : cids)
        {
            if (cid.kind != Kind.TEXT && equal(buffer, duid, length, cid.bytes))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean equal(final DirectBuffer buffer, final int at, final int length, final byte[] bytes)
    {
        if (length != bytes.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(at + i) != bytes[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the identifiers as show-linkprop prints them (normalised), or {@code --} for none.
     */
    @Override
    public String toString()
    {
        if (cids.length == 0)
        {
            return "--";
        }
        final StringBuilder text = new StringBuilder();
        for (final Cid cid : cids)
        {
            if (text.length() > 0)
            {
                text.append(',');
            }
            text.append(cid.text);
        }
        return text.toString();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof AllowedDhcpCids && toString().equals(other.toString());
    }

    @Override
    public int hashCode()
    {
        return toString().hashCode();
    }
}
