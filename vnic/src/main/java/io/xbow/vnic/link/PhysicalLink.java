package io.xbow.vnic.link;

import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;

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
        super(name, LinkClass.PHYS, temporary, sw, mtu);
        this.uplink = uplink;
        this.primaryMac = primaryMac;
        this.factoryMacs = factoryMacs.clone();
        this.factoryClients = new String[factoryMacs.length];
        this.speedMbps = speedMbps;
        this.defaultMtu = mtu;
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

    @Override
    public String state()
    {
        return "up";
    }

    @Override
    public long speedMbps()
    {
        return speedMbps;
    }
}
