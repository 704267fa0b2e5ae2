package io.xbow.vnic.prop;

/**
 * The link properties xbow knows, with dladm's names and permissions.
 */
public enum LinkProperty
{
    MAXBW("maxbw", true),
    PRIORITY("priority", true),
    MTU("mtu", true),
    PROTECTION("protection", true),
    ALLOWED_IPS("allowed-ips", true),
    ALLOWED_DHCP_CIDS("allowed-dhcp-cids", true),
    /** Where the link is a network interface: {@code global}, the host itself (a TAP of the link's name). */
    ZONE("zone", true),
    STATE("state", false),
    SPEED("speed", false),
    OVER("over", false);

    private final String label;
    private final boolean writable;

    LinkProperty(final String label, final boolean writable)
    {
        this.label = label;
        this.writable = writable;
    }

    public String label()
    {
        return label;
    }

    public boolean isWritable()
    {
        return writable;
    }

    /**
     * @return {@code rw} or {@code ro}, the PERM column.
     */
    public String perm()
    {
        return writable ? "rw" : "ro";
    }

    /**
     * @param name a property name as dladm takes it.
     * @return the property, or null.
     */
    public static LinkProperty of(final String name)
    {
        for (final LinkProperty property : values())
        {
            if (property.label.equals(name))
            {
                return property;
            }
        }
        return null;
    }
}
