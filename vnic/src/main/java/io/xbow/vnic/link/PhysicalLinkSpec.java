package io.xbow.vnic.link;

import io.xbow.packet.address.MacAddress;

/**
 * What a physical link is: its MTU, speed, own MAC address and factory MAC addresses (slots for
 * {@code create-vnic -m factory}).
 *
 * @param mtu         MTU, 68 to 9000.
 * @param speedMbps   speed in Mb/s, as show-phys prints it.
 * @param primaryMac  the interface's own MAC.
 * @param factoryMacs factory addresses, slot 1 first; may be empty.
 */
public record PhysicalLinkSpec(int mtu, long speedMbps, long primaryMac, long[] factoryMacs)
{
    public PhysicalLinkSpec
    {
        if (mtu < 68 || mtu > 9000)
        {
            throw new IllegalArgumentException("invalid mtu " + mtu + ": must be 68-9000");
        }
        if (!MacAddress.isValidUnicast(primaryMac))
        {
            throw new IllegalArgumentException("invalid MAC address '" + MacAddress.formatDladm(primaryMac) + "'");
        }
        factoryMacs = factoryMacs.clone();
    }

    /**
     * @param primaryMac the interface's own MAC.
     * @return a 1500-MTU, 10 Gb/s link with no factory addresses.
     */
    public static PhysicalLinkSpec of(final long primaryMac)
    {
        return new PhysicalLinkSpec(1500, 10_000, primaryMac, new long[0]);
    }

    public PhysicalLinkSpec withFactoryMacs(final long... macs)
    {
        return new PhysicalLinkSpec(mtu, speedMbps, primaryMac, macs);
    }

    public PhysicalLinkSpec withMtu(final int newMtu)
    {
        return new PhysicalLinkSpec(newMtu, speedMbps, primaryMac, factoryMacs);
    }
}
