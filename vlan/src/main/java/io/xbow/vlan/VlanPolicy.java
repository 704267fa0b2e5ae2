package io.xbow.vlan;

import io.xbow.packet.codec.EtherType;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;

/**
 * A port's VLAN mode, immutable (a port's policy is replaced whole, never edited in place):
 * <ul>
 *   <li><b>access</b>: frames on the port are untagged; inside the switch they belong to one VLAN. A tagged frame
 *   arriving on an access port breaks the policy (accepting it would let a guest hop VLANs).</li>
 *   <li><b>trunk</b>: frames carry 802.1Q tags for the allowed VLANs; an optional native VLAN travels untagged.
 *   Untagged frames without a native VLAN, and tags outside the allowed set, break the policy.</li>
 * </ul>
 * Inside the switch frames are untagged and carry their VLAN in the frame metadata ({@link FramePool#vlanTci}), so
 * that flooding copies never carry a tag meant for another port. A priority tag (VID 0) counts as untagged, and
 * the priority (PCP) of any popped tag is kept for the egress tag, but a priority tag with another tag under it is
 * refused (the inner tag would hop into another VLAN). On a trunk an 802.1ad (0x88A8) outer tag is not the port's
 * business: such frames are carried as untagged payload of the native VLAN; an access port refuses them.
 */
public final class VlanPolicy
{
    /** Returned by {@link #ingress} when the frame breaks the policy. */
    public static final int DENY = -1;

    /** {@link #egress} sends the frame without a tag. */
    public static final int EGRESS_UNTAGGED = 0;
    /** {@link #egress} sends the frame with an 802.1Q tag. */
    public static final int EGRESS_TAGGED = 1;
    /** {@link #egress}: the port is not in the frame's VLAN. */
    public static final int EGRESS_NOT_MEMBER = -1;

    /** An access port in the default VLAN 1: what a port is when nothing else is said. */
    public static final VlanPolicy DEFAULT = access(VlanId.DEFAULT);

    private final boolean trunk;
    private final int untaggedVid;
    private final VlanSet allowed;

    private VlanPolicy(final boolean trunk, final int untaggedVid, final VlanSet allowed)
    {
        this.trunk = trunk;
        this.untaggedVid = untaggedVid;
        this.allowed = allowed;
    }

    /**
     * @param vid the port's VLAN, 1 to 4094.
     * @return an access port policy.
     */
    public static VlanPolicy access(final int vid)
    {
        return new VlanPolicy(false, VlanId.validate(vid), VlanSet.of(vid));
    }

    /**
     * @param allowed    VLANs carried tagged.
     * @param nativeVid  VLAN carried untagged, or {@link VlanId#NONE} to refuse untagged frames.
     * @return a trunk port policy.
     */
    public static VlanPolicy trunk(final VlanSet allowed, final int nativeVid)
    {
        if (nativeVid != VlanId.NONE)
        {
            VlanId.validate(nativeVid);
        }
        return new VlanPolicy(true, nativeVid, nativeVid == VlanId.NONE ? allowed : allowed.with(nativeVid));
    }

    /**
     * Classify a frame entering the port: pop its 802.1Q tag if it has one and record its VLAN in the metadata.
     *
     * @param pool   owning the frame.
     * @param handle of the frame.
     * @param chain  the frame's validated header chain (so a VID of 4095 is already refused).
     * @return the frame's VLAN inside the switch, or {@link #DENY} if it breaks the policy; a denied frame is left
     * as it was, for the caller to count and free.
     */
    public int ingress(final FramePool pool, final int handle, final HeaderChain chain)
    {
        int pcp = 0;
        int tagVid = VlanId.NONE;
        final boolean dot1q = chain.tagCount() > 0 && chain.outerTpid() == EtherType.VLAN;
        if (chain.tagCount() > 0 && !dot1q && !trunk)
        {
            return DENY; // an 802.1ad service tag from an access port: a guest has no business sending one
        }
        if (dot1q)
        {
            tagVid = chain.outerTci() & 0xFFF;
            pcp = chain.outerTci() >>> 13;
        }
        final int vid;
        if (tagVid == VlanId.NONE)
        {
            vid = untaggedVid;
            if (vid == VlanId.NONE || (dot1q && chain.tagCount() > 1))
            {
                // A priority tag over another tag: popping the first would carry the second into this VLAN, and out
                // tagged wherever this VLAN leaves untagged (VLAN hopping by double tagging).
                return DENY;
            }
        }
        else if (trunk && allowed.contains(tagVid))
        {
            vid = tagVid;
        }
        else
        {
            return DENY;
        }
        if (dot1q)
        {
            VlanTagger.pop(pool, handle);
        }
        pool.vlanTci(handle, pcp << 13 | vid);
        return vid;
    }

    /**
     * @param vid a VLAN inside the switch.
     * @return how a frame of that VLAN leaves this port: {@link #EGRESS_UNTAGGED}, {@link #EGRESS_TAGGED} or
     * {@link #EGRESS_NOT_MEMBER}.
     */
    public int egress(final int vid)
    {
        if (vid == untaggedVid)
        {
            return EGRESS_UNTAGGED;
        }
        return trunk && allowed.contains(vid) ? EGRESS_TAGGED : EGRESS_NOT_MEMBER;
    }

    /**
     * @param vid a VLAN id.
     * @return true if frames of the VLAN may leave by this port.
     */
    public boolean isMember(final int vid)
    {
        return allowed.contains(vid);
    }

    public boolean isTrunk()
    {
        return trunk;
    }

    /**
     * @return the access VLAN, or a trunk's native VLAN ({@link VlanId#NONE} if it has none).
     */
    public int untaggedVid()
    {
        return untaggedVid;
    }

    /**
     * @return every VLAN the port is a member of, the native one included.
     */
    public VlanSet members()
    {
        return allowed;
    }

    @Override
    public String toString()
    {
        if (!trunk)
        {
            return "access vlan " + untaggedVid;
        }
        return "trunk vlans " + allowed + (untaggedVid == VlanId.NONE ? "" : " native " + untaggedVid);
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof VlanPolicy))
        {
            return false;
        }
        final VlanPolicy other = (VlanPolicy)o;
        return trunk == other.trunk && untaggedVid == other.untaggedVid && allowed.equals(other.allowed);
    }

    @Override
    public int hashCode()
    {
        return (trunk ? 31 : 0) + 17 * untaggedVid + allowed.hashCode();
    }
}
