package io.xbow.vnic;

import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.link.PhysicalLink;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vnic.mac.MacType;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Chooses VNIC MAC addresses: fixed, a physical link's factory slots, or random with a prefix; never one another
 * link over the same link uses (nor the physical link's own). Called with the link registry's lock held.
 */
final class MacAllocator
{
    private static final int MAX_RANDOM_TRIES = 1000;

    private final SplittableRandom random;
    private final Function<SwitchLink, List<PortLink>> portLinksOver;

    /**
     * A chosen address and how it was chosen.
     *
     * @param mac  the address.
     * @param type its MAC type (fixed, random, factory slot).
     */
    record Chosen(long mac, MacType type)
    {
    }

    /**
     * @param random        source of random addresses.
     * @param portLinksOver the VNICs and VLAN links over a link, as they are now.
     */
    MacAllocator(final SplittableRandom random, final Function<SwitchLink, List<PortLink>> portLinksOver)
    {
        this.random = random;
        this.portLinksOver = portLinksOver;
    }


    /**
     * Choose a MAC for a VNIC over a link, as its spec asks.
     *
     * @param under the link the VNIC is (or will be) over.
     * @param spec  fixed, factory (slot), auto, random (with a prefix).
     * @param self  the VNIC, when it is changing its own MAC (its current address counts as free), or null.
     * @return the address and how it was chosen.
     * @throws LinkException when the address is in use or none is free.
     */
    Chosen choose(final SwitchLink under, final MacSpec spec, final Vnic self)
    {
        switch (spec.kind())
        {
            case FIXED:
                checkMacFree(under, spec.mac(), self);
                return new Chosen(spec.mac(), MacType.FIXED);
            case FACTORY:
                return factoryMac(under, spec.slot(), self, true);
            case AUTO:
            {
                final Chosen factory = factoryMac(under, 0, self, false);
                if (factory != null)
                {
                    return factory;
                }
                return new Chosen(randomMac(under, spec, self), MacType.RANDOM);
            }
            default:
                if (spec.mac() != 0)
                {
                    checkMacFree(under, spec.mac(), self);
                    return new Chosen(spec.mac(), MacType.RANDOM);
                }
                return new Chosen(randomMac(under, spec, self), MacType.RANDOM);
        }
    }

    private Chosen factoryMac(final SwitchLink under, final int slot, final Vnic self, final boolean required)
    {
        final long[] factory = under instanceof PhysicalLink ? ((PhysicalLink)under).factoryMacs() : new long[0];
        if (factory.length == 0)
        {
            if (!required)
            {
                return null;
            }
            throw new LinkException(under.name() + " has no factory MAC addresses");
        }
        final PhysicalLink phys = (PhysicalLink)under;
        if (slot > factory.length)
        {
            throw new LinkException("invalid factory slot " + slot + ": " + under.name() + " has slots 1-" +
                factory.length);
        }
        for (int s = slot == 0 ? 1 : slot; s <= (slot == 0 ? factory.length : slot); s++)
        {
            final String client = phys.factoryClient(s);
            if (client == null || (self != null && client.equals(self.name())))
            {
                checkMacFree(under, factory[s - 1], self);
                return new Chosen(factory[s - 1], MacType.factory(s));
            }
        }
        if (!required)
        {
            return null;
        }
        throw new LinkException(slot == 0 ? "no free factory MAC address on " + under.name() :
            "factory slot " + slot + " of " + under.name() + " is in use by " + phys.factoryClient(slot));
    }

    private long randomMac(final SwitchLink under, final MacSpec spec, final Vnic self)
    {
        final int randomBits = 8 * (6 - spec.prefixOctets());
        final long randomMask = (1L << randomBits) - 1;
        for (int attempt = 0; attempt < MAX_RANDOM_TRIES; attempt++)
        {
            final long mac = spec.prefix() | (random.nextLong() & randomMask);
            if (MacAddress.isValidUnicast(mac) && !macInUse(under, mac, self))
            {
                return mac;
            }
        }
        throw new LinkException("no free random MAC address with prefix " +
            MacAddress.formatDladm(spec.prefix()) + " on " + under.name());
    }

    private void checkMacFree(final SwitchLink under, final long mac, final Vnic self)
    {
        if (macInUse(under, mac, self))
        {
            throw new LinkException("MAC address " + MacAddress.formatDladm(mac) + " is already in use on " +
                under.name() + " by " + macUser(under, mac));
        }
    }

    private boolean macInUse(final SwitchLink under, final long mac, final Vnic self)
    {
        return macUser(under, mac) != null && (self == null || !macUser(under, mac).equals(self.name()));
    }

    private String macUser(final SwitchLink under, final long mac)
    {
        if (under instanceof PhysicalLink && ((PhysicalLink)under).primaryMac() == mac)
        {
            return under.name();
        }
        for (final PortLink link : portLinksOver.apply(under))
        {
            if (link instanceof Vnic && link.mac() == mac)
            {
                return link.name();
            }
        }
        return null;
    }
}
