package io.xbow.vnic.datapath;

import io.xbow.vnic.prop.AllowedDhcpCids;
import io.xbow.vnic.prop.AllowedIps;
import io.xbow.vnic.prop.Protection;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a VNIC's datapath enforces, as one immutable value: the control plane builds a new one for every property
 * change and publishes it with a single volatile write, so a change applies live, between two batches, and a batch
 * never sees half of one. Everything the datapath asks per frame is a final field.
 */
public final class VnicPolicy
{
    /** Shortest burst a limited link gets: two full-size frames, so that a frame never waits for an empty bucket. */
    private static final int MIN_BURST_FRAMES = 2;
    /** The burst scales with the rate: this much time at full rate. */
    private static final double BURST_SECONDS = 0.005;

    private final long mac;
    private final Set<Protection> protection;
    private final AllowedIps allowedIps;
    private final AllowedDhcpCids allowedDhcpCids;
    private final int mtu;
    private final long maxbwBps;
    private final boolean macNoSpoof;
    private final boolean ipNoSpoof;
    private final boolean dhcpNoSpoof;
    private final boolean restricted;
    private final boolean anyProtection;
    private final double bytesPerNs;
    private final double burstBytes;

    /**
     * @param mac        the VNIC's MAC address.
     * @param protection the protection modes in force.
     * @param allowedIps addresses the VNIC may send from under ip-nospoof.
     * @param mtu        the link's MTU; frames longer than MTU + 14 bytes of Ethernet header are dropped.
     * @param maxbwBps   bandwidth cap in bits per second, each direction; 0 for none.
     */
    public VnicPolicy(
        final long mac, final Set<Protection> protection, final AllowedIps allowedIps, final int mtu, final long maxbwBps)
    {
        this(mac, protection, allowedIps, AllowedDhcpCids.NONE, mtu, maxbwBps);
    }

    /**
     * @param mac              the VNIC's MAC address.
     * @param protection       the protection modes in force.
     * @param allowedIps       addresses the VNIC may send from under ip-nospoof.
     * @param allowedDhcpCids  DHCP client ids the VNIC may use under dhcp-nospoof, besides its MAC's own.
     * @param mtu              the link's MTU; frames longer than MTU + 14 bytes of Ethernet header are dropped.
     * @param maxbwBps         bandwidth cap in bits per second, each direction; 0 for none.
     */
    public VnicPolicy(
        final long mac, final Set<Protection> protection, final AllowedIps allowedIps,
        final AllowedDhcpCids allowedDhcpCids, final int mtu, final long maxbwBps)
    {
        this.mac = mac;
        this.allowedDhcpCids = allowedDhcpCids;
        this.protection = Collections.unmodifiableSet(
            protection.isEmpty() ? EnumSet.noneOf(Protection.class) : EnumSet.copyOf(protection));
        this.allowedIps = allowedIps;
        this.mtu = mtu;
        this.maxbwBps = maxbwBps;
        this.macNoSpoof = protection.contains(Protection.MAC_NOSPOOF);
        this.ipNoSpoof = protection.contains(Protection.IP_NOSPOOF);
        this.dhcpNoSpoof = protection.contains(Protection.DHCP_NOSPOOF);
        this.restricted = protection.contains(Protection.RESTRICTED);
        this.anyProtection = !protection.isEmpty();
        this.bytesPerNs = maxbwBps / 8e9;
        this.burstBytes = Math.max(MIN_BURST_FRAMES * (double)(mtu + 14), maxbwBps / 8.0 * BURST_SECONDS);
    }

    /**
     * @param mac the VNIC's MAC.
     * @param mtu its MTU.
     * @return a policy with no protection and no limit.
     */
    public static VnicPolicy open(final long mac, final int mtu)
    {
        return new VnicPolicy(mac, Set.of(), AllowedIps.NONE, mtu, 0);
    }

    public long mac()
    {
        return mac;
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

    public int mtu()
    {
        return mtu;
    }

    /**
     * @return the cap in bits per second, 0 for none.
     */
    public long maxbwBps()
    {
        return maxbwBps;
    }

    public boolean isLimited()
    {
        return maxbwBps > 0;
    }

    public boolean macNoSpoof()
    {
        return macNoSpoof;
    }

    public boolean ipNoSpoof()
    {
        return ipNoSpoof;
    }

    public boolean dhcpNoSpoof()
    {
        return dhcpNoSpoof;
    }

    public boolean restricted()
    {
        return restricted;
    }

    public boolean anyProtection()
    {
        return anyProtection;
    }

    /**
     * @return the longest frame the link passes: MTU plus the Ethernet header.
     */
    public int maxFrameLength()
    {
        return mtu + 14;
    }

    /**
     * @return the token bucket's fill rate.
     */
    public double bytesPerNs()
    {
        return bytesPerNs;
    }

    /**
     * @return the token bucket's size: 5 ms at the rate, and never less than two full-size frames.
     */
    public double burstBytes()
    {
        return burstBytes;
    }

    public VnicPolicy withMac(final long newMac)
    {
        return new VnicPolicy(newMac, protection, allowedIps, allowedDhcpCids, mtu, maxbwBps);
    }

    public VnicPolicy withProtection(final Set<Protection> modes)
    {
        return new VnicPolicy(mac, modes, allowedIps, allowedDhcpCids, mtu, maxbwBps);
    }

    public VnicPolicy withAllowedIps(final AllowedIps ips)
    {
        return new VnicPolicy(mac, protection, ips, allowedDhcpCids, mtu, maxbwBps);
    }

    public VnicPolicy withMtu(final int newMtu)
    {
        return new VnicPolicy(mac, protection, allowedIps, allowedDhcpCids, newMtu, maxbwBps);
    }

    public VnicPolicy withMaxbw(final long bps)
    {
        return new VnicPolicy(mac, protection, allowedIps, allowedDhcpCids, mtu, bps);
    }
}
