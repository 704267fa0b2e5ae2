package io.xbow.vswitch.stats;

import io.xbow.packet.DropReason;

/**
 * A switch port's counters: frames and bytes received and sent, and drops by {@link DropReason}. Drops are counted
 * on the port where the frame was lost: ingress reasons (malformed, invalid source, VLAN mismatch on entry,
 * filtered) on the port it came in by, egress reasons (queue full, no buffer for a flood copy, VLAN mismatch on
 * exit) on the port it was to leave by. Written by the datapath, readable from any thread.
 */
public final class PortCounters
{
    private static final int RX_FRAMES = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_FRAMES = 2;
    private static final int TX_BYTES = 3;
    private static final int DROPS = 4;

    private final Counters counters = new Counters(DROPS + DropReason.count());

    public void addReceived(final int frames, final long bytes)
    {
        counters.add(RX_FRAMES, frames);
        counters.add(RX_BYTES, bytes);
    }

    public void addSent(final int frames, final long bytes)
    {
        counters.add(TX_FRAMES, frames);
        counters.add(TX_BYTES, bytes);
    }

    public void addDropped(final DropReason reason, final int frames)
    {
        counters.add(DROPS + reason.ordinal(), frames);
    }

    public void dropped(final DropReason reason)
    {
        counters.increment(DROPS + reason.ordinal());
    }

    public long rxFrames()
    {
        return counters.get(RX_FRAMES);
    }

    public long rxBytes()
    {
        return counters.get(RX_BYTES);
    }

    public long txFrames()
    {
        return counters.get(TX_FRAMES);
    }

    public long txBytes()
    {
        return counters.get(TX_BYTES);
    }

    /**
     * @param reason a drop reason.
     * @return frames dropped on this port for that reason.
     */
    public long drops(final DropReason reason)
    {
        return counters.get(DROPS + reason.ordinal());
    }

    /**
     * @return frames dropped on this port for any reason.
     */
    public long totalDrops()
    {
        long total = 0;
        for (int i = 0; i < DropReason.count(); i++)
        {
            total += counters.get(DROPS + i);
        }
        return total;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder()
            .append("rx ").append(rxFrames()).append(" frames ").append(rxBytes()).append(" bytes, ")
            .append("tx ").append(txFrames()).append(" frames ").append(txBytes()).append(" bytes");
        for (int i = 0; i < DropReason.count(); i++)
        {
            final long n = counters.get(DROPS + i);
            if (n != 0)
            {
                sb.append(", ").append(DropReason.of(i).label()).append(' ').append(n);
            }
        }
        return sb.toString();
    }
}
