package io.xbow.vnic;

import io.xbow.vnic.datapath.VnicPolicy;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.prop.AllowedDhcpCids;
import io.xbow.vnic.prop.AllowedIps;
import io.xbow.vnic.prop.Bandwidth;
import io.xbow.vnic.prop.LinkProperty;
import io.xbow.vnic.prop.Priority;
import io.xbow.vnic.prop.Protection;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A port link's settable properties, immutable: parsed and checked in full before any is applied.
 *
 * @param over            the link it is over (bounds its MTU).
 * @param maxbwBps        bandwidth cap, 0 for none.
 * @param prioritySetting priority as set, or null for the default.
 * @param mtu             MTU as set, or null for the link's.
 * @param protection      protection modes.
 * @param allowedIps      addresses allowed under ip-nospoof.
 * @param allowedDhcpCids client ids allowed under dhcp-nospoof.
 */
record PortSettings(
    SwitchLink over, long maxbwBps, Priority prioritySetting, Integer mtu, Set<Protection> protection,
    AllowedIps allowedIps, AllowedDhcpCids allowedDhcpCids)
{
    /**
     * @param over the link a new VNIC is over.
     * @return every property at its default.
     */
    static PortSettings defaults(final SwitchLink over)
    {
        return new PortSettings(over, 0, null, null, EnumSet.noneOf(Protection.class), AllowedIps.NONE,
            AllowedDhcpCids.NONE);
    }

    static PortSettings of(final PortLink link)
    {
        return new PortSettings(link.overLink(), link.maxbwBps(), link.prioritySetting(), link.mtuSetting(),
            link.protection(), link.allowedIps(), link.allowedDhcpCids());
    }

    PortSettings with(final String linkName, final Map<String, String> values)
    {
        PortSettings s = this;
        for (final Map.Entry<String, String> entry : values.entrySet())
        {
            final LinkProperty property = LinkProperty.of(entry.getKey());
            if (property == null || !property.isWritable())
            {
                throw LinkException.notFound("link property '" + entry.getKey() + "' not found or read-only on " +
                    linkName);
            }
            final String value = entry.getValue();
            switch (property)
            {
                case MAXBW: s = s.maxbw(Bandwidth.parse(value)); break;
                case PRIORITY: s = s.priority(Priority.parse(value)); break;
                case MTU: s = s.mtu(LinkProperties.parseMtu(value, over.mtu())); break;
                case PROTECTION: s = s.protection(Protection.parse(value)); break;
                case ALLOWED_IPS: s = s.allowedIps(AllowedIps.parse(value)); break;
                case ALLOWED_DHCP_CIDS: s = s.allowedDhcpCids(AllowedDhcpCids.parse(value)); break;
                case ZONE: break; // the registry gives the link its host interface
                default: throw new IllegalStateException("property " + property.label() + " has no setting");
            }
        }
        return s;
    }

    PortSettings reset(final LinkProperty property)
    {
        final PortSettings defaults = defaults(over);
        switch (property)
        {
            case MAXBW: return maxbw(defaults.maxbwBps);
            case PRIORITY: return priority(defaults.prioritySetting);
            case MTU: return mtu(defaults.mtu);
            case PROTECTION: return protection(defaults.protection);
            case ALLOWED_IPS: return allowedIps(defaults.allowedIps);
            case ALLOWED_DHCP_CIDS: return allowedDhcpCids(defaults.allowedDhcpCids);
            case ZONE: return this;
            default: throw new IllegalStateException("property " + property.label() + " has no setting");
        }
    }

    private PortSettings maxbw(final long bps)
    {
        return new PortSettings(over, bps, prioritySetting, mtu, protection, allowedIps, allowedDhcpCids);
    }

    private PortSettings priority(final Priority value)
    {
        return new PortSettings(over, maxbwBps, value, mtu, protection, allowedIps, allowedDhcpCids);
    }

    private PortSettings mtu(final Integer value)
    {
        return new PortSettings(over, maxbwBps, prioritySetting, value, protection, allowedIps, allowedDhcpCids);
    }

    private PortSettings protection(final Set<Protection> value)
    {
        return new PortSettings(over, maxbwBps, prioritySetting, mtu, value, allowedIps, allowedDhcpCids);
    }

    private PortSettings allowedIps(final AllowedIps value)
    {
        return new PortSettings(over, maxbwBps, prioritySetting, mtu, protection, value, allowedDhcpCids);
    }

    private PortSettings allowedDhcpCids(final AllowedDhcpCids value)
    {
        return new PortSettings(over, maxbwBps, prioritySetting, mtu, protection, allowedIps, value);
    }

    Priority priority()
    {
        return prioritySetting == null ? Priority.DEFAULT : prioritySetting;
    }

    VnicPolicy policy(final long mac, final SwitchLink under)
    {
        return new VnicPolicy(mac, protection, allowedIps, allowedDhcpCids, mtu == null ? under.mtu() : mtu,
            maxbwBps);
    }

    void applyTo(final PortLink link)
    {
        link.properties(maxbwBps, prioritySetting, mtu, protection, allowedIps, allowedDhcpCids);
    }
}
