package io.xbow.vnic.prop;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Link protection modes (dladm {@code protection}), any combination.
 */
public enum Protection
{
    /** The source MAC of every outbound frame, and the sender MAC of ARP, must be the link's. */
    MAC_NOSPOOF("mac-nospoof"),
    /** Only IPv4, IPv6 and ARP frames may leave. */
    RESTRICTED("restricted"),
    /** The sender IPv4 address of IP and ARP frames must be in allowed-ips. */
    IP_NOSPOOF("ip-nospoof"),
    /** A DHCP client's chaddr and client identifier must be the link's MAC. */
    DHCP_NOSPOOF("dhcp-nospoof");

    /** The possible values as show-linkprop lists them. */
    public static final String POSSIBLE = "mac-nospoof,restricted,ip-nospoof,dhcp-nospoof";

    private final String label;

    Protection(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }

    /**
     * @param text comma-separated modes, for example {@code mac-nospoof,ip-nospoof}.
     * @return the modes.
     * @throws IllegalArgumentException naming the bad mode and saying what is allowed.
     */
    public static Set<Protection> parse(final String text)
    {
        final EnumSet<Protection> modes = EnumSet.noneOf(Protection.class);
        for (final String part : (text == null ? "" : text).split(",", -1))
        {
            final String mode = part.trim().toLowerCase(Locale.ROOT);
            Protection found = null;
            for (final Protection protection : values())
            {
                if (protection.label.equals(mode))
                {
                    found = protection;
                }
            }
            if (found == null)
            {
                throw new IllegalArgumentException(
                    "invalid protection '" + part.trim() + "': must be any of " + POSSIBLE + ", comma-separated");
            }
            modes.add(found);
        }
        return modes;
    }

    /**
     * @param modes a set of modes.
     * @return them comma-separated in the canonical order, or {@code --} for none.
     */
    public static String format(final Set<Protection> modes)
    {
        if (modes.isEmpty())
        {
            return "--";
        }
        final StringJoiner joiner = new StringJoiner(",");
        for (final Protection protection : values())
        {
            if (modes.contains(protection))
            {
                joiner.add(protection.label);
            }
        }
        return joiner.toString();
    }
}
