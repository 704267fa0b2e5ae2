package io.xbow.netback.backend;

import io.xbow.vswitch.stats.Counters;

/**
 * What a vif's backend counts: frames and bytes each way, requests it refused by reason, frames it dropped
 * because the guest posted no buffers, notifications, and disconnects for a misbehaving frontend. Written by the
 * datapath, readable from any thread.
 */
public final class NetbackCounters
{
    public enum Reason
    {
        /** A grant reference not granted to us, out of range, read-only where we write, or outside memory. */
        BAD_GRANT("bad grant"),
        /** A slot's offset + size crosses its 4 KiB page. */
        CROSS_PAGE("slot crosses its page"),
        /** A packet shorter than an Ethernet header. */
        RUNT("runt"),
        /** A packet larger than 65535 bytes or than the vif's MTU allows. */
        OVERSIZE("oversize"),
        /** A more_data chain longer than the slots allowed. */
        TOO_MANY_SLOTS("too many slots"),
        /** Fragment sizes that do not add up to the packet's size. */
        BAD_FRAGMENTS("bad fragment sizes"),
        /** An extra-info slot of an unknown or unsupported type. */
        BAD_EXTRA("bad extra info"),
        /** No frame free in the switch's pool. */
        NO_BUFFER("no buffer");

        private final String label;

        Reason(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    private static final int TX_FRAMES = 0;
    private static final int TX_BYTES = 1;
    private static final int RX_FRAMES = 2;
    private static final int RX_BYTES = 3;
    private static final int RX_DROPPED = 4;
    private static final int NOTIFICATIONS_SENT = 5;
    private static final int DISCONNECTS = 6;
    private static final int TX_ERRORS = 7;
    private static final int RX_ERRORS = TX_ERRORS + Reason.values().length;

    private final Counters counters = new Counters(RX_ERRORS + Reason.values().length);

    void transmitted(final long bytes)
    {
        counters.increment(TX_FRAMES);
        counters.add(TX_BYTES, bytes);
    }

    void received(final long bytes)
    {
        counters.increment(RX_FRAMES);
        counters.add(RX_BYTES, bytes);
    }

    void txError(final Reason reason)
    {
        counters.increment(TX_ERRORS + reason.ordinal());
    }

    void rxError(final Reason reason)
    {
        counters.increment(RX_ERRORS + reason.ordinal());
    }

    void rxDropped(final int frames)
    {
        counters.add(RX_DROPPED, frames);
    }

    void notified()
    {
        counters.increment(NOTIFICATIONS_SENT);
    }

    void disconnected()
    {
        counters.increment(DISCONNECTS);
    }

    /** @return frames the guest sent that went into the switch. */
    public long txFrames()
    {
        return counters.get(TX_FRAMES);
    }

    public long txBytes()
    {
        return counters.get(TX_BYTES);
    }

    /** @return frames delivered into the guest's buffers. */
    public long rxFrames()
    {
        return counters.get(RX_FRAMES);
    }

    public long rxBytes()
    {
        return counters.get(RX_BYTES);
    }

    /** @return frames for the guest dropped because it posted no buffers for too long. */
    public long rxDropped()
    {
        return counters.get(RX_DROPPED);
    }

    /** @return packets the guest sent that were refused, for a reason. */
    public long txErrors(final Reason reason)
    {
        return counters.get(TX_ERRORS + reason.ordinal());
    }

    /** @return packets the guest sent that were refused, for any reason. */
    public long txErrors()
    {
        long total = 0;
        for (final Reason reason : Reason.values())
        {
            total += txErrors(reason);
        }
        return total;
    }

    /** @return RX buffers the guest posted that could not be used, for a reason. */
    public long rxErrors(final Reason reason)
    {
        return counters.get(RX_ERRORS + reason.ordinal());
    }

    public long notificationsSent()
    {
        return counters.get(NOTIFICATIONS_SENT);
    }

    public long disconnects()
    {
        return counters.get(DISCONNECTS);
    }
}
