package io.xbow.vnic.link;

import io.xbow.vnic.datapath.VnicPort;
import io.xbow.vnic.mac.MacType;
import io.xbow.vswitch.SwitchPort;

/**
 * A virtual NIC over a physical link or an etherstub: one port of that link's switch, with its own MAC address,
 * an optional VLAN id (the VNIC is then an access port of that VLAN: its guest sees untagged frames) and
 * properties.
 */
public final class Vnic extends PortLink
{
    private volatile long mac;
    private volatile MacType macType;
    private volatile int vid;

    public Vnic(
        final String name,
        final boolean temporary,
        final SwitchLink over,
        final VnicPort port,
        final SwitchPort switchPort,
        final long mac,
        final MacType macType,
        final int vid)
    {
        super(name, LinkClass.VNIC, temporary, over, port, switchPort);
        this.mac = mac;
        this.macType = macType;
        this.vid = vid;
    }

    @Override
    public long mac()
    {
        return mac;
    }

    /**
     * @return the MACADDRTYPE column.
     */
    public MacType macType()
    {
        return macType;
    }

    @Override
    public int vid()
    {
        return vid;
    }

    /** For the registry only. */
    public void address(final long mac, final MacType macType, final int vid)
    {
        this.mac = mac;
        this.macType = macType;
        this.vid = vid;
    }
}
