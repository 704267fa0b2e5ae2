package io.xbow.vnic;

import io.xbow.packet.DropReason;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a link's counters, what {@code dladm show-link -s} and {@code show-vnic -s} print: packets and
 * bytes received and sent from the link's point of view (a VNIC receives what the switch delivers to its guest and
 * sends what its guest sends), errors in each direction, and every drop by reason.
 *
 * @param ipackets frames received.
 * @param rbytes   bytes received.
 * @param ierrors  frames for the link that were dropped.
 * @param opackets frames sent.
 * @param obytes   bytes sent.
 * @param oerrors  frames from the link that were dropped.
 * @param drops    drops by reason, both directions, reasons with none left out.
 */
public record LinkStats(long ipackets, long rbytes, long ierrors, long opackets, long obytes, long oerrors,
    Map<DropReason, Long> drops)
{
    public LinkStats
    {
        drops = Collections.unmodifiableMap(new EnumMap<>(drops.isEmpty() ? new EnumMap<>(DropReason.class) : drops));
    }

    /**
     * @param reason a reason.
     * @return frames dropped for it.
     */
    public long drops(final DropReason reason)
    {
        return drops.getOrDefault(reason, 0L);
    }
}
