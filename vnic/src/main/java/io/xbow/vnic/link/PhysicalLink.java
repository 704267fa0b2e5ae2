package io.xbow.vnic.link;

import io.xbow.vnic.uplink.HostLinks;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.port.PluggableDevice;

/**
 * A link to the world outside the host: a host interface (attached by {@code hostif}) or, for tests, an in-memory
 * device. Its device is the switch's uplink, a trunk carrying every VLAN tagged and VLAN 1 untagged.
 */
public final class PhysicalLink extends SwitchLink
{
    private final SwitchPort uplink;
    private final long primaryMac;
    private final long[] factoryMacs;
    private final String[] factoryClients;
    private final long speedMbps;
    private final int defaultMtu;
    /** For a host interface: where its packet socket plugs in while links are over it; null otherwise. */
    private final PluggableDevice hostDevice;
    private HostLinks.Uplink opened;

    public PhysicalLink(
        final String name,
        final boolean temporary,
        final VirtualSwitch sw,
        final SwitchPort uplink,
        final int mtu,
        final long speedMbps,
        final long primaryMac,
        final long[] factoryMacs)
    {
        this(name, temporary, sw, uplink, mtu, speedMbps, primaryMac, factoryMacs, null);
    }

    /**
     * @param hostDevice for a host interface: the uplink port's device, into which the interface is plugged while
     *                   links are over it; null for a link whose device is fixed.
     */
    public PhysicalLink(
        final String name,
        final boolean temporary,
        final VirtualSwitch sw,
        final SwitchPort uplink,
        final int mtu,
        final long speedMbps,
        final long primaryMac,
        final long[] factoryMacs,
        final PluggableDevice hostDevice)
    {
        super(name, LinkClass.PHYS, temporary, sw, mtu);
        this.hostDevice = hostDevice;
        this.uplink = uplink;
        this.primaryMac = primaryMac;
        this.factoryMacs = factoryMacs.clone();
        this.factoryClients = new String[factoryMacs.length];
        this.speedMbps = speedMbps;
        this.defaultMtu = mtu;
    }

    /**
     * @return true for a host interface (opened while links are over it).
     */
    public boolean isHostInterface()
    {
        return hostDevice != null;
    }

    /**
     * @return the uplink port's device, for a host interface; else null.
     */
    public PluggableDevice hostDevice()
    {
        return hostDevice;
    }

    /**
     * @return the open host interface, or null while nothing is over the link. For the registry only.
     */
    public HostLinks.Uplink opened()
    {
        return opened;
    }

    /** For the registry only. */
    public void opened(final HostLinks.Uplink uplink)
    {
        this.opened = uplink;
    }

    /**
     * @return the switch port of the host interface.
     */
    public SwitchPort uplink()
    {
        return uplink;
    }

    /**
     * @return the interface's own MAC address (VLAN links over it use it).
     */
    public long primaryMac()
    {
        return primaryMac;
    }

    /**
     * @return the factory MAC addresses, slot 1 first.
     */
    public long[] factoryMacs()
    {
        return factoryMacs.clone();
    }

    /**
     * @param slot 1 and up.
     * @return the VNIC using the slot, or null if it is free.
     */
    public String factoryClient(final int slot)
    {
        return factoryClients[slot - 1];
    }

    /**
     * For the registry only.
     *
     * @param slot   1 and up.
     * @param client the VNIC taking it, or null to free it.
     */
    public void factoryClient(final int slot, final String client)
    {
        factoryClients[slot - 1] = client;
    }

    @Override
    public int defaultMtu()
    {
        return defaultMtu;
    }

    /**
     * @return {@code down} once its device failed (a host interface that was deleted under xbow: the switch took
     *         the uplink out of service), else {@code up}.
     */
    @Override
    public String state()
    {
        return uplink.failed() ? "down" : "up";
    }

    @Override
    public long speedMbps()
    {
        return speedMbps;
    }
}
