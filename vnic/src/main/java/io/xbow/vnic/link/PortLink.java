package io.xbow.vnic.link;

import io.xbow.vnic.datapath.VnicPort;
import io.xbow.vnic.prop.AllowedDhcpCids;
import io.xbow.vnic.prop.AllowedIps;
import io.xbow.vnic.uplink.HostLinks;
import io.xbow.vnic.prop.Priority;
import io.xbow.vnic.prop.Protection;
import io.xbow.vswitch.SwitchPort;

import java.util.EnumSet;
import java.util.Set;

/**
 * A link that is one port of another link's switch: a VNIC or a VLAN link. It carries the properties a port can
 * have (maxbw, priority, mtu, protection, allowed-ips, allowed-dhcp-cids); its datapath is a {@link VnicPort}.
 */
public abstract sealed class PortLink extends Link permits Vnic, VlanLink
{
    private final SwitchLink over;
    private final VnicPort port;
    private final SwitchPort switchPort;
    private volatile long maxbwBps;
    private volatile Priority priority;
    private volatile Integer mtu;
    private volatile Set<Protection> protection = EnumSet.noneOf(Protection.class);
    private volatile AllowedIps allowedIps = AllowedIps.NONE;
    private volatile AllowedDhcpCids allowedDhcpCids = AllowedDhcpCids.NONE;
    private volatile HostLinks.Uplink hostInterface;

    PortLink(
        final String name,
        final LinkClass linkClass,
        final boolean temporary,
        final SwitchLink over,
        final VnicPort port,
        final SwitchPort switchPort)
    {
        super(name, linkClass, temporary);
        this.over = over;
        this.port = port;
        this.switchPort = switchPort;
    }

    public SwitchLink overLink()
    {
        return over;
    }

    @Override
    public String over()
    {
        return over.name();
    }

    /**
     * @return the VNIC stages: policy, counters, the plugged device.
     */
    public VnicPort vnicPort()
    {
        return port;
    }

    /**
     * @return the port of the switch of the link this one is over.
     */
    public SwitchPort switchPort()
    {
        return switchPort;
    }

    /**
     * @return the VLAN id, or 0 for none (untagged: the default VLAN 1 inside the switch).
     */
    public abstract int vid();

    /**
     * @return the MAC address in use.
     */
    public abstract long mac();

    @Override
    public int mtu()
    {
        final Integer set = mtu;
        return set == null ? over.mtu() : set;
    }

    /**
     * @return the MTU set on this link, or null if it follows the link it is over.
     */
    public Integer mtuSetting()
    {
        return mtu;
    }

    /**
     * @return {@code down} when the link it is over is (a physical link whose interface went away), else {@code up}.
     */
    @Override
    public String state()
    {
        return "down".equals(over.state()) ? "down" : "up";
    }

    @Override
    public long speedMbps()
    {
        return over.speedMbps();
    }

    /** @return the cap in bits per second, 0 for none. */
    public long maxbwBps()
    {
        return maxbwBps;
    }

    /** @return the priority set, or null for the default. */
    public Priority prioritySetting()
    {
        return priority;
    }

    public Priority priority()
    {
        final Priority set = priority;
        return set == null ? Priority.DEFAULT : set;
    }

    public Set<Protection> protection()
    {
        return protection;
    }

    public AllowedIps allowedIps()
    {
        return allowedIps;
    }

    public AllowedDhcpCids allowedDhcpCids()
    {
        return allowedDhcpCids;
    }

    /**
     * @return the host interface of the link's name ({@code zone=global}), or null.
     */
    public HostLinks.Uplink hostInterface()
    {
        return hostInterface;
    }

    /** For the registry only. */
    public void hostInterface(final HostLinks.Uplink host)
    {
        this.hostInterface = host;
    }

    /** For the registry only. */
    public void properties(
        final long maxbwBps,
        final Priority priority,
        final Integer mtu,
        final Set<Protection> protection,
        final AllowedIps allowedIps,
        final AllowedDhcpCids allowedDhcpCids)
    {
        this.allowedDhcpCids = allowedDhcpCids;
        this.maxbwBps = maxbwBps;
        this.priority = priority;
        this.mtu = mtu;
        this.protection = protection.isEmpty() ? EnumSet.noneOf(Protection.class) : EnumSet.copyOf(protection);
        this.allowedIps = allowedIps;
    }
}
