package io.xbow.vswitch;

import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * For each VLAN, the ports a frame flooded in it goes to. Immutable: the control plane builds a new set whenever
 * a port joins, leaves or changes its VLANs, and the switch swaps it in with the change, so that walking 4,094
 * VLANs never happens on the datapath thread.
 */
final class FloodLists
{
    private static final SwitchPort[] NO_PORTS = new SwitchPort[0];
    static final FloodLists EMPTY = of(List.of(), port -> VlanPolicy.DEFAULT);

    private final SwitchPort[][] byVid;

    private FloodLists(final SwitchPort[][] byVid)
    {
        this.byVid = byVid;
    }

    /**
     * @param ports    the ports the switch will have.
     * @param policyOf each port's VLAN policy as it will be.
     * @return the lists, ports in index order within each.
     */
    static FloodLists of(final Collection<SwitchPort> ports, final Function<SwitchPort, VlanPolicy> policyOf)
    {
        final SwitchPort[] sorted = ports.toArray(NO_PORTS);
        Arrays.sort(sorted, Comparator.comparingInt(SwitchPort::index));
        final VlanPolicy[] policies = new VlanPolicy[sorted.length];
        for (int i = 0; i < sorted.length; i++)
        {
            policies[i] = policyOf.apply(sorted[i]);
        }
        final SwitchPort[][] byVid = new SwitchPort[VlanId.MAX + 1][];
        byVid[0] = NO_PORTS;
        final SwitchPort[] members = new SwitchPort[sorted.length];
        for (int vid = VlanId.MIN; vid <= VlanId.MAX; vid++)
        {
            int n = 0;
            for (int i = 0; i < sorted.length; i++)
            {
                if (policies[i].isMember(vid))
                {
                    members[n++] = sorted[i];
                }
            }
            byVid[vid] = n == 0 ? NO_PORTS : Arrays.copyOf(members, n);
        }
        return new FloodLists(byVid);
    }

    /**
     * @param vid a VLAN id, 0 to 4095.
     * @return the ports that are members of it; never null.
     */
    SwitchPort[] members(final int vid)
    {
        return byVid[vid];
    }
}
