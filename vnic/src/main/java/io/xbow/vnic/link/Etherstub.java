package io.xbow.vnic.link;

import io.xbow.vswitch.VirtualSwitch;

/**
 * A virtual switch with no physical link: a purely virtual network for the VNICs over it.
 */
public final class Etherstub extends SwitchLink
{
    /** An etherstub's MTU when none is set, as in illumos. */
    public static final int DEFAULT_MTU = 9000;

    public Etherstub(final String name, final boolean temporary, final VirtualSwitch sw)
    {
        super(name, LinkClass.ETHERSTUB, temporary, sw, DEFAULT_MTU);
    }

    @Override
    public int defaultMtu()
    {
        return DEFAULT_MTU;
    }

    @Override
    public String state()
    {
        return "unknown";
    }

    @Override
    public long speedMbps()
    {
        return 0;
    }
}
