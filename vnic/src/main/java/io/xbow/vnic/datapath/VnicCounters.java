package io.xbow.vnic.datapath;

import io.xbow.packet.DropReason;
import io.xbow.vswitch.stats.Counters;

/**
 * What a VNIC's own stages count, from the guest's side: frames delivered to the guest, drops by reason in each
 * direction that happen outside the switch's loop (inbound shaping, a full or missing device, queues emptied when
 * the device is unplugged), and the depth of each shaping queue. What the guest sends, and the drops of the
 * outbound checks that run as the port's ingress stage, are counted by the switch on the port. Written by the
 * datapath, readable from any thread.
 */
public final class VnicCounters
{
    private static final int IN_FRAMES = 0;
    private static final int IN_BYTES = 1;
    private static final int IN_QUEUE = 2;
    private static final int OUT_QUEUE = 3;
    private static final int IN_DROPS = 4;
    private static final int OUT_DROPS = IN_DROPS + DropReason.count();

    private final Counters counters = new Counters(OUT_DROPS + DropReason.count());

    void delivered(final int frames, final long bytes)
    {
        counters.add(IN_FRAMES, frames);
        counters.add(IN_BYTES, bytes);
    }

    void inboundDropped(final DropReason reason, final int frames)
    {
        counters.add(IN_DROPS + reason.ordinal(), frames);
    }

    void outboundDropped(final DropReason reason, final int frames)
    {
        counters.add(OUT_DROPS + reason.ordinal(), frames);
    }

    void queueDepths(final int inbound, final int outbound)
    {
        counters.set(IN_QUEUE, inbound);
        counters.set(OUT_QUEUE, outbound);
    }

    /** @return frames delivered to the guest. */
    public long inFrames()
    {
        return counters.get(IN_FRAMES);
    }

    /** @return bytes delivered to the guest. */
    public long inBytes()
    {
        return counters.get(IN_BYTES);
    }

    /** @return frames waiting in the inbound shaping queue. */
    public long inboundQueueDepth()
    {
        return counters.get(IN_QUEUE);
    }

    /** @return frames waiting in the outbound shaping queue. */
    public long outboundQueueDepth()
    {
        return counters.get(OUT_QUEUE);
    }

    /**
     * @param reason a drop reason.
     * @return frames for the guest dropped for it.
     */
    public long inboundDrops(final DropReason reason)
    {
        return counters.get(IN_DROPS + reason.ordinal());
    }

    /**
     * @param reason a drop reason.
     * @return frames from the guest dropped for it.
     */
    public long outboundDrops(final DropReason reason)
    {
        return counters.get(OUT_DROPS + reason.ordinal());
    }
}
