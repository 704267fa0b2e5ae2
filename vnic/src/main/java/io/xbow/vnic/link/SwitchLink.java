package io.xbow.vnic.link;

import io.xbow.vswitch.VirtualSwitch;

/**
 * A link that owns a virtual switch: a physical link or an etherstub. VNICs and VLAN links over it are ports of
 * its switch.
 */
public abstract sealed class SwitchLink extends Link permits PhysicalLink, Etherstub
{
    private final VirtualSwitch sw;
    private volatile int mtu;

    SwitchLink(final String name, final LinkClass linkClass, final boolean temporary, final VirtualSwitch sw,
        final int mtu)
    {
        super(name, linkClass, temporary);
        this.sw = sw;
        this.mtu = mtu;
    }

    /**
     * @return the link's switch.
     */
    public VirtualSwitch switchOf()
    {
        return sw;
    }

    @Override
    public int mtu()
    {
        return mtu;
    }

    /**
     * For the registry only.
     *
     * @param mtu the new MTU.
     */
    public void mtu(final int mtu)
    {
        this.mtu = mtu;
    }

    /**
     * @return the MTU the link has when none is set.
     */
    public abstract int defaultMtu();

    @Override
    public String over()
    {
        return "--";
    }
}
