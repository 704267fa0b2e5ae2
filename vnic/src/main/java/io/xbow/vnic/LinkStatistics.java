package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.vnic.datapath.VnicCounters;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.PhysicalLink;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.stats.PortCounters;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A link's {@code show-link -s} counters, summed from the switch ports and VNIC stages behind it. Each frame is
 * counted once, where it was lost: drops on the way into the switch are input errors of the link, drops on the
 * way out (no buffer, queue full, not a member of the VLAN) output errors.
 */
final class LinkStatistics
{
    private static final Set<DropReason> EGRESS_REASONS = EnumSet.of(DropReason.NO_BUFFER, DropReason.QUEUE_FULL,
        DropReason.VLAN_NOT_MEMBER);

    private LinkStatistics()
    {
    }

    /**
     * @param link a link.
     * @return a snapshot of its counters.
     */
    static LinkStats of(final Link link)
    {
        final Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        if (link instanceof PortLink)
        {
            final VnicCounters vnic = ((PortLink)link).vnicPort().counters();
            final PortCounters port = ((PortLink)link).switchPort().counters();
            long ierrors = 0;
            long oerrors = 0;
            for (final DropReason reason : DropReason.values())
            {
                final long in = vnic.inboundDrops(reason) + (EGRESS_REASONS.contains(reason) ? port.drops(reason) : 0);
                final long out = vnic.outboundDrops(reason) + (EGRESS_REASONS.contains(reason) ? 0 : port.drops(reason));
                ierrors += in;
                oerrors += out;
                if (in + out > 0)
                {
                    drops.put(reason, in + out);
                }
            }
            // What the guest sent is what the switch took from the port; drops on the way count as errors.
            return new LinkStats(vnic.inFrames(), vnic.inBytes(), ierrors, port.rxFrames(), port.rxBytes(), oerrors,
                drops);
        }
        final List<PortCounters> ports = new ArrayList<>();
        if (link instanceof PhysicalLink)
        {
            ports.add(((PhysicalLink)link).uplink().counters());
        }
        else
        {
            for (final SwitchPort port : ((SwitchLink)link).switchOf().ports())
            {
                ports.add(port.counters());
            }
        }
        long ipackets = 0;
        long rbytes = 0;
        long opackets = 0;
        long obytes = 0;
        long ierrors = 0;
        long oerrors = 0;
        for (final PortCounters port : ports)
        {
            ipackets += port.rxFrames();
            rbytes += port.rxBytes();
            opackets += port.txFrames();
            obytes += port.txBytes();
            for (final DropReason reason : DropReason.values())
            {
                final long n = port.drops(reason);
                if (n > 0)
                {
                    drops.merge(reason, n, Long::sum);
                    if (EGRESS_REASONS.contains(reason))
                    {
                        oerrors += n;
                    }
                    else
                    {
                        ierrors += n;
                    }
                }
            }
        }
        return new LinkStats(ipackets, rbytes, ierrors, opackets, obytes, oerrors, drops);
    }
}
