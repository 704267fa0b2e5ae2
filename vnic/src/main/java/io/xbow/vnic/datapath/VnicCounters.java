package io.xbow.vnic.datapath;

import io.xbow.packet.DropReason;
import io.xbow.vswitch.stats.Counters;

/**
 * What a VNIC's own stages count, from the guest's side: frames delivered to the guest (inbound) and taken from it
 * into the switch (outbound), drops by reason in each direction, and the depth of each shaping queue. Written by the
 * datapath, readable from any thread.
 */
public final class VnicCounters
{
    private static final int IN_FRAMES = 0;
    private static final int IN_BYTES = 1;
    private static final int OUT_FRAMES = 2;
    private static final int OUT_BYTES = 3;
    private static final int IN_QUEUE = 4;
    private static final int OUT_QUEUE = 5;
    private static final int IN_DROPS = 6;
    private static final int OUT_DROPS = IN_DROPS + DropReason.count();

    private final Counters counters = new Counters(OUT_DROPS + DropReason.count());

    void delivered(final int frames, final long bytes)
    {
        counters.add(IN_FRAMES, frames);
        counters.add(IN_BYTES, bytes);
    }

    void sent(final int frames, final long bytes)
    {
        counters.add(OUT_FRAMES, frames);
        counters.add(OUT_BYTES, bytes);
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

    /** @return frames from the guest that went into the switch. */
    public long outFrames()
    {
        return counters.get(OUT_FRAMES);
    }

    /** @return bytes from the guest that went into the switch. */
    public long outBytes()
    {
        return counters.get(OUT_BYTES);
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
