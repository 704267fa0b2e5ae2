package io.xbow.vnic.link;

import io.xbow.vnic.datapath.VnicPort;
import io.xbow.vswitch.SwitchPort;

/**
 * A tagged view of a physical link ({@code dladm create-vlan}): the frames of one VLAN, untagged, with the
 * physical link's own MAC address. One per VLAN id per physical link.
 */
public final class VlanLink extends PortLink
{
    private final int vid;

    public VlanLink(
        final String name,
        final boolean temporary,
        final PhysicalLink over,
        final VnicPort port,
        final SwitchPort switchPort,
        final int vid)
    {
        super(name, LinkClass.VLAN, temporary, over, port, switchPort);
        this.vid = vid;
    }

    @Override
    public int vid()
    {
        return vid;
    }

    @Override
    public long mac()
    {
        return ((PhysicalLink)overLink()).primaryMac();
    }
}
