package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.stats.PortCounters;
import io.xbow.vswitch.thread.Wakeup;
import org.agrona.concurrent.NanoClock;

/**
 * What a switch gives its ports: one per switch, so that when the switch moves to a datapath thread
 * ({@link VirtualSwitch#wakeupBy}) every port wakes the new thread without being told; each port sees it through
 * a {@link PortContext} of its own ({@link #forPort}), which counts the device's drops on that port.
 */
final class SwitchContext
{
    private final FramePool pool;
    private final NanoClock clock;
    private volatile Wakeup wakeup = Wakeup.NONE;

    SwitchContext(final FramePool pool, final NanoClock clock)
    {
        this.pool = pool;
        this.clock = clock;
    }

    void wakeupBy(final Wakeup wakeup)
    {
        this.wakeup = wakeup;
    }

    /**
     * @param counters the port's.
     * @return the context of a port of this switch.
     */
    PortContext forPort(final PortCounters counters)
    {
        return new PortContext()
        {
            @Override
            public FramePool pool()
            {
                return pool;
            }

            @Override
            public NanoClock clock()
            {
                return clock;
            }

            @Override
            public void wakeup()
            {
                wakeup.wakeup();
            }

            @Override
            public void dropped(final DropReason reason)
            {
                counters.dropped(reason);
            }
        };
    }

    public FramePool pool()
    {
        return pool;
    }

    public NanoClock clock()
    {
        return clock;
    }

    public void wakeup()
    {
        wakeup.wakeup();
    }
}
