package io.xbow.vswitch.port;

import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FramePool;
import org.agrona.concurrent.NanoClock;

/**
 * What a switch gives the device behind each of its ports when it attaches it ({@link PortDevice#attached}): the
 * frame pool, the switch's cycle clock and a way to wake its datapath thread. A device that makes frames of its own
 * (a router's ARP requests and ICMP errors) takes them from the pool; one that keeps time (a shaper, a drain
 * timeout) reads the clock; one fed by another thread (a netback's event channel, a device thread) wakes the
 * datapath after publishing.
 */
public interface PortContext
{
    /** For a device not attached to any switch: a clock that stands still, nothing to wake. */
    PortContext DETACHED = new PortContext()
    {
        @Override
        public FramePool pool()
        {
            throw new IllegalStateException("the device is not attached to a switch");
        }

        @Override
        public NanoClock clock()
        {
            return () -> 0;
        }

        @Override
        public void wakeup()
        {
        }

        @Override
        public void dropped(final DropReason reason)
        {
        }
    };

    /**
     * @return the pool every frame of the switch comes from; datapath thread only.
     */
    FramePool pool();

    /**
     * @return the time of the switch's current cycle (read once per cycle); datapath thread only.
     */
    NanoClock clock();

    /**
     * Make sure the switch's datapath thread runs a cycle soon; any thread, cheap when it is not parked.
     */
    void wakeup();

    /**
     * Count a frame the device lost before it reached the switch (a runt, a frame it could not finish), among the
     * port's drops by reason, where {@code dladm show-link -s} shows them; datapath thread only.
     *
     * @param reason why.
     */
    void dropped(DropReason reason);
}
