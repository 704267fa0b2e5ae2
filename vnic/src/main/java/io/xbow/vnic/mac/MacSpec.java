package io.xbow.vnic.mac;

import io.xbow.packet.address.MacAddress;

/**
 * How to choose a VNIC's MAC address, as {@code dladm create-vnic -m} says it:
 * <ul>
 *   <li>a literal unicast MAC: type {@code fixed};</li>
 *   <li>{@code random [-r prefix]}: random after the prefix (default {@code 2:8:20}, a locally administered
 *   OUI as dladm uses);</li>
 *   <li>{@code factory [-n slot]}: one of the link's factory addresses;</li>
 *   <li>{@code auto}: a free factory address if the link has one, else random; {@link #autoXen()} draws random
 *   addresses in the Xen OUI {@code 00:16:3e} instead, as Xen does for guests.</li>
 * </ul>
 *
 * @param kind   which way.
 * @param mac    the address for {@link Kind#FIXED}.
 * @param prefix the prefix octets for {@link Kind#RANDOM} and {@link Kind#AUTO}, high-aligned in a long.
 * @param prefixOctets how many octets the prefix has, 1 to 5.
 * @param slot   the factory slot for {@link Kind#FACTORY}, or 0 for any free one.
 */
public record MacSpec(Kind kind, long mac, long prefix, int prefixOctets, int slot)
{
    public enum Kind
    {
        FIXED, RANDOM, FACTORY, AUTO
    }

    /** dladm's default random prefix: Sun's OUI 0:8:20 with the locally administered bit set. */
    public static final String DEFAULT_RANDOM_PREFIX = "2:8:20";

    public static MacSpec fixed(final long mac)
    {
        if (!MacAddress.isValidUnicast(mac))
        {
            throw new IllegalArgumentException("invalid MAC address '" + MacAddress.formatDladm(mac) +
                "': must be unicast and not all zeros");
        }
        return new MacSpec(Kind.FIXED, mac, 0, 0, 0);
    }

    public static MacSpec random()
    {
        return random(DEFAULT_RANDOM_PREFIX);
    }

    /**
     * @param prefix one to five octets, for example {@code 2:8:20}; must not be a multicast prefix.
     * @return the spec.
     */
    public static MacSpec random(final String prefix)
    {
        final String[] octets = prefix == null ? new String[0] : prefix.split(":", -1);
        if (octets.length < 1 || octets.length > 5)
        {
            throw new IllegalArgumentException("invalid MAC prefix '" + prefix + "': must be 1 to 5 octets");
        }
        long value = 0;
        for (final String octet : octets)
        {
            if (!octet.matches("[0-9a-fA-F]{1,2}"))
            {
                throw new IllegalArgumentException("invalid MAC prefix '" + prefix + "': must be 1 to 5 octets");
            }
            value = value << 8 | Integer.parseInt(octet, 16);
        }
        final long aligned = value << (8 * (6 - octets.length));
        if (MacAddress.isMulticast(aligned))
        {
            throw new IllegalArgumentException("invalid MAC prefix '" + prefix + "': must not be multicast");
        }
        return new MacSpec(Kind.RANDOM, 0, aligned, octets.length, 0);
    }

    /**
     * @param mac a random address chosen before (read back from the configuration): kept, and shown as random.
     * @return the spec.
     */
    public static MacSpec restoredRandom(final long mac)
    {
        fixed(mac);
        return new MacSpec(Kind.RANDOM, mac, 0, 0, 0);
    }

    public static MacSpec factory(final int slot)
    {
        if (slot < 0)
        {
            throw new IllegalArgumentException("invalid factory slot " + slot);
        }
        return new MacSpec(Kind.FACTORY, 0, 0, 0, slot);
    }

    /**
     * @return auto: a free factory address, else random with dladm's default prefix.
     */
    public static MacSpec auto()
    {
        final MacSpec random = random();
        return new MacSpec(Kind.AUTO, 0, random.prefix, random.prefixOctets, 0);
    }

    /**
     * @return auto for a Xen guest: a free factory address, else random in the Xen OUI 00:16:3e.
     */
    public static MacSpec autoXen()
    {
        return new MacSpec(Kind.AUTO, 0, MacAddress.XEN_OUI, 3, 0);
    }

    /**
     * Read dladm's {@code -m} value.
     *
     * @param value  {@code auto}, {@code random}, {@code factory} or a MAC address.
     * @param prefix {@code -r} (random only), or null.
     * @param slot   {@code -n} (factory only), or null.
     * @return the spec.
     */
    public static MacSpec parse(final String value, final String prefix, final Integer slot)
    {
        final String v = value == null ? "auto" : value;
        if (prefix != null && !v.equals("random"))
        {
            throw new IllegalArgumentException("a MAC prefix (-r) goes only with -m random");
        }
        if (slot != null && !v.equals("factory"))
        {
            throw new IllegalArgumentException("a factory slot (-n) goes only with -m factory");
        }
        switch (v)
        {
            case "auto": return auto();
            case "random": return prefix == null ? random() : random(prefix);
            case "factory": return factory(slot == null ? 0 : slot);
            default: return fixed(MacAddress.parse(v));
        }
    }
}
